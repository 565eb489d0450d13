package service

import (
	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
)

// The one place store records become the auth types handed to callers:
// what is left out here (sealed secrets, hashes) cannot reach a handler.

func userView(u store.User, mfa bool) auth.User {
	return auth.User{ID: u.ID, Email: u.Email, CreatedAt: u.CreatedAt, MFAEnrolled: mfa}
}

func sessionView(s store.Session) auth.Session {
	return auth.Session{ID: s.ID, UserID: s.UserID, Stage: auth.Stage(s.Stage), AMR: s.AMR, MFAVerifiedAt: s.MFAVerifiedAt,
		CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt, ClientAddr: s.ClientAddr, UserAgent: s.UserAgent}
}

func deviceView(d store.Device) auth.Device {
	return auth.Device{ID: d.ID, UserID: d.UserID, Name: d.Name, State: auth.DeviceState(d.State), Algorithm: d.Algorithm,
		Digits: d.Digits, Period: d.Period, CreatedAt: d.CreatedAt, ExpiresAt: d.ExpiresAt, ActivatedAt: d.ActivatedAt,
		LastUsedAt: d.LastUsedAt}
}

func tokenView(t store.AppToken) auth.AppToken {
	return auth.AppToken{ID: t.ID, UserID: t.UserID, Name: t.Name, CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt,
		LastUsedAt: t.LastUsedAt, LastUsedAddr: t.LastUsedAddr}
}

func auditView(e store.AuditEvent) auth.AuditEvent {
	return auth.AuditEvent{ID: e.ID, UserID: e.UserID, Type: e.Type, At: e.At, ClientAddr: e.ClientAddr, DeviceID: e.DeviceID, Detail: e.Detail}
}

func registrationView(r store.PushRegistration) auth.PushRegistration {
	return auth.PushRegistration{DeviceID: r.DeviceID, UserID: r.UserID, PublicKey: r.PublicKey, CreatedAt: r.CreatedAt}
}

func challengeView(c store.PushChallenge) auth.PushChallenge {
	return auth.PushChallenge{ID: c.ID, UserID: c.UserID, SessionID: c.SessionID, Number: c.Number, Candidates: c.Candidates,
		Service: c.Service, Account: c.Account, ClientAddr: c.ClientAddr, Browser: c.Browser, State: auth.PushState(c.State),
		CreatedAt: c.CreatedAt, ExpiresAt: c.ExpiresAt, AnsweredAt: c.AnsweredAt, DeviceID: c.DeviceID}
}

// views maps a slice.
func views[S, T any](in []S, f func(S) T) []T {
	out := make([]T, len(in))
	for i, x := range in {
		out[i] = f(x)
	}
	return out
}
