package api

import (
	"time"

	"github.com/twofold-auth/twofold/server/store"
)

// JSON shapes of the API (see openapi.json). Times are RFC 3339 in UTC.

type userView struct {
	ID          string    `json:"id"`
	Email       string    `json:"email"`
	CreatedAt   time.Time `json:"created_at"`
	MFAEnrolled bool      `json:"mfa_enrolled"`
}

type sessionView struct {
	Stage string   `json:"stage"`
	AMR   []string `json:"amr"`
	// MFATOTPVerified is true once a second factor (TOTP code or recovery
	// code; push later) was checked in this session; AMR says which.
	MFATOTPVerified bool       `json:"mfa_totp_verified"`
	MFAVerifiedAt   *time.Time `json:"mfa_verified_at"`
	CreatedAt       time.Time  `json:"created_at"`
	ExpiresAt       time.Time  `json:"expires_at"`
}

type sessionResponse struct {
	User    userView    `json:"user"`
	Session sessionView `json:"session"`
}

type deviceView struct {
	ID          string     `json:"id"`
	Name        string     `json:"name"`
	State       string     `json:"state"`
	CreatedAt   time.Time  `json:"created_at"`
	ExpiresAt   *time.Time `json:"expires_at"`
	ActivatedAt *time.Time `json:"activated_at"`
	LastUsedAt  *time.Time `json:"last_used_at"`
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func viewUser(u store.User, mfa bool) userView {
	return userView{ID: u.ID, Email: u.Email, CreatedAt: u.CreatedAt.UTC(), MFAEnrolled: mfa}
}

func viewSession(s store.Session) sessionView {
	amr := s.AMR
	if amr == nil {
		amr = []string{}
	}
	return sessionView{Stage: string(s.Stage), AMR: amr, MFATOTPVerified: !s.MFAVerifiedAt.IsZero(),
		MFAVerifiedAt: optTime(s.MFAVerifiedAt), CreatedAt: s.CreatedAt.UTC(), ExpiresAt: s.ExpiresAt.UTC()}
}

func viewDevice(d store.Device) deviceView {
	return deviceView{ID: d.ID, Name: d.Name, State: string(d.State), CreatedAt: d.CreatedAt.UTC(),
		ExpiresAt: optTime(d.ExpiresAt), ActivatedAt: optTime(d.ActivatedAt), LastUsedAt: optTime(d.LastUsedAt)}
}

// factorRequest is a second factor in a request body: exactly one of the two.
type factorRequest struct {
	Code         string `json:"code"`
	RecoveryCode string `json:"recovery_code"`
}
