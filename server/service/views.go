package service

import (
	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
)

// The one place store records become the auth types handed to callers:
// what is left out here (sealed secrets, hashes) cannot reach a handler.

func userView(u store.User, mfa bool) auth.User {
	return auth.User{ID: u.ID, Email: u.Email, CreatedAt: u.CreatedAt, MFAEnrolled: mfa, OrgID: u.OrgID, Role: auth.Role(u.Role),
		ExemptReason: u.ExemptReason, LastSignInAt: u.LastSignInAt}
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
		LastUsedAt: t.LastUsedAt, LastUsedAddr: t.LastUsedAddr, MFA: t.MFA}
}

func auditView(e store.AuditEvent) auth.AuditEvent {
	return auth.AuditEvent{ID: e.ID, UserID: e.UserID, ActorID: e.ActorID, Type: e.Type, At: e.At, ClientAddr: e.ClientAddr,
		UserAgent: e.UserAgent, DeviceID: e.DeviceID, Detail: e.Detail}
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

func orgView(o store.Organisation) auth.Organisation {
	return auth.Organisation{ID: o.ID, Slug: o.Slug, Name: o.Name, CreatedAt: o.CreatedAt, RequireMFA: auth.Requirement(o.RequireMFA),
		TrustDays: o.TrustDays, OpenSignup: o.OpenSignup}
}

func groupView(g store.Group) auth.Group {
	return auth.Group{ID: g.ID, Name: g.Name, CreatedAt: g.CreatedAt, RequireMFA: g.RequireMFA, Members: g.Members}
}

func invitationView(i store.Invitation) auth.Invitation {
	return auth.Invitation{ID: i.ID, Email: i.Email, Role: auth.Role(i.Role), CreatedBy: i.CreatedBy, CreatedAt: i.CreatedAt,
		ExpiresAt: i.ExpiresAt, UsedAt: i.UsedAt}
}

func mailView(m store.Mail) auth.Mail {
	return auth.Mail{ID: m.ID, To: m.To, Subject: m.Subject, Body: m.Body, CreatedAt: m.CreatedAt, SentAt: m.SentAt, Error: m.Error}
}

func trustedView(b store.TrustedBrowser) auth.TrustedBrowser {
	return auth.TrustedBrowser{ID: b.ID, CreatedAt: b.CreatedAt, ExpiresAt: b.ExpiresAt, LastUsedAt: b.LastUsedAt,
		ClientAddr: b.ClientAddr, Browser: auth.BrowserSummary(b.UserAgent)}
}

func syncDeviceView(d store.SyncDevice) auth.SyncDevice {
	return auth.SyncDevice{ID: d.ID, SyncKeys: auth.SyncKeys{SigningKey: d.SigningKey, WrapKey: d.WrapKey, Meta: d.Meta},
		AddedAt: d.AddedAt, LastSeenAt: d.LastSeenAt}
}

func syncChangeView(c store.SyncChange) auth.SyncChange {
	return auth.SyncChange{Seq: c.Seq, Epoch: c.Epoch, DeviceID: c.DeviceID, Counter: c.Counter, Ciphertext: c.Ciphertext,
		CreatedAt: c.CreatedAt}
}
