package api

import (
	"time"

	"github.com/twofold-auth/twofold/server/api/wire"
	"github.com/twofold-auth/twofold/server/auth"
)

// The auth types as the API shows them (package wire). Times are RFC 3339
// in UTC.

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func viewUser(u auth.User) wire.User {
	role := string(u.Role)
	if role == "" {
		role = string(auth.RoleMember)
	}
	return wire.User{ID: u.ID, Email: u.Email, CreatedAt: u.CreatedAt.UTC(), MFAEnrolled: u.MFAEnrolled, Role: role}
}

func viewSession(s auth.Session) wire.Session {
	amr := s.AMR
	if amr == nil {
		amr = []string{}
	}
	return wire.Session{Stage: string(s.Stage), AMR: amr, MFATOTPVerified: !s.MFAVerifiedAt.IsZero(),
		MFAVerifiedAt: optTime(s.MFAVerifiedAt), CreatedAt: s.CreatedAt.UTC(), ExpiresAt: s.ExpiresAt.UTC()}
}

func viewDevice(d auth.Device) wire.Device {
	return wire.Device{ID: d.ID, Name: d.Name, State: string(d.State), CreatedAt: d.CreatedAt.UTC(),
		ExpiresAt: optTime(d.ExpiresAt), ActivatedAt: optTime(d.ActivatedAt), LastUsedAt: optTime(d.LastUsedAt)}
}
