package service

import (
	"context"
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"io"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// Push audit events.
const (
	EventPushRegistered = "push_registered"
	EventPushSent       = "push_sent"
	EventPushApproved   = "push_approved"
	EventPushDenied     = "push_denied"
	EventPushReported   = "push_reported" // "deny, this wasn't me": push paused
	EventPushResumed    = "push_resumed"
)

// PushConfig tunes push sign-in; zero values get defaults.
type PushConfig struct {
	// Origin is this server's public origin (scheme://host[:port]); devices
	// sign it, so an answer made for one server is useless at another.
	Origin       string
	ChallengeTTL time.Duration // how long a prompt may be answered (default 60 s)
	RedeemGrace  time.Duration // how long after expiry an approval may still be redeemed (default 30 s)
	MaxPending   int           // pending prompts per account (default 3)
	MaxPerWindow int           // prompts per account per Window (default 10)
	Window       time.Duration // default 10 min
}

func (c PushConfig) withDefaults() PushConfig {
	if c.ChallengeTTL <= 0 {
		c.ChallengeTTL = time.Minute
	}
	if c.RedeemGrace <= 0 {
		c.RedeemGrace = 30 * time.Second
	}
	if c.MaxPending <= 0 {
		c.MaxPending = 3
	}
	if c.MaxPerWindow <= 0 {
		c.MaxPerWindow = 10
	}
	if c.Window <= 0 {
		c.Window = 10 * time.Minute
	}
	return c
}

// PushNotifier moves what the database decided to live connections: the
// push router (an in-process hub today). It is told after each commit and
// holds no security state: a lost notification costs a delay, never a
// wrong answer.
type PushNotifier interface {
	// Prompt delivers a new challenge to the devices.
	Prompt(c auth.PushChallenge, deviceIDs []string)
	// Settled tells the devices and the waiting browser that a challenge is
	// over (c.State says how).
	Settled(c auth.PushChallenge, deviceIDs []string)
	// Revoked drops the devices' connections (device deleted, MFA reset).
	Revoked(deviceIDs []string)
	// Replaced drops the device's connections made with a key other than
	// publicKey: a newer registration took over.
	Replaced(deviceID string, publicKey []byte)
}

type pushSetup struct {
	cfg      PushConfig
	notifier PushNotifier
}

// Enable turns push sign-in on. Call it once, before serving.
func (s *Push) Enable(cfg PushConfig, n PushNotifier) error {
	origin, err := pushproto.CanonicalOrigin(cfg.Origin)
	if err != nil {
		return errors.New("service: push origin must be http(s)://host[:port]")
	}
	cfg.Origin = origin
	s.push = &pushSetup{cfg: cfg.withDefaults(), notifier: n}
	return nil
}

// Config returns the effective push configuration (zero if disabled).
func (s *Push) Config() PushConfig {
	if s.push == nil {
		return PushConfig{}
	}
	return s.push.cfg
}

// revokedPush tells the router that devices lost their registrations (the
// rows went with the devices, by cascade).
func (s *core) revokedPush(deviceIDs []string) {
	if s.push != nil && s.push.notifier != nil && len(deviceIDs) > 0 {
		s.push.notifier.Revoked(deviceIDs)
	}
}

// Register registers an authenticator's Ed25519 public key for one
// active TOTP device. The proof is shared/pushproto's registration proof: an
// HMAC of the registration under the device's seed, not a TOTP code, so
// registering spends no time step the person still needs, and a wrong
// proof books nothing in the account's throttle (a stranger who knows a
// device id cannot lock its owner out). A wrong proof, an unknown or
// pending device and a stale time all get ErrPushRejected. Replacing a key
// closes the connections made with the old one.
func (s *Push) Register(ctx context.Context, c auth.Client, deviceID string, publicKey []byte, at int64, proof []byte) (auth.PushRegistration, error) {
	if s.push == nil {
		return auth.PushRegistration{}, auth.ErrPushDisabled
	}
	if len(publicKey) != ed25519.PublicKeySize {
		return auth.PushRegistration{}, auth.ErrPushKey
	}
	start := time.Now()
	outcome := OutcomeError
	defer func() { s.observe(ctx, PurposePushRegister, outcome, start, "", deviceID) }()
	d, err := s.store.DeviceByID(ctx, deviceID)
	if errors.Is(err, store.ErrNotFound) || err == nil && d.State != store.DeviceActive {
		outcome = OutcomeWrong
		return auth.PushRegistration{}, auth.ErrPushRejected
	}
	if err != nil {
		return auth.PushRegistration{}, err
	}
	secret, err := s.keys.Open(d.KeyID, d.SecretSealed, DeviceAAD(d.ID, d.UserID))
	if err != nil {
		return auth.PushRegistration{}, err
	}
	ok := pushproto.CheckRegistrationProof(secret, s.push.cfg.Origin, d.ID, publicKey, at, proof, s.now())
	clear(secret)
	if !ok {
		outcome = OutcomeWrong
		return auth.PushRegistration{}, auth.ErrPushRejected
	}
	reg := store.PushRegistration{DeviceID: d.ID, UserID: d.UserID, PublicKey: publicKey, CreatedAt: s.now()}
	replaced := false
	err = s.store.Update(ctx, func(tx store.Tx) error {
		old, err := tx.PushRegistration(ctx, d.ID)
		switch {
		case err == nil:
			replaced = !sameBytes(old.PublicKey, publicKey)
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		if err := tx.PutPushRegistration(ctx, reg); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, d.UserID, EventPushRegistered, d.ID, "")
	})
	if errors.Is(err, store.ErrNotFound) {
		outcome = OutcomeWrong // the device went meanwhile
		return auth.PushRegistration{}, auth.ErrPushRejected
	}
	if err != nil {
		return auth.PushRegistration{}, err
	}
	outcome = OutcomeSuccess
	if replaced && s.push.notifier != nil {
		s.push.notifier.Replaced(d.ID, publicKey)
	}
	return registrationView(reg), nil
}

// AuthenticateDevice checks a device connection's hello: the signature over
// the server's nonce, this server's origin and the device id, with the
// device's registered key.
func (s *Push) AuthenticateDevice(ctx context.Context, nonce []byte, h pushproto.Hello) (auth.PushRegistration, error) {
	if s.push == nil {
		return auth.PushRegistration{}, auth.ErrPushDisabled
	}
	reg, err := s.store.PushRegistration(ctx, h.DeviceID)
	if errors.Is(err, store.ErrNotFound) {
		return auth.PushRegistration{}, auth.ErrPushRevoked
	}
	if err != nil {
		return auth.PushRegistration{}, err
	}
	if pushproto.Verify(reg.PublicKey, pushproto.HelloMessage(nonce, s.push.cfg.Origin, h.DeviceID), h.Signature) != nil {
		return auth.PushRegistration{}, auth.ErrPushRejected
	}
	return registrationView(reg), nil
}

// Registration is a device's push registration as the database has it now
// (auth.ErrPushRevoked if it has none), for the push router to check a
// connection after another instance changed it.
func (s *Push) Registration(ctx context.Context, deviceID string) (auth.PushRegistration, error) {
	reg, err := s.store.PushRegistration(ctx, deviceID)
	if errors.Is(err, store.ErrNotFound) {
		return auth.PushRegistration{}, auth.ErrPushRevoked
	}
	if err != nil {
		return auth.PushRegistration{}, err
	}
	return registrationView(reg), nil
}

// Pending are the challenges a device that just connected should show: its
// account's pending, unexpired ones.
func (s *Push) Pending(ctx context.Context, reg auth.PushRegistration) ([]auth.PushChallenge, error) {
	chs, err := s.store.PendingPushChallenges(ctx, reg.UserID, s.now())
	return views(chs, challengeView), err
}

// randomNumbers draws the number to match (10–99) and two other distinct
// candidates, and shuffles the three.
func (s *core) randomNumbers() (number int, cands [3]int, err error) {
	var b [8]byte
	draw := func() (int, error) {
		// 90 values; rejection sampling keeps them uniform.
		for {
			if _, err := io.ReadFull(s.rand, b[:1]); err != nil {
				return 0, err
			}
			if b[0] < 180 {
				return 10 + int(b[0])%90, nil
			}
		}
	}
	if number, err = draw(); err != nil {
		return 0, cands, err
	}
	cands[0] = number
	for i := 1; i < 3; {
		n, err := draw()
		if err != nil {
			return 0, cands, err
		}
		if n != cands[0] && (i == 1 || n != cands[1]) {
			cands[i] = n
			i++
		}
	}
	for i := 2; i > 0; i-- {
		if _, err := io.ReadFull(s.rand, b[:]); err != nil {
			return 0, cands, err
		}
		j := int(binary.BigEndian.Uint64(b[:]) % uint64(i+1))
		cands[i], cands[j] = cands[j], cands[i]
	}
	return number, cands, nil
}

func sameBytes(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// Enabled reports whether push sign-in is on.
func (s *Push) Enabled() bool { return s.push != nil }
