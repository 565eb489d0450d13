package service

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
)

// An organisation's admins manage its users' MFA. Every admin call starts
// with admin(): the caller must be an admin of the organisation, and have
// verified a second factor (a session that did, or a token minted under
// one); everything it touches is then looked up within that organisation
// only, so an admin of one organisation can see and change nothing of
// another. Every change is audited with the admin as actor.

// Admin audit events.
const (
	EventRequirementOn   = "mfa_requirement_on"
	EventRequirementOff  = "mfa_requirement_off"
	EventOrgChanged      = "organisation_changed"
	EventRoleChanged     = "role_changed"
	EventExemptChanged   = "exemption_changed"
	EventMFAReset        = "mfa_reset"
	EventGroupCreated    = "group_created"
	EventGroupDeleted    = "group_deleted"
	EventGroupChanged    = "group_changed"
	EventMemberAdded     = "group_member_added"
	EventMemberRemoved   = "group_member_removed"
	EventInvited         = "user_invited"
	EventAdminDeviceGone = "device_deleted_by_admin"
)

// Email code purpose of turning the requirement off.
const purposeRequirementOff = "mfa_requirement_off"

// actingAdmin is an admin and the organisation they administer.
type actingAdmin struct {
	user store.User
	org  store.Organisation
	sess auth.Session
}

// admin checks that sess is an admin of their organisation with a verified
// second factor: auth.ErrNotAdmin for anyone else, auth.ErrAdminStepUp for
// an admin who must confirm with a code first.
func (s *Admin) admin(ctx context.Context, sess auth.Session) (actingAdmin, error) {
	if sess.Stage != auth.StageFull {
		return actingAdmin{}, auth.ErrUnauthenticated
	}
	u, err := s.store.UserByID(ctx, sess.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return actingAdmin{}, auth.ErrUnauthenticated
	}
	if err != nil {
		return actingAdmin{}, err
	}
	if u.Role != store.RoleAdmin {
		return actingAdmin{}, auth.ErrNotAdmin
	}
	verified := sess.TokenMFA
	if !sess.ViaToken() {
		verified = !sess.MFAVerifiedAt.IsZero()
	}
	// A factor verified earlier counts only while the admin still has one:
	// turning one's own MFA off ends one's admin powers with it.
	if verified {
		if verified, err = hasActiveDevice(ctx, s.store, u.ID); err != nil {
			return actingAdmin{}, err
		}
	}
	if !verified {
		return actingAdmin{}, auth.ErrAdminStepUp
	}
	org, err := s.store.Organisation(ctx, u.OrgID)
	if err != nil {
		return actingAdmin{}, err
	}
	return actingAdmin{user: u, org: org, sess: sess}, nil
}

// member finds a user of the admin's organisation (auth.ErrUserNotFound
// for anyone else's).
func (s *Admin) member(ctx context.Context, r store.Reader, a actingAdmin, userID string) (store.User, error) {
	u, err := r.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) || err == nil && u.OrgID != a.org.ID {
		return store.User{}, auth.ErrUserNotFound
	}
	return u, err
}

// Org is the admin's organisation.
func (s *Admin) Org(ctx context.Context, sess auth.Session) (auth.Organisation, error) {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return auth.Organisation{}, err
	}
	return orgView(a.org), nil
}

// UpdateOrg changes the organisation's name, trusted-browser days (0 to
// 365; 0 turns the option off) or open sign-up.
func (s *Admin) UpdateOrg(ctx context.Context, c auth.Client, sess auth.Session, ch auth.OrgChange) (auth.Organisation, error) {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return auth.Organisation{}, err
	}
	o := a.org
	if ch.Name != nil {
		if o.Name, err = normalizeLabel(*ch.Name, auth.ErrInvalidOrg); err != nil {
			return auth.Organisation{}, err
		}
	}
	if ch.TrustDays != nil {
		if *ch.TrustDays < 0 || *ch.TrustDays > 365 {
			return auth.Organisation{}, auth.ErrInvalidTrustDays
		}
		o.TrustDays = *ch.TrustDays
	}
	if ch.OpenSignup != nil {
		o.OpenSignup = *ch.OpenSignup
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.UpdateOrganisation(ctx, o); err != nil {
			return err
		}
		return s.auditAs(ctx, tx, c, a.user.ID, a.user.ID, EventOrgChanged, "", describeOrg(o))
	})
	if err != nil {
		return auth.Organisation{}, err
	}
	return orgView(o), nil
}

func describeOrg(o store.Organisation) string {
	open := "closed"
	if o.OpenSignup {
		open = "open"
	}
	return "name " + o.Name + "; trust days " + strconv.Itoa(o.TrustDays) + "; sign-up " + open
}

// RequireMFA turns the requirement on, for everyone or for the groups
// given (the others stop being required). The admin must have an active
// device (auth.ErrAdminNotEnrolled: they enroll first). With signOut every
// session of an affected user ends at once, the admin's own excepted;
// without, sessions stay valid until they expire, but an affected user
// without a device is sent to enrollment at their next request. One
// transaction.
func (s *Admin) RequireMFA(ctx context.Context, c auth.Client, sess auth.Session, scope auth.Requirement, groupIDs []string,
	signOut bool) (auth.RequirementResult, error) {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return auth.RequirementResult{}, err
	}
	if scope != auth.RequireEveryone && (scope != auth.RequireGroups || len(groupIDs) == 0) {
		return auth.RequirementResult{}, auth.ErrInvalidScope
	}
	if enrolled, err := s.mfaEnrolled(ctx, a.user.ID); err != nil || !enrolled {
		if err != nil {
			return auth.RequirementResult{}, err
		}
		return auth.RequirementResult{}, auth.ErrAdminNotEnrolled
	}
	var res auth.RequirementResult
	err = s.store.Update(ctx, func(tx store.Tx) error {
		res = auth.RequirementResult{}
		if err := s.markRequiredGroups(ctx, tx, a, scope, groupIDs); err != nil {
			return err
		}
		o := a.org
		o.RequireMFA = store.Requirement(scope)
		if err := tx.UpdateOrganisation(ctx, o); err != nil {
			return err
		}
		res.Organisation = orgView(o)
		// Everyone is brought in line: the newly required, and those a
		// narrower scope no longer requires (back from the enroll stage).
		err := orgUsers(ctx, tx, o.ID, func(row store.UserRow) error {
			req, err := s.required(ctx, tx, row.User)
			if err != nil {
				return err
			}
			n, err := s.applyRequirement(ctx, tx, row.User, signOut, sess.ID)
			if req {
				res.Affected++
				res.Sessions += n
			}
			return err
		})
		if err != nil {
			return err
		}
		how := "keep sessions"
		if signOut {
			how = "sign everyone out"
		}
		return s.auditAs(ctx, tx, c, a.user.ID, a.user.ID, EventRequirementOn, "", string(scope)+"; "+how+"; "+strconv.Itoa(res.Affected)+" users")
	})
	if err != nil {
		return auth.RequirementResult{}, err
	}
	s.log.Info("MFA requirement on", "org_id", a.org.ID, "scope", scope, "affected", res.Affected, "sessions", res.Sessions, "admin", a.user.ID)
	return res, nil
}

// markRequiredGroups marks the given groups required and the others not
// (under the groups scope; everyone leaves the marks alone).
func (s *Admin) markRequiredGroups(ctx context.Context, tx store.Tx, a actingAdmin, scope auth.Requirement, groupIDs []string) error {
	if scope != auth.RequireGroups {
		return nil
	}
	gs, err := tx.Groups(ctx, a.org.ID)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, id := range groupIDs {
		want[id] = true
	}
	for _, g := range gs {
		if err := tx.SetGroupRequired(ctx, a.org.ID, g.ID, want[g.ID]); err != nil {
			return err
		}
		delete(want, g.ID)
	}
	if len(want) > 0 {
		return auth.ErrGroupNotFound // a group of another organisation, or none
	}
	return nil
}

// SendRequirementOffCode mails the admin a code that confirms turning the
// requirement off: 6 digits, valid EmailCodeTTL, single use, five tries,
// replacing any earlier code.
func (s *Admin) SendRequirementOffCode(ctx context.Context, c auth.Client, sess auth.Session) error {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return err
	}
	return s.sendEmailCode(ctx, c, a.user, purposeRequirementOff,
		"Confirm: turn off the MFA requirement of "+a.org.Name, "turn off the MFA requirement of "+a.org.Name)
}

// RequirementOff turns the requirement off with the code mailed to this
// admin. No code, a wrong, expired, used or another admin's code: each is
// auth.ErrEmailCodeFailed and nothing changes (a wrong try is counted).
// Sessions sent to enrollment get back to where they were.
func (s *Admin) RequirementOff(ctx context.Context, c auth.Client, sess auth.Session, code string) error {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return err
	}
	code = strings.TrimSpace(code)
	matched := false
	err = s.store.Update(ctx, func(tx store.Tx) error {
		ok, err := s.checkEmailCode(ctx, tx, a.user.ID, purposeRequirementOff, code)
		if matched = ok; err != nil || !ok {
			if err == nil {
				err = s.auditAs(ctx, tx, c, a.user.ID, a.user.ID, EventEmailCodeFailed, "", purposeRequirementOff)
			}
			return err // a wrong try is committed
		}
		o := a.org
		o.RequireMFA = store.RequireOff
		if err := tx.UpdateOrganisation(ctx, o); err != nil {
			return err
		}
		if err := orgUsers(ctx, tx, o.ID, func(row store.UserRow) error {
			_, err := tx.SetSessionsStage(ctx, row.User.ID, store.StageEnroll, store.StageFull)
			return err
		}); err != nil {
			return err
		}
		return s.auditAs(ctx, tx, c, a.user.ID, a.user.ID, EventRequirementOff, "", "confirmed by emailed code")
	})
	if err != nil {
		return err
	}
	if !matched {
		return auth.ErrEmailCodeFailed
	}
	s.log.Info("MFA requirement off", "org_id", a.org.ID, "admin", a.user.ID)
	return nil
}

// normalizeLabel trims a name and checks it is 1 to 64 printable
// characters.
func normalizeLabel(name string, bad error) (string, error) {
	n, err := NormalizeName(name, false)
	if err != nil {
		return "", bad
	}
	return n, nil
}
