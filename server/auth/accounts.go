package auth

import (
	"context"
	"errors"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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

// NewSession is a session just created: the token goes to the client once
// (as a cookie); only its hash is stored.
type NewSession struct {
	Token   string
	Session store.Session
	// BrowserToken, when set, is a new known-browser token for the
	// client's cookie (password.go).
	BrowserToken string
	// User and MFAEnrolled are filled in by SecondFactor, read in its
	// transaction, so the caller needs no further read to answer.
	User        store.User
	MFAEnrolled bool
}

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
		return "", ErrInvalidEmail
	}
	return email, nil
}

// canonicalEmail lower-cases and parses an address without the domain
// rule, so that sign-in still finds an account created before that rule.
func canonicalEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" || len(email) > maxEmailLen {
		return "", ErrInvalidEmail
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		return "", ErrInvalidEmail
	}
	return email, nil
}

func checkPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLen || len(pw) > MaxPasswordLen || !utf8.ValidString(pw) {
		return ErrInvalidPassword
	}
	return nil
}

// SignUp creates an account and signs it in (password only: no MFA yet).
func (s *Service) SignUp(ctx context.Context, c Client, email, password string) (store.User, NewSession, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return store.User{}, NewSession{}, err
	}
	if err := checkPassword(password); err != nil {
		return store.User{}, NewSession{}, err
	}
	hash, err := credential.HashPassword(s.rand, password, s.cfg.Argon2)
	if err != nil {
		return store.User{}, NewSession{}, err
	}
	id, err := s.newID("usr")
	if err != nil {
		return store.User{}, NewSession{}, err
	}
	u := store.User{ID: id, Email: email, PasswordHash: hash, CreatedAt: s.now()}
	ns, err := s.newSession(c, id, store.StageFull, []string{MethodPassword})
	if err != nil {
		return store.User{}, NewSession{}, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, ns.Session); err != nil {
			return err
		}
		if ns.BrowserToken, err = s.rememberBrowser(ctx, tx, c, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, id, EventSignUp, "", "")
	})
	if errors.Is(err, store.ErrConflict) {
		return store.User{}, NewSession{}, ErrEmailTaken
	}
	if err != nil {
		return store.User{}, NewSession{}, err
	}
	s.log.Info("signed up", "user_id", id)
	return u, ns, nil
}

func (s *Service) newSession(c Client, userID string, stage store.Stage, amr []string) (NewSession, error) {
	token, hash, err := credential.NewToken(s.rand)
	if err != nil {
		return NewSession{}, err
	}
	id, err := s.newID("ses")
	if err != nil {
		return NewSession{}, err
	}
	now := s.now()
	ttl := s.cfg.SessionTTL
	if stage == store.StagePartial {
		ttl = s.cfg.PartialSessionTTL
	}
	ua := c.UserAgent
	if len(ua) > 256 {
		ua = ua[:256]
	}
	return NewSession{Token: token, Session: store.Session{
		ID: id, TokenHash: hash, UserID: userID, Stage: stage, AMR: amr,
		CreatedAt: now, ExpiresAt: now.Add(ttl), ClientAddr: c.Addr, UserAgent: ua,
	}}, nil
}

// SignIn checks a password, under the per-account guess bounds of
// password.go. With MFA enrolled it returns a partial session, good only for
// the second factor; without, a full session (amr [pwd]). Every failure,
// whatever its cause (unknown account, wrong password, a lock), is
// ErrInvalidCredentials after the same password-hashing work.
func (s *Service) SignIn(ctx context.Context, c Client, email, password string) (NewSession, error) {
	normalized, emailErr := canonicalEmail(email)
	var u store.User
	var err error
	if emailErr == nil {
		u, err = s.store.UserByEmail(ctx, normalized)
	}
	if emailErr != nil || errors.Is(err, store.ErrNotFound) {
		return NewSession{}, s.signInFailed(ctx, c, "", "unknown account", password, passwordAttempt{})
	}
	if err != nil {
		return NewSession{}, err
	}
	attempt, locked, err := s.bookPasswordAttempt(ctx, c, u.ID)
	if err != nil {
		return NewSession{}, err
	}
	if locked {
		return NewSession{}, s.signInFailed(ctx, c, u.ID, "locked", password, attempt)
	}
	ok, err := credential.VerifyPassword(password, u.PasswordHash)
	if err != nil {
		return NewSession{}, err
	}
	if !ok {
		return NewSession{}, s.signInFailed(ctx, c, u.ID, "wrong password", "", attempt)
	}
	enrolled, err := s.MFAEnrolled(ctx, u.ID)
	if err != nil {
		return NewSession{}, err
	}
	stage := store.StageFull
	if enrolled {
		stage = store.StagePartial
	}
	ns, err := s.newSession(c, u.ID, stage, []string{MethodPassword})
	if err != nil {
		return NewSession{}, err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.passwordAccepted(ctx, tx, attempt); err != nil {
			return err
		}
		if err := tx.CreateSession(ctx, ns.Session); err != nil {
			return err
		}
		if stage == store.StagePartial {
			return nil
		}
		if ns.BrowserToken, err = s.rememberBrowser(ctx, tx, c, u.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, u.ID, EventSignInSuccess, "", MethodPassword)
	})
	if err != nil {
		return NewSession{}, err
	}
	s.log.Info("password accepted", "user_id", u.ID, "stage", stage)
	return ns, nil
}

// signInFailed audits a failed password step and answers it. When the
// password was not checked (unknown account, a lock), password is hashed
// against a dummy so the answer takes the same time.
func (s *Service) signInFailed(ctx context.Context, c Client, userID, reason, password string, a passwordAttempt) error {
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
	return ErrInvalidCredentials
}

// MFAEnrolled reports whether the user has an active TOTP device.
func (s *Service) MFAEnrolled(ctx context.Context, userID string) (bool, error) {
	ds, err := s.store.Devices(ctx, userID)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(ds, func(d store.Device) bool { return d.State == store.DeviceActive }), nil
}

// Account returns a user and whether MFA is enrolled, in one read.
func (s *Service) Account(ctx context.Context, userID string) (store.User, bool, error) {
	u, mfa, err := s.store.Account(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, false, ErrUnauthenticated
	}
	return u, mfa, err
}

// Authenticate finds the live session of a token.
func (s *Service) Authenticate(ctx context.Context, token string) (store.Session, error) {
	if !credential.ValidTokenSyntax(token) {
		return store.Session{}, ErrUnauthenticated
	}
	sess, err := s.store.SessionByHash(ctx, credential.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, ErrUnauthenticated
	}
	if err != nil {
		return store.Session{}, err
	}
	if !s.now().Before(sess.ExpiresAt) {
		return store.Session{}, ErrUnauthenticated
	}
	return sess, nil
}

// User returns an account.
func (s *Service) User(ctx context.Context, id string) (store.User, error) {
	u, err := s.store.UserByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, ErrUnauthenticated
	}
	return u, err
}

// SecondFactor verifies a code or recovery code for a session. A partial
// session is replaced by a new full one (new token, amr [pwd, otp|recovery]);
// a full session is stepped up in place (its MFA time renewed), and the
// returned NewSession has no token.
func (s *Service) SecondFactor(ctx context.Context, c Client, sess store.Session, f Factor) (NewSession, error) {
	var out NewSession
	purpose := PurposeStepUp
	if sess.Stage == store.StagePartial {
		purpose = PurposeSignIn
	}
	_, err := s.verify(ctx, verifyReq{client: c, userID: sess.UserID, factor: f, purpose: purpose,
		apply: func(ctx context.Context, tx store.Tx, v verified) error {
			now := s.now()
			method, deviceID, u, mfa := v.method, v.deviceID, v.user, v.mfaEnrolled
			if sess.Stage == store.StagePartial {
				ns, err := s.completeSignIn(ctx, tx, c, sess, method, deviceID)
				out = ns
				out.User, out.MFAEnrolled = u, mfa
				return err
			}
			amr := sess.AMR
			if !slices.Contains(amr, method) {
				amr = append(slices.Clip(amr), method)
			}
			if err := tx.UpgradeSession(ctx, sess.TokenHash, store.StageFull, amr, now, sess.ExpiresAt); err != nil {
				return err
			}
			out = NewSession{Session: sess, User: u, MFAEnrolled: mfa}
			out.Session.AMR, out.Session.MFAVerifiedAt = amr, now
			return s.audit(ctx, tx, c, sess.UserID, EventStepUp, deviceID, method)
		}})
	if errors.Is(err, store.ErrNotFound) {
		return NewSession{}, ErrUnauthenticated
	}
	if err != nil {
		return NewSession{}, err
	}
	return out, nil
}

// completeSignIn replaces a partial session by a full one after its second
// factor (a code, a recovery code or a push approval), in the transaction
// that verified it: new token, amr [pwd, method], MFA verified now, a known
// browser, push resumed, audited. It is the one place a sign-in completes.
func (s *Service) completeSignIn(ctx context.Context, tx store.Tx, c Client, partial store.Session, method, deviceID string) (NewSession, error) {
	ns, err := s.newSession(c, partial.UserID, store.StageFull, []string{MethodPassword, method})
	if err != nil {
		return NewSession{}, err
	}
	ns.Session.MFAVerifiedAt = s.now()
	if err := tx.DeleteSession(ctx, partial.TokenHash); err != nil {
		return NewSession{}, err // signed out or swept meanwhile: roll back
	}
	if err := tx.CreateSession(ctx, ns.Session); err != nil {
		return NewSession{}, err
	}
	if ns.BrowserToken, err = s.rememberBrowser(ctx, tx, c, partial.UserID); err != nil {
		return NewSession{}, err
	}
	if err := s.resumePush(ctx, tx, c, partial.UserID); err != nil {
		return NewSession{}, err
	}
	return ns, s.audit(ctx, tx, c, partial.UserID, EventSignInSuccess, deviceID, strings.Join(ns.Session.AMR, " "))
}

// SignOut ends one session.
func (s *Service) SignOut(ctx context.Context, c Client, sess store.Session) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteSession(ctx, sess.TokenHash); err != nil {
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
func (s *Service) SignOutEverywhere(ctx context.Context, c Client, userID string) (int64, error) {
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
func (s *Service) FreshMFA(sess store.Session) bool {
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

// ChangePasswordResult is what a password change did.
type ChangePasswordResult struct {
	// SignedOut counts the other sessions that ended.
	SignedOut int64
	// BrowserToken is the current browser's new known-browser token (the
	// others are forgotten).
	BrowserToken string
}

// ChangePassword sets a new password for a signed-in session's user. The
// current password is checked under the same per-account guess bounds as a
// sign-in (a stolen session must not become a password oracle), and the
// change is a power under authorize's rule (with MFA: a code, or a second
// factor verified within the fresh window). In one transaction it replaces
// the hash, ends every other session and forgets every known browser but
// this one: whoever else knew the old password is signed out everywhere.
// Application tokens stay (they are revoked one by one); the page says so.
func (s *Service) ChangePassword(ctx context.Context, c Client, sess store.Session, current, next string, f Factor) (ChangePasswordResult, error) {
	if viaToken(sess) {
		return ChangePasswordResult{}, ErrTokenNotAllowed
	}
	if err := checkPassword(next); err != nil {
		return ChangePasswordResult{}, err
	}
	u, err := s.User(ctx, sess.UserID)
	if err != nil {
		return ChangePasswordResult{}, err
	}
	attempt, locked, err := s.bookPasswordAttempt(ctx, c, u.ID)
	if err != nil {
		return ChangePasswordResult{}, err
	}
	if locked {
		credential.VerifyPassword(current, s.dummyHash)
		return ChangePasswordResult{}, ErrWrongPassword
	}
	ok, err := credential.VerifyPassword(current, u.PasswordHash)
	if err != nil {
		return ChangePasswordResult{}, err
	}
	if !ok {
		s.log.Info("password change refused", "user_id", u.ID, "reason", "wrong current password")
		if err := s.store.Update(ctx, func(tx store.Tx) error {
			return s.audit(ctx, tx, c, u.ID, EventSignInFailure, "", "password change")
		}); err != nil {
			return ChangePasswordResult{}, err
		}
		return ChangePasswordResult{}, ErrWrongPassword
	}
	hash, err := credential.HashPassword(s.rand, next, s.cfg.Argon2)
	if err != nil {
		return ChangePasswordResult{}, err
	}
	var res ChangePasswordResult
	err = s.authorize(ctx, c, sess, f, PurposeChangePassword, func(ctx context.Context, tx store.Tx) error {
		if err := s.passwordAccepted(ctx, tx, attempt); err != nil {
			return err
		}
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
		if res.BrowserToken, err = s.rememberBrowser(ctx, tx, Client{}, u.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, u.ID, EventPasswordChanged, "", strconv.FormatInt(n, 10)+" other sessions ended")
	})
	if err != nil {
		return ChangePasswordResult{}, err
	}
	s.log.Info("password changed", "user_id", u.ID, "sessions_ended", res.SignedOut)
	return res, nil
}

// Sessions lists the user's live sessions, newest first.
func (s *Service) Sessions(ctx context.Context, userID string) ([]store.Session, error) {
	return s.store.Sessions(ctx, userID, s.now())
}

// EndSession ends one of the user's sessions by its id.
func (s *Service) EndSession(ctx context.Context, c Client, userID, id string) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteSessionByID(ctx, userID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, EventSessionEnded, "", id)
	})
	if errors.Is(err, store.ErrNotFound) {
		return ErrSessionNotFound
	}
	return err
}
