package service

import (
	"context"
	"errors"
	"strings"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
)

// MaxReasonLen bounds an admin's reason (Reset MFA, an exemption).
const MaxReasonLen = 200

// Users lists the organisation's users, filtered and paged, with how many
// match.
func (s *Admin) Users(ctx context.Context, sess auth.Session, f auth.UserFilter) ([]auth.OrgUser, int, error) {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return nil, 0, err
	}
	rows, total, err := s.store.OrgUsers(ctx, a.org.ID, store.UserFilter{Query: f.Query, Status: string(f.Status),
		GroupID: f.GroupID, Offset: f.Offset, Limit: f.Limit})
	if err != nil {
		return nil, 0, err
	}
	return views(rows, orgUserView), total, nil
}

func orgUserView(r store.UserRow) auth.OrgUser {
	return auth.OrgUser{User: userView(r.User, r.MFAEnrolled), Groups: r.Groups}
}

// User is one user of the organisation with their devices.
func (s *Admin) User(ctx context.Context, sess auth.Session, userID string) (auth.OrgUser, []auth.Device, error) {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return auth.OrgUser{}, nil, err
	}
	u, err := s.member(ctx, s.store, a, userID)
	if err != nil {
		return auth.OrgUser{}, nil, err
	}
	return s.userDetail(ctx, u)
}

func (s *Admin) userDetail(ctx context.Context, u store.User) (auth.OrgUser, []auth.Device, error) {
	rows, _, err := s.store.OrgUsers(ctx, u.OrgID, store.UserFilter{Query: u.Email, Limit: 500})
	if err != nil {
		return auth.OrgUser{}, nil, err
	}
	for _, r := range rows {
		if r.User.ID == u.ID {
			ds, err := s.store.Devices(ctx, u.ID)
			return orgUserView(r), views(ds, deviceView), err
		}
	}
	return auth.OrgUser{}, nil, auth.ErrUserNotFound
}

// UpdateUser changes a user's role, exemption or both, in one transaction
// so a refused half changes nothing. The organisation keeps at least one
// admin (auth.ErrLastAdmin, decided in that transaction); an exemption (a
// service or break-glass account) needs a reason, and the user's sessions
// follow the new exemption at once.
func (s *Admin) UpdateUser(ctx context.Context, c auth.Client, sess auth.Session, userID string, ch auth.UserChange) (auth.OrgUser, error) {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return auth.OrgUser{}, err
	}
	if ch.Role == nil && ch.Exempt == nil {
		return auth.OrgUser{}, auth.ErrNothingToChange
	}
	if ch.Role != nil && *ch.Role != auth.RoleAdmin && *ch.Role != auth.RoleMember {
		return auth.OrgUser{}, auth.ErrInvalidScope
	}
	reason := strings.TrimSpace(ch.ExemptReason)
	if ch.Exempt != nil && *ch.Exempt && (reason == "" || len(reason) > MaxReasonLen) {
		return auth.OrgUser{}, auth.ErrReasonRequired
	}
	var u store.User
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if u, err = s.member(ctx, tx, a, userID); err != nil {
			return err
		}
		if ch.Role != nil {
			if err := s.setRole(ctx, tx, c, a, u, *ch.Role); err != nil {
				return err
			}
		}
		if ch.Exempt != nil {
			if !*ch.Exempt {
				reason = ""
			}
			return s.setExempt(ctx, tx, c, a, &u, reason)
		}
		return nil
	})
	if err != nil {
		return auth.OrgUser{}, err
	}
	ou, _, err := s.userDetail(ctx, u)
	return ou, err
}

func (s *Admin) setRole(ctx context.Context, tx store.Tx, c auth.Client, a actingAdmin, u store.User, role auth.Role) error {
	if u.Role == store.Role(role) {
		return nil
	}
	if role == auth.RoleMember {
		n, err := tx.CountAdmins(ctx, a.org.ID)
		if err != nil {
			return err
		}
		if n <= 1 {
			return auth.ErrLastAdmin
		}
	}
	if err := tx.SetRole(ctx, u.ID, store.Role(role)); err != nil {
		return err
	}
	return s.auditAs(ctx, tx, c, a.user.ID, u.ID, EventRoleChanged, "", string(role))
}

func (s *Admin) setExempt(ctx context.Context, tx store.Tx, c auth.Client, a actingAdmin, u *store.User, reason string) error {
	if err := tx.SetExempt(ctx, u.ID, reason); err != nil {
		return err
	}
	u.ExemptReason = reason
	if _, err := s.applyRequirement(ctx, tx, *u, false, ""); err != nil {
		return err
	}
	detail := "cleared"
	if reason != "" {
		detail = "exempt: " + reason
	}
	return s.auditAs(ctx, tx, c, a.user.ID, u.ID, EventExemptChanged, "", detail)
}

// ResetMFA resets a user's MFA (a lost or replaced phone), with a reason:
// in one transaction their devices (and with them their push
// registrations), recovery codes, trusted and known browsers, application
// tokens and sessions are removed and their second-factor throttle is cleared; they enroll
// again at their next sign-in (their organisation requiring it or not),
// get an email, and the audit log records who, whom and why. An admin
// resets others, not themself (auth.ErrSelfReset).
func (s *Admin) ResetMFA(ctx context.Context, c auth.Client, sess auth.Session, userID, reason string) error {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > MaxReasonLen {
		return auth.ErrReasonRequired
	}
	if userID == a.user.ID {
		return auth.ErrSelfReset
	}
	var u store.User
	var regs []store.PushRegistration
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if u, err = s.member(ctx, tx, a, userID); err != nil {
			return err
		}
		if regs, err = tx.PushRegistrations(ctx, u.ID); err != nil {
			return err
		}
		return s.resetUser(ctx, tx, c, a.user.ID, u, reason)
	})
	if err != nil {
		return err
	}
	s.revokedPush(deviceIDs(regs))
	s.log.Info("MFA reset by an admin", "user_id", u.ID, "admin", a.user.ID)
	s.notify(ctx, u, "Your two-factor sign-in was reset",
		"An administrator of "+a.org.Name+" reset your two-factor sign-in (reason: "+reason+"). "+
			"Every authenticator, recovery code and trusted browser of your account was removed and you were signed out. "+
			"At your next sign-in you will set up an authenticator again.")
	return nil
}

func (s *core) resetUser(ctx context.Context, tx store.Tx, c auth.Client, actorID string, u store.User, reason string) error {
	if _, err := tx.DeleteAllDevices(ctx, u.ID); err != nil {
		return err
	}
	if err := tx.DeleteRecoveryCodes(ctx, u.ID); err != nil {
		return err
	}
	if _, err := tx.DeleteTrustedBrowsers(ctx, u.ID); err != nil {
		return err
	}
	if _, err := tx.DeleteKnownBrowsers(ctx, u.ID); err != nil {
		return err
	}
	if _, err := tx.DeleteUserSessions(ctx, u.ID); err != nil {
		return err
	}
	// Application tokens were minted under the factor now distrusted (and
	// an admin's carry its powers): they go too.
	tokens, err := tx.AppTokens(ctx, u.ID)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		if err := tx.DeleteAppToken(ctx, u.ID, t.ID); err != nil {
			return err
		}
	}
	if err := tx.PutThrottle(ctx, store.Throttle{UserID: u.ID}); err != nil {
		return err
	}
	if err := tx.SetMustEnroll(ctx, u.ID, true); err != nil {
		return err
	}
	return s.auditAs(ctx, tx, c, actorID, u.ID, EventMFAReset, "", reason)
}

// UserDevices lists a user's devices.
func (s *Admin) UserDevices(ctx context.Context, sess auth.Session, userID string) ([]auth.Device, error) {
	_, ds, err := s.User(ctx, sess, userID)
	return ds, err
}

// DeleteUserDevice deletes a user's pending (inactive) device, as Oracle's
// CLI cleans a user's stale device; an active one is refused
// (auth.ErrDeviceActive: Reset MFA is the admin's way).
func (s *Admin) DeleteUserDevice(ctx context.Context, c auth.Client, sess auth.Session, userID, deviceID string) error {
	a, err := s.admin(ctx, sess)
	if err != nil {
		return err
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		u, err := s.member(ctx, tx, a, userID)
		if err != nil {
			return err
		}
		d, err := tx.Device(ctx, u.ID, deviceID)
		if err != nil {
			return err
		}
		if d.State != store.DevicePending {
			return auth.ErrDeviceActive
		}
		if err := tx.DeleteDevice(ctx, u.ID, deviceID, store.DevicePending); err != nil {
			return err
		}
		return s.auditAs(ctx, tx, c, a.user.ID, u.ID, EventAdminDeviceGone, deviceID, "pending")
	})
	if errors.Is(err, store.ErrNotFound) {
		return auth.ErrDeviceNotFound
	}
	return err
}
