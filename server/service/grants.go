package service

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/credential"
	"github.com/twofold-auth/twofold/server/store"
)

// A CLI signs in through the browser (twofold login --browser) as cloud
// CLIs do, with a loopback redirect and PKCE (RFC 7636, S256): the CLI
// keeps a random verifier and sends only its SHA-256, the challenge; the
// signed-in browser makes a one-time grant bound to that challenge and
// hands the grant to the CLI's loopback listener; the CLI redeems grant and
// verifier for an application token. A grant alone is worth nothing (the
// verifier never left the CLI), works once, and only for CLIGrantTTL.
const CLIGrantTTL = 2 * time.Minute

// Audit event of the browser's half.
const EventCLIGrantCreated = "cli_grant_created"

// CreateCLIGrant is the browser's half: the session's user allows a CLI to
// sign in. Making the grant is authorized as minting a token is (with MFA,
// f verified now or a fresh second factor in this session), and the token
// the grant yields carries the same name, expiry and second-factor mark
// Create would give it. challenge is base64url (no padding) of the
// verifier's SHA-256. It returns the grant code, shown to nobody: the page
// posts it to the CLI's loopback listener.
func (s *Tokens) CreateCLIGrant(ctx context.Context, c auth.Client, sess auth.Session, challenge, name string, expiresAt time.Time, f auth.Factor) (string, time.Time, error) {
	ch, err := base64.RawURLEncoding.DecodeString(challenge)
	if err != nil || len(ch) != sha256.Size {
		return "", time.Time{}, auth.ErrInvalidChallenge
	}
	name, err = s.checkTokenRequest(sess, name, expiresAt)
	if err != nil {
		return "", time.Time{}, err
	}
	code, hash, err := credential.NewToken(s.rand)
	if err != nil {
		return "", time.Time{}, err
	}
	id, err := s.newID("clg")
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.now()
	g := store.CLIGrant{ID: id, UserID: sess.UserID, CodeHash: hash, Challenge: ch, TokenName: name, TokenExpiresAt: expiresAt,
		CreatedAt: now, ExpiresAt: now.Add(CLIGrantTTL)}
	err = s.authorize(ctx, c, sess, f, PurposeCreateToken, func(ctx context.Context, tx store.Tx) error {
		if g.MFA, err = hasActiveDevice(ctx, tx, sess.UserID); err != nil {
			return err
		}
		if err := tx.CreateCLIGrant(ctx, g); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, sess.UserID, EventCLIGrantCreated, "", name)
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return code, g.ExpiresAt, nil
}

// RedeemCLIGrant is the CLI's half: the grant code and the verifier give
// the token, once. An unknown, used or expired grant, or a verifier that
// does not match the challenge, is auth.ErrGrantInvalid, one answer for
// all; a wrong verifier does not use the grant up (its code is 256 random
// bits, so guessing is no way in; the route is rate-limited besides).
func (s *Tokens) RedeemCLIGrant(ctx context.Context, c auth.Client, code, verifier string) (auth.NewAppToken, error) {
	if !credential.ValidTokenSyntax(code) || len(verifier) < 43 || len(verifier) > 128 {
		return auth.NewAppToken{}, auth.ErrGrantInvalid
	}
	sum := sha256.Sum256([]byte(verifier))
	var out auth.NewAppToken
	err := s.store.Update(ctx, func(tx store.Tx) error {
		g, err := tx.CLIGrantByHash(ctx, credential.HashToken(code))
		if errors.Is(err, store.ErrNotFound) {
			return auth.ErrGrantInvalid
		}
		if err != nil {
			return err
		}
		if subtle.ConstantTimeCompare(sum[:], g.Challenge) != 1 {
			return auth.ErrGrantInvalid
		}
		used, err := tx.UseCLIGrant(ctx, g.ID, s.now())
		if err != nil {
			return err
		}
		if !used {
			return auth.ErrGrantInvalid
		}
		out, err = s.mintToken(ctx, tx, c, g.UserID, g.TokenName, g.TokenExpiresAt, g.MFA)
		return err
	})
	if err != nil {
		return auth.NewAppToken{}, err
	}
	s.log.Info("app token created for a CLI signing in through the browser", "user_id", out.Token.UserID, "token_id", out.Token.ID)
	return out, nil
}
