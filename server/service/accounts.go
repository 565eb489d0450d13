package service

import (
	"context"
	"errors"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/store"
)

// Password length limits (NIST SP 800-63B: at least 8; a generous maximum
// bounds the hashing work).
const (
	MinPasswordLen = 8
	MaxPasswordLen = 1024 // bytes
	maxEmailLen    = 254
)

// NormalizeEmail lower-cases and checks an email address for a new
// account: one address (no display name) whose domain has a dot inside it,
// so "dana@example" (a typo, or a host name mail cannot reach) is refused.
func NormalizeEmail(email string) (string, error) {
	email, err := canonicalEmail(email)
	if err != nil {
		return "", err
	}
	domain := email[strings.LastIndexByte(email, '@')+1:]
	if i := strings.IndexByte(domain, '.'); i <= 0 || strings.HasSuffix(domain, ".") {
		return "", auth.ErrInvalidEmail
	}
	return email, nil
}

// canonicalEmail lower-cases and parses an address without the domain
// rule, so that sign-in still finds an account created before that rule.
func canonicalEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || len(email) > maxEmailLen {
		return "", auth.ErrInvalidEmail
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		return "", auth.ErrInvalidEmail
	}
	return email, nil
}

func checkPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLen || len(pw) > MaxPasswordLen || !utf8.ValidString(pw) {
		return auth.ErrInvalidPassword
	}
	return nil
}

// SignupOpen reports whether sign-up without an invitation (into the
// default organisation) is open.
func (s *Accounts) SignupOpen(ctx context.Context) (bool, error) {
	org, err := s.store.Organisation(ctx, store.DefaultOrgID)
	return org.OpenSignup, err
}

// SignUp creates an account and signs it in (password only: no MFA yet).
// With an invitation token it joins the invitation's organisation, with
// its role, if the email is the one invited (the invitation is then used
// up); without, it joins the default organisation if that is open for
// sign-up. The first account of an organisation without an admin becomes
// its admin. A new account its organisation requires to use MFA gets a
// session in the enroll stage.
func (s *Accounts) SignUp(ctx context.Context, c auth.Client, email, password, invitation string) (auth.NewSession, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return auth.NewSession{}, err
	}
	if err := checkPassword(password); err != nil {
		return auth.NewSession{}, err
	}
	inv, err := s.invitationFor(ctx, invitation, email)
	if err != nil {
		return auth.NewSession{}, err
	}
	hash, err := credential.HashPassword(s.rand, password, s.cfg.Argon2)
	if err != nil {
		return auth.NewSession{}, err
	}
	id, err := s.newID("usr")
	if err != nil {
		return auth.NewSession{}, err
	}
	u := store.User{ID: id, Email: email, PasswordHash: hash, CreatedAt: s.now(), OrgID: store.DefaultOrgID, Role: store.RoleMember}
	if inv != nil {
		u.OrgID, u.Role = inv.OrgID, inv.Role
	}
	var ns auth.NewSession
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.admit(ctx, tx, &u, inv); err != nil {
			return err
		}
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		// Sign-up signs the new user in.
		if err := tx.SetLastSignIn(ctx, u.ID, u.CreatedAt); err != nil {
			return err
		}
		stage := store.StageFull
		if req, err := s.required(ctx, tx, u); err != nil {
			return err
		} else if req {
			stage = store.StageEnroll
		}
		row, n, err := s.newSession(c, id, stage, []string{auth.MethodPassword})
		if err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, row); err != nil {
			return err
		}
		ns = n
		ns.User = userView(u, false)
		if ns.BrowserToken, err = s.rememberBrowser(ctx, tx, c, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, id, EventSignUp, "", u.OrgID)
	})
	if errors.Is(err, store.ErrConflict) {
		return auth.NewSession{}, auth.ErrEmailTaken
	}
	if err != nil {
		return auth.NewSession{}, err
	}
	s.log.Info("signed up", "user_id", id, "org_id", u.OrgID, "role", u.Role)
	return ns, nil
}

// invitationFor finds the invitation of a sign-up (nil without one): live,
// and for this email.
func (s *core) invitationFor(ctx context.Context, token, email string) (*store.Invitation, error) {
	if token == "" {
		return nil, nil
	}
	if !credential.ValidTokenSyntax(token) {
		return nil, auth.ErrInvitationInvalid
	}
	inv, err := s.store.InvitationByHash(ctx, credential.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, auth.ErrInvitationInvalid
	}
	if err != nil {
		return nil, err
	}
	if !inv.UsedAt.IsZero() || !s.now().Before(inv.ExpiresAt) || inv.Email != email {
		return nil, auth.ErrInvitationInvalid
	}
	return &inv, nil
}

// admit decides, in the sign-up's transaction, whether u may join its
// organisation (its invitation used up, or the organisation open), and
// makes the first account of an organisation without an admin its admin.
func (s *core) admit(ctx context.Context, tx store.Tx, u *store.User, inv *store.Invitation) error {
	if inv != nil {
		used, err := tx.UseInvitation(ctx, inv.ID, s.now())
		if err != nil {
			return err
		}
		if !used {
			return auth.ErrInvitationInvalid // used meanwhile
		}
	} else {
		org, err := tx.Organisation(ctx, u.OrgID)
		if err != nil {
			return err
		}
		if !org.OpenSignup {
			return auth.ErrSignupClosed
		}
	}
	admins, err := tx.CountAdmins(ctx, u.OrgID)
	if err != nil {
		return err
	}
	if admins == 0 {
		u.Role = store.RoleAdmin
	}
	return nil
}

// newSession makes a session: the row to store (with the token's hash)
// and what goes to the caller (with the token itself).
func (s *core) newSession(c auth.Client, userID string, stage store.Stage, amr []string) (store.Session, auth.NewSession, error) {
	token, hash, err := credential.NewToken(s.rand)
	if err != nil {
		return store.Session{}, auth.NewSession{}, err
	}
	id, err := s.newID("ses")
	if err != nil {
		return store.Session{}, auth.NewSession{}, err
	}
	now := s.now()
	ttl := s.cfg.SessionTTL
	if stage == store.StagePartial {
		ttl = s.cfg.PartialSessionTTL
	}
	ua := clientText(c.UserAgent, 256)
	row := store.Session{ID: id, TokenHash: hash, UserID: userID, Stage: stage, AMR: amr,
		CreatedAt: now, ExpiresAt: now.Add(ttl), ClientAddr: c.Addr, UserAgent: ua}
	return row, auth.NewSession{Token: token, Session: sessionView(row)}, nil
}

// SignIn checks a password, under the per-account guess bounds of
// password.go. With MFA enrolled it returns a partial session, good only for
// the second factor; without, a full session (amr [pwd]). Every failure,
// whatever its cause (unknown account, wrong password, a lock), is
// ErrInvalidCredentials after the same password-hashing work.
func (s *Accounts) SignIn(ctx context.Context, c auth.Client, email, password string) (auth.NewSession, error) {
	normalized, emailErr := canonicalEmail(email)
	var u store.User
	var err error
	if emailErr == nil {
		u, err = s.store.UserByEmail(ctx, normalized)
	}
	if emailErr != nil || errors.Is(err, store.ErrNotFound) {
		return auth.NewSession{}, s.signInFailed(ctx, c, "", "unknown account", password, passwordAttempt{})
	}
	if err != nil {
		return auth.NewSession{}, err
	}
	attempt, locked, err := s.bookPasswordAttempt(ctx, c, u.ID)
	if err != nil {
		return auth.NewSession{}, err
	}
	if locked {
		return auth.NewSession{}, s.signInFailed(ctx, c, u.ID, "locked", password, attempt)
	}
	ok, err := credential.VerifyPassword(password, u.PasswordHash)
	if err != nil {
		return auth.NewSession{}, err
	}
	if !ok {
		return auth.NewSession{}, s.signInFailed(ctx, c, u.ID, "wrong password", "", attempt)
	}
	var ns auth.NewSession
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.passwordAccepted(ctx, tx, attempt); err != nil {
			return err
		}
		var err error
		ns, err = s.startSession(ctx, tx, c, u)
		return err
	})
	if err != nil {
		return auth.NewSession{}, err
	}
	s.log.Info("password accepted", "user_id", u.ID, "stage", ns.Session.Stage)
	return ns, nil
}

// startSession makes the session a right password earns, in tx: partial
// when the user has MFA (full at once from a trusted browser, amr [pwd
// trusted_browser]), in the enroll stage when the organisation requires
// MFA the user has not set up, full otherwise.
func (s *core) startSession(ctx context.Context, tx store.Tx, c auth.Client, u store.User) (auth.NewSession, error) {
	enrolled, err := hasActiveDevice(ctx, tx, u.ID)
	if err != nil {
		return auth.NewSession{}, err
	}
	stage, amr := store.StageFull, []string{auth.MethodPassword}
	var trusted *store.TrustedBrowser
	switch {
	case enrolled:
		if trusted, err = s.trustedBrowser(ctx, tx, c.TrustToken, u); err != nil {
			return auth.NewSession{}, err
		}
		if trusted == nil {
			stage = store.StagePartial
		} else {
			amr = append(amr, MethodTrustedBrowser)
		}
	default:
		req, err := s.required(ctx, tx, u)
		if err != nil {
			return auth.NewSession{}, err
		}
		if req {
			stage = store.StageEnroll
		}
	}
	row, ns, err := s.newSession(c, u.ID, stage, amr)
	if err != nil {
		return auth.NewSession{}, err
	}
	ns.User = userView(u, enrolled)
	if err := tx.CreateSession(ctx, row); err != nil {
		return auth.NewSession{}, err
	}
	if stage == store.StagePartial {
		return ns, nil
	}
	if trusted != nil {
		trusted.LastUsedAt, trusted.ClientAddr = s.now(), c.Addr
		if err := tx.PutTrustedBrowser(ctx, *trusted); err != nil {
			return auth.NewSession{}, err
		}
	}
	if ns.BrowserToken, err = s.rememberBrowser(ctx, tx, c, u.ID); err != nil {
		return auth.NewSession{}, err
	}
	if err := tx.SetLastSignIn(ctx, u.ID, s.now()); err != nil {
		return auth.NewSession{}, err
	}
	return ns, s.audit(ctx, tx, c, u.ID, EventSignInSuccess, "", strings.Join(amr, " "))
}

// signInFailed audits a failed password step and answers it. When the
// password was not checked (unknown account, a lock), password is hashed
// against a dummy so the answer takes the same time.
func (s *core) signInFailed(ctx context.Context, c auth.Client, userID, reason, password string, a passwordAttempt) error {
	if reason != "wrong password" {
		credential.VerifyPassword(password, s.dummyHash)
	}
	s.log.Info("sign-in failed", "reason", reason, "user_id", userID)
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.audit(ctx, tx, c, userID, EventSignInFailure, "", "password"); err != nil {
			return err
		}
		if a.lockout == "" {
			return nil
		}
		s.log.Warn("password guesses locked", "user_id", userID, "lock", a.lockout)
		return s.audit(ctx, tx, c, userID, EventPasswordLockout, "", a.lockout)
	})
	if err != nil {
		return err
	}
	return auth.ErrInvalidCredentials
}

// MFAEnrolled reports whether the user has an active TOTP device.
func (s *core) mfaEnrolled(ctx context.Context, userID string) (bool, error) {
	ds, err := s.store.Devices(ctx, userID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(ds, func(d store.Device) bool { return d.State == store.DeviceActive }), nil
}

// Account returns a user, with whether MFA is enrolled, in one read.
func (s *Accounts) Account(ctx context.Context, userID string) (auth.User, error) {
	u, mfa, err := s.store.Account(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return auth.User{}, auth.ErrUnauthenticated
	}
	if err != nil {
		return auth.User{}, err
	}
	return userView(u, mfa), nil
}

// Authenticate finds the live session of a session token (the cookie).
func (s *Accounts) Authenticate(ctx context.Context, token string) (auth.Session, error) {
	if !credential.ValidTokenSyntax(token) {
		return auth.Session{}, auth.ErrUnauthenticated
	}
	sess, err := s.store.SessionByHash(ctx, credential.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return auth.Session{}, auth.ErrUnauthenticated
	}
	if err != nil {
		return auth.Session{}, err
	}
	if !s.now().Before(sess.ExpiresAt) {
		return auth.Session{}, auth.ErrUnauthenticated
	}
	return sessionView(sess), nil
}

// User returns an account.
func (s *core) user(ctx context.Context, id string) (store.User, error) {
	u, err := s.store.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, auth.ErrUnauthenticated
	}
	return u, err
}

// SecondFactor verifies a code or recovery code for a session. A partial
// session is replaced by a new full one (new token, amr [pwd, otp|recovery]);
// a full session is stepped up in place (its MFA time renewed), and the
// returned NewSession has no token.
//
// With trust set, a completed sign-in also makes the browser a trusted
// browser of the user (trust.go), when the organisation allows it.
func (s *Accounts) SecondFactor(ctx context.Context, c auth.Client, sess auth.Session, f auth.Factor, trust bool) (auth.NewSession, error) {
	var out auth.NewSession
	purpose := PurposeStepUp
	if sess.Stage == auth.StagePartial {
		purpose = PurposeSignIn
	}
	_, err := s.verify(ctx, verifyReq{client: c, userID: sess.UserID, factor: f, purpose: purpose,
		apply: func(ctx context.Context, tx store.Tx, v verified) error {
			now := s.now()
			method, deviceID := v.method, v.deviceID
			if sess.Stage == auth.StagePartial {
				ns, err := s.completeSignIn(ctx, tx, c, sess, method, deviceID)
				if err != nil {
					return err
				}
				out = ns
				out.User = userView(v.user, v.mfaEnrolled)
				if !trust {
					return nil
				}
				err = s.trustBrowser(ctx, tx, c, v.user, &out)
				if errors.Is(err, auth.ErrTrustNotOffered) {
					return nil // the sign-in stands; the page offers no trust in such an organisation
				}
				return err
			}
			amr := sess.AMR
			if !slices.Contains(amr, method) {
				amr = append(slices.Clip(amr), method)
			}
			if err := tx.UpgradeSession(ctx, sess.ID, store.StageFull, amr, now, sess.ExpiresAt); err != nil {
				return err
			}
			out = auth.NewSession{Session: sess, User: userView(v.user, v.mfaEnrolled)}
			out.Session.AMR, out.Session.MFAVerifiedAt = amr, now
			return s.audit(ctx, tx, c, sess.UserID, EventStepUp, deviceID, method)
		}})
	if errors.Is(err, store.ErrNotFound) {
		return auth.NewSession{}, auth.ErrUnauthenticated
	}
	if err != nil {
		return auth.NewSession{}, err
	}
	return out, nil
}

// completeSignIn replaces a partial session by a full one after its second
// factor (a code, a recovery code or a push approval), in the transaction
// that verified it: new token, amr [pwd, method], MFA verified now, a known
// browser, push resumed, audited. It is the one place a sign-in completes.
func (s *core) completeSignIn(ctx context.Context, tx store.Tx, c auth.Client, partial auth.Session, method, deviceID string) (auth.NewSession, error) {
	row, ns, err := s.newSession(c, partial.UserID, store.StageFull, []string{auth.MethodPassword, method})
	if err != nil {
		return auth.NewSession{}, err
	}
	row.MFAVerifiedAt = s.now()
	ns.Session.MFAVerifiedAt = row.MFAVerifiedAt
	if err := tx.DeleteSession(ctx, partial.ID); err != nil {
		return auth.NewSession{}, err // signed out or swept meanwhile: roll back
	}
	if err := tx.CreateSession(ctx, row); err != nil {
		return auth.NewSession{}, err
	}
	if ns.BrowserToken, err = s.rememberBrowser(ctx, tx, c, partial.UserID); err != nil {
		return auth.NewSession{}, err
	}
	if err := s.resumePush(ctx, tx, c, partial.UserID); err != nil {
		return auth.NewSession{}, err
	}
	if err := tx.SetLastSignIn(ctx, partial.UserID, s.now()); err != nil {
		return auth.NewSession{}, err
	}
	return ns, s.audit(ctx, tx, c, partial.UserID, EventSignInSuccess, deviceID, strings.Join(ns.Session.AMR, " "))
}

// SignOut ends one session.
func (s *Accounts) SignOut(ctx context.Context, c auth.Client, sess auth.Session) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteSession(ctx, sess.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, sess.UserID, EventSignOut, "", "")
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil // already gone
	}
	return err
}

// SignOutEverywhere ends every session of the user, this one included.
func (s *Accounts) SignOutEverywhere(ctx context.Context, c auth.Client, userID string) (int64, error) {
	var n int64
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if n, err = tx.DeleteUserSessions(ctx, userID); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, EventSignOutEverywhere, "", "")
	})
	return n, err
}

// FreshMFA reports whether the session's last second factor is recent
// enough for sensitive changes without asking again.
func (s *core) freshMFA(sess auth.Session) bool {
	if sess.MFAVerifiedAt.IsZero() {
		return false
	}
	age := s.now().Sub(sess.MFAVerifiedAt)
	return age >= 0 && age < s.cfg.FreshFactorWindow
}

// Audit events of the account itself.
const (
	EventPasswordChanged = "password_changed"
	EventSessionEnded    = "session_ended"
)

// ChangePassword sets a new password for a signed-in session's user. The
// current password is checked under the same per-account guess bounds as a
// sign-in (a stolen session must not become a password oracle), and the
// change is a power under authorize's rule (with MFA: a code, or a second
// factor verified within the fresh window). In one transaction it replaces
// the hash, ends every other session and forgets every known browser but
// this one: whoever else knew the old password is signed out everywhere.
// Application tokens stay (they are revoked one by one); the page says so.
func (s *Accounts) ChangePassword(ctx context.Context, c auth.Client, sess auth.Session, current, next string, f auth.Factor) (auth.ChangePasswordResult, error) {
	if sess.ViaToken() {
		return auth.ChangePasswordResult{}, auth.ErrTokenNotAllowed
	}
	if err := checkPassword(next); err != nil {
		return auth.ChangePasswordResult{}, err
	}
	u, err := s.user(ctx, sess.UserID)
	if err != nil {
		return auth.ChangePasswordResult{}, err
	}
	attempt, locked, err := s.bookPasswordAttempt(ctx, c, u.ID)
	if err != nil {
		return auth.ChangePasswordResult{}, err
	}
	if locked {
		credential.VerifyPassword(current, s.dummyHash)
		return auth.ChangePasswordResult{}, auth.ErrWrongPassword
	}
	ok, err := credential.VerifyPassword(current, u.PasswordHash)
	if err != nil {
		return auth.ChangePasswordResult{}, err
	}
	if !ok {
		s.log.Info("password change refused", "user_id", u.ID, "reason", "wrong current password")
		if err := s.store.Update(ctx, func(tx store.Tx) error {
			return s.audit(ctx, tx, c, u.ID, EventSignInFailure, "", "password change")
		}); err != nil {
			return auth.ChangePasswordResult{}, err
		}
		return auth.ChangePasswordResult{}, auth.ErrWrongPassword
	}
	// The right password settles its booked attempt now, whatever the
	// second factor says next: asking for a fresh factor must not spend
	// the account's password budget.
	if err := s.store.Update(ctx, func(tx store.Tx) error { return s.passwordAccepted(ctx, tx, attempt) }); err != nil {
		return auth.ChangePasswordResult{}, err
	}
	hash, err := credential.HashPassword(s.rand, next, s.cfg.Argon2)
	if err != nil {
		return auth.ChangePasswordResult{}, err
	}
	var res auth.ChangePasswordResult
	err = s.authorize(ctx, c, sess, f, PurposeChangePassword, func(ctx context.Context, tx store.Tx) error {
		if err := tx.SetPasswordHash(ctx, u.ID, hash); err != nil {
			return err
		}
		n, err := tx.DeleteOtherSessions(ctx, u.ID, sess.ID, false)
		if err != nil {
			return err
		}
		res.SignedOut = n
		if _, err := tx.DeleteKnownBrowsers(ctx, u.ID); err != nil {
			return err
		}
		if _, err := tx.DeleteTrustedBrowsers(ctx, u.ID); err != nil {
			return err
		}
		if res.BrowserToken, err = s.rememberBrowser(ctx, tx, auth.Client{}, u.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, u.ID, EventPasswordChanged, "", strconv.FormatInt(n, 10)+" other sessions ended")
	})
	if err != nil {
		return auth.ChangePasswordResult{}, err
	}
	s.log.Info("password changed", "user_id", u.ID, "sessions_ended", res.SignedOut)
	return res, nil
}

// Sessions lists the user's live sessions, newest first.
func (s *Accounts) Sessions(ctx context.Context, userID string) ([]auth.Session, error) {
	all, err := s.store.Sessions(ctx, userID, s.now())
	return views(all, sessionView), err
}

// EndSession ends one of the user's sessions by its id.
func (s *Accounts) EndSession(ctx context.Context, c auth.Client, userID, id string) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteSessionByID(ctx, userID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, EventSessionEnded, "", id)
	})
	if errors.Is(err, store.ErrNotFound) {
		return auth.ErrSessionNotFound
	}
	return err
}
