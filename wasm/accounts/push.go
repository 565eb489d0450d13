package accounts

import (
	"github.com/twofold-auth/twofold/shared/errcode"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// ErrPushNotOffered is for enabling push on an account whose enrollment URI
// did not carry the twofold_push and twofold_device parameters.
var ErrPushNotOffered = errcode.New("push_not_offered", "this account's enrollment did not offer sign-in prompts: its QR code or link had no twofold_push parameter (only a Twofold server adds it); use codes for it")

// PushOffered reports whether the account's URI named a push server and
// device, and which.
func (a *Account) PushOffered() (origin, deviceID string, ok bool) {
	if a.Key.Type != otpauth.TOTP {
		return "", "", false
	}
	return pushproto.Endpoint(a.Key)
}

// WithPush returns the State with the account's push registration set to p
// (nil removes it). The replaced registration's key is not wiped here: the
// caller does that once the new State is saved (States share accounts).
func (s *State) WithPush(id string, p *PushRegistration) (*State, *PushRegistration, error) {
	i := s.index(id)
	if i < 0 {
		return nil, nil, ErrNotFound
	}
	a := *s.accounts[i]
	old := a.Push
	a.Push = p
	n := s.clone()
	n.accounts[i] = &a
	return n, old, nil
}

// WithPushPaused returns the State with the pause of account id's prompts
// recorded at ms (0 lifts it); an account without push is left as it is.
func (s *State) WithPushPaused(id string, ms int64) (*State, error) {
	i := s.index(id)
	if i < 0 {
		return nil, ErrNotFound
	}
	if s.accounts[i].Push == nil || s.accounts[i].Push.PausedMs == ms {
		return s, nil
	}
	p := *s.accounts[i].Push
	p.PausedMs = ms
	n, _, err := s.WithPush(id, &p)
	return n, err
}
