package service

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/store"
)

// Application tokens are named API credentials, like OpenStack's
// application credentials: created from a signed-in session, shown once,
// stored as a SHA-256, optionally expiring. They authenticate API calls
// without a second factor by design, so what they may do is limited (the
// API layer decides which routes accept them) and every use is audited: the
// first use in each AppTokenAuditInterval writes last_used_at and one
// app_token_used event, later uses in that minute only read. One
// conditional UPDATE decides, so concurrent uses and several server
// instances still write one event per interval.
const (
	AppTokenPrefix        = "tft_"
	MaxAppTokens          = 20
	MaxAppTokenLifetime   = 366 * 24 * time.Hour
	AppTokenAuditInterval = time.Minute
)

// Audit events of application tokens. Detail holds the token's id, never
// the token.
const (
	EventAppTokenCreated = "app_token_created"
	EventAppTokenRevoked = "app_token_revoked"
	EventAppTokenUsed    = "app_token_used"
)

// normalizeTokenName trims and checks a token name: 1 to 64 printable
// characters.
func normalizeTokenName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || !utf8.ValidString(name) || utf8.RuneCountInString(name) > MaxNameLen {
		return "", auth.ErrInvalidTokenName
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return "", auth.ErrInvalidTokenName
		}
	}
	return name, nil
}

// Create creates a token for the session's user. A token signs in
// without the second factor, so minting one is a power under authorize's
// rule: with MFA, f verified now or a fresh second factor in this session;
// expiresAt is zero for a token that never expires, or within
// MaxAppTokenLifetime.
func (s *Tokens) Create(ctx context.Context, c auth.Client, sess auth.Session, name string, expiresAt time.Time, f auth.Factor) (auth.NewAppToken, error) {
	name, err := s.checkTokenRequest(sess, name, expiresAt)
	if err != nil {
		return auth.NewAppToken{}, err
	}
	var out auth.NewAppToken
	err = s.authorize(ctx, c, sess, f, PurposeCreateToken, func(ctx context.Context, tx store.Tx) error {
		// Past authorize, an account with an active device has just shown
		// a (fresh) second factor: the token carries that.
		mfa, err := hasActiveDevice(ctx, tx, sess.UserID)
		if err != nil {
			return err
		}
		out, err = s.mintToken(ctx, tx, c, sess.UserID, name, expiresAt, mfa)
		return err
	})
	if err != nil {
		return auth.NewAppToken{}, err
	}
	s.log.Info("app token created", "user_id", sess.UserID, "token_id", out.Token.ID)
	return out, nil
}

// checkTokenRequest checks what a new token would be: its name, its
// expiry, and that no token asks for it.
func (s *core) checkTokenRequest(sess auth.Session, name string, expiresAt time.Time) (string, error) {
	name, err := normalizeTokenName(name)
	if err != nil {
		return "", err
	}
	now := s.now()
	if !expiresAt.IsZero() && (!expiresAt.After(now) || expiresAt.Sub(now) > MaxAppTokenLifetime) {
		return "", auth.ErrInvalidExpiry
	}
	if sess.ViaToken() {
		return "", auth.ErrTokenNotAllowed // a token must not mint tokens that outlive it
	}
	return name, nil
}

// mintToken makes a token in tx: the one place a token's secret is made.
// Its callers are past authorize (Create), or redeem a grant that was made
// past authorize (RedeemCLIGrant).
func (s *core) mintToken(ctx context.Context, tx store.Tx, c auth.Client, userID, name string, expiresAt time.Time, mfa bool) (auth.NewAppToken, error) {
	existing, err := tx.AppTokens(ctx, userID)
	if err != nil {
		return auth.NewAppToken{}, err
	}
	if len(existing) >= MaxAppTokens {
		return auth.NewAppToken{}, auth.ErrTooManyTokens
	}
	raw, _, err := credential.NewToken(s.rand)
	if err != nil {
		return auth.NewAppToken{}, err
	}
	// The stored hash covers the prefix too: it is the whole secret's.
	secret := AppTokenPrefix + raw
	id, err := s.newID("tok")
	if err != nil {
		return auth.NewAppToken{}, err
	}
	t := store.AppToken{ID: id, UserID: userID, Name: name, TokenHash: credential.HashToken(secret),
		CreatedAt: s.now(), ExpiresAt: expiresAt, MFA: mfa}
	if err := tx.CreateAppToken(ctx, t); err != nil {
		return auth.NewAppToken{}, err
	}
	if err := s.audit(ctx, tx, c, userID, EventAppTokenCreated, "", id); err != nil {
		return auth.NewAppToken{}, err
	}
	return auth.NewAppToken{Secret: secret, Token: tokenView(t)}, nil
}

// RequireMFAVerified is the step-up policy of protected areas: the session
// must carry mfa_totp_verified (ErrMFARequired when MFA is enrolled but not
// verified in this session, ErrMFANotEnrolled when there is none to verify).
func (s *Accounts) RequireMFAVerified(ctx context.Context, sess auth.Session) error {
	if !sess.MFAVerifiedAt.IsZero() {
		return nil
	}
	enrolled, err := s.mfaEnrolled(ctx, sess.UserID)
	if err != nil {
		return err
	}
	if !enrolled {
		return auth.ErrMFANotEnrolled
	}
	return auth.ErrMFARequired
}

// List lists the user's tokens, oldest first.
func (s *Tokens) List(ctx context.Context, userID string) ([]auth.AppToken, error) {
	ts, err := s.store.AppTokens(ctx, userID)
	return views(ts, tokenView), err
}

// Revoke deletes one of the user's tokens.
func (s *Tokens) Revoke(ctx context.Context, c auth.Client, userID, id string) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteAppToken(ctx, userID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, EventAppTokenRevoked, "", id)
	})
	if errors.Is(err, store.ErrNotFound) {
		return auth.ErrTokenNotFound
	}
	return err
}

// Authenticate finds the live token of an Authorization: Bearer
// value and records its use (audited once per token per
// AppTokenAuditInterval). Unknown, revoked and expired tokens are all
// ErrInvalidToken.
func (s *Tokens) Authenticate(ctx context.Context, c auth.Client, secret string) (auth.AppToken, error) {
	raw, ok := strings.CutPrefix(secret, AppTokenPrefix)
	if !ok || !credential.ValidTokenSyntax(raw) {
		return auth.AppToken{}, auth.ErrInvalidToken
	}
	t, err := s.store.AppTokenByHash(ctx, credential.HashToken(secret))
	if errors.Is(err, store.ErrNotFound) {
		return auth.AppToken{}, auth.ErrInvalidToken
	}
	if err != nil {
		return auth.AppToken{}, err
	}
	now := s.now()
	if !t.ExpiresAt.IsZero() && !now.Before(t.ExpiresAt) {
		return auth.AppToken{}, auth.ErrInvalidToken
	}
	if t.LastUsedAt.IsZero() || now.Sub(t.LastUsedAt) >= AppTokenAuditInterval {
		err = s.store.Update(ctx, func(tx store.Tx) error {
			touched, err := tx.TouchAppToken(ctx, t.ID, c.Addr, now, AppTokenAuditInterval)
			if err != nil || !touched {
				return err
			}
			return s.audit(ctx, tx, c, t.UserID, EventAppTokenUsed, "", t.ID)
		})
		if errors.Is(err, store.ErrNotFound) {
			return auth.AppToken{}, auth.ErrInvalidToken // revoked meanwhile
		}
		if err != nil {
			return auth.AppToken{}, err
		}
	}
	return tokenView(t), nil
}
