package service

import (
	"context"
	"errors"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/store"
)

// Trusted browsers: after a second factor, a user may choose "don't ask
// again on this browser for N days" (N is the organisation's TrustDays; 0
// turns the option off). The browser then holds a random token in a
// cookie, kept here as its hash; signing in with the password from it
// skips the second factor (amr [pwd trusted_browser]) until it expires or
// is revoked. Such a session has not verified a second factor, so areas
// that need one (the admin console, step-up pages) still ask. Revoking is
// the user's (Security page), and Reset MFA and a password change revoke
// them all.

// Trust events and method.
const (
	EventBrowserTrusted = "browser_trusted"
	EventTrustRevoked   = "trusted_browser_revoked"
	// MethodTrustedBrowser is the amr of a sign-in the browser's trust
	// completed.
	MethodTrustedBrowser = "trusted_browser"
)

// TrustDays is how long the user's organisation lets a browser skip the
// second factor (0: the option is off).
func (s *Accounts) TrustDays(ctx context.Context, userID string) (int, error) {
	u, err := s.store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, auth.ErrUnauthenticated
	}
	if err != nil {
		return 0, err
	}
	org, err := s.store.Organisation(ctx, u.OrgID)
	return org.TrustDays, err
}

// trustedBrowser returns the live trusted-browser record of token for u,
// or nil.
func (s *core) trustedBrowser(ctx context.Context, r store.Reader, token string, u store.User) (*store.TrustedBrowser, error) {
	if token == "" || !credential.ValidTokenSyntax(token) {
		return nil, nil
	}
	b, err := r.TrustedBrowserByHash(ctx, credential.HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if b.UserID != u.ID || !s.now().Before(b.ExpiresAt) {
		return nil, nil
	}
	// The organisation's current setting bounds every trust: turning the
	// option off (0 days) or shortening it applies to browsers already
	// trusted.
	org, err := r.Organisation(ctx, u.OrgID)
	if err != nil {
		return nil, err
	}
	if !s.now().Before(b.CreatedAt.Add(time.Duration(org.TrustDays) * 24 * time.Hour)) {
		return nil, nil
	}
	return &b, nil
}

// trustBrowser records the client as a trusted browser of u for its
// organisation's TrustDays, in tx, and sets ns's token for its cookie
// (ErrTrustNotOffered when the organisation turned trust off).
func (s *core) trustBrowser(ctx context.Context, tx store.Tx, c auth.Client, u store.User, ns *auth.NewSession) error {
	org, err := tx.Organisation(ctx, u.OrgID)
	if err != nil {
		return err
	}
	if org.TrustDays <= 0 {
		return auth.ErrTrustNotOffered
	}
	token, hash, err := credential.NewToken(s.rand)
	if err != nil {
		return err
	}
	id, err := s.newID("tb")
	if err != nil {
		return err
	}
	now := s.now()
	b := store.TrustedBrowser{ID: id, UserID: u.ID, TokenHash: hash, CreatedAt: now,
		ExpiresAt: now.Add(time.Duration(org.TrustDays) * 24 * time.Hour), LastUsedAt: now, ClientAddr: c.Addr,
		UserAgent: clientText(c.UserAgent, 256)}
	if err := tx.PutTrustedBrowser(ctx, b); err != nil {
		return err
	}
	ns.TrustToken, ns.TrustExpiresAt = token, b.ExpiresAt
	return s.audit(ctx, tx, c, u.ID, EventBrowserTrusted, "", id)
}

// TrustedBrowsers lists the user's trusted browsers, the request's own
// marked.
func (s *Accounts) TrustedBrowsers(ctx context.Context, c auth.Client, userID string) ([]auth.TrustedBrowser, error) {
	all, err := s.store.TrustedBrowsers(ctx, userID)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var current []byte
	if c.TrustToken != "" && credential.ValidTokenSyntax(c.TrustToken) {
		current = credential.HashToken(c.TrustToken)
	}
	out := make([]auth.TrustedBrowser, 0, len(all))
	for _, b := range all {
		if !now.Before(b.ExpiresAt) {
			continue
		}
		v := trustedView(b)
		v.Current = current != nil && sameBytes(current, b.TokenHash)
		out = append(out, v)
	}
	return out, nil
}

// RevokeTrustedBrowser revokes one of the user's trusted browsers.
func (s *Accounts) RevokeTrustedBrowser(ctx context.Context, c auth.Client, userID, id string) error {
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.DeleteTrustedBrowser(ctx, userID, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, userID, EventTrustRevoked, "", id)
	})
	if errors.Is(err, store.ErrNotFound) {
		return auth.ErrTrustedNotFound
	}
	return err
}
