package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/push"
)

// MethodPush is the amr value of a sign-in completed by a push approval.
const MethodPush = "push"

// Push purposes (verification metrics and logs).
const (
	PurposePushRegister Purpose = "push_register"
	PurposePushApprove  Purpose = "push_approve"
	PurposePushRedeem   Purpose = "push_redeem"
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

// Push errors.
var (
	ErrPushKey           = errors.New("auth: push public key is not 32 bytes of Ed25519")
	ErrPushNotRegistered = errors.New("auth: no device of the account is registered for push")
	ErrPushPaused        = errors.New("auth: push is paused for the account after a reported prompt")
	ErrPushTooMany       = errors.New("auth: too many push prompts")
	ErrPushRejected      = errors.New("auth: push answer rejected")
	ErrPushRevoked       = errors.New("auth: push registration revoked")
	ErrPushDisabled      = errors.New("auth: push is not enabled on this server")
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
	Prompt(c store.PushChallenge, deviceIDs []string)
	// Settled tells the devices and the waiting browser that a challenge is
	// over (c.State says how).
	Settled(c store.PushChallenge, deviceIDs []string)
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

// EnablePush turns push sign-in on. Call it once, before serving.
func (s *Service) EnablePush(cfg PushConfig, n PushNotifier) error {
	origin, err := push.CanonicalOrigin(cfg.Origin)
	if err != nil {
		return errors.New("auth: push origin must be http(s)://host[:port]")
	}
	cfg.Origin = origin
	s.push = &pushSetup{cfg: cfg.withDefaults(), notifier: n}
	return nil
}

// PushConfig returns the effective push configuration (zero if disabled).
func (s *Service) PushConfig() PushConfig {
	if s.push == nil {
		return PushConfig{}
	}
	return s.push.cfg
}

// revokedPush tells the router that devices lost their registrations (the
// rows went with the devices, by cascade).
func (s *Service) revokedPush(deviceIDs []string) {
	if s.push != nil && s.push.notifier != nil && len(deviceIDs) > 0 {
		s.push.notifier.Revoked(deviceIDs)
	}
}

// RegisterPush registers an authenticator's Ed25519 public key for one
// active TOTP device. The proof is shared/push's registration proof: an
// HMAC of the registration under the device's seed, not a TOTP code, so
// registering spends no time step the person still needs, and a wrong
// proof books nothing in the account's throttle (a stranger who knows a
// device id cannot lock its owner out). A wrong proof, an unknown or
// pending device and a stale time all get ErrPushRejected. Replacing a key
// closes the connections made with the old one.
func (s *Service) RegisterPush(ctx context.Context, c Client, deviceID string, publicKey []byte, at int64, proof []byte) (store.PushRegistration, error) {
	if s.push == nil {
		return store.PushRegistration{}, ErrPushDisabled
	}
	if len(publicKey) != ed25519.PublicKeySize {
		return store.PushRegistration{}, ErrPushKey
	}
	start := time.Now()
	outcome := OutcomeError
	defer func() {
		if s.obs != nil {
			s.obs.Verification(PurposePushRegister, outcome, time.Since(start))
		}
		s.log.LogAttrs(ctx, levelOf(outcome), "push registration", slog.String("device_id", deviceID), slog.String("outcome", string(outcome)))
	}()
	d, err := s.store.DeviceByID(ctx, deviceID)
	if errors.Is(err, store.ErrNotFound) || err == nil && d.State != store.DeviceActive {
		outcome = OutcomeWrong
		return store.PushRegistration{}, ErrPushRejected
	}
	if err != nil {
		return store.PushRegistration{}, err
	}
	secret, err := s.keys.Open(d.KeyID, d.SecretSealed, DeviceAAD(d.ID, d.UserID))
	if err != nil {
		return store.PushRegistration{}, err
	}
	ok := push.CheckRegistrationProof(secret, s.push.cfg.Origin, d.ID, publicKey, at, proof, s.now())
	clear(secret)
	if !ok {
		outcome = OutcomeWrong
		return store.PushRegistration{}, ErrPushRejected
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
		return store.PushRegistration{}, ErrPushRejected
	}
	if err != nil {
		return store.PushRegistration{}, err
	}
	outcome = OutcomeSuccess
	if replaced && s.push.notifier != nil {
		s.push.notifier.Replaced(d.ID, publicKey)
	}
	return reg, nil
}

func levelOf(o Outcome) slog.Level {
	if o == OutcomeSuccess {
		return slog.LevelInfo
	}
	return slog.LevelWarn
}

// AuthenticateDevice checks a device connection's hello: the signature over
// the server's nonce, this server's origin and the device id, with the
// device's registered key.
func (s *Service) AuthenticateDevice(ctx context.Context, nonce []byte, h push.Hello) (store.PushRegistration, error) {
	if s.push == nil {
		return store.PushRegistration{}, ErrPushDisabled
	}
	reg, err := s.store.PushRegistration(ctx, h.DeviceID)
	if errors.Is(err, store.ErrNotFound) {
		return store.PushRegistration{}, ErrPushRevoked
	}
	if err != nil {
		return store.PushRegistration{}, err
	}
	if push.Verify(reg.PublicKey, push.HelloMessage(nonce, s.push.cfg.Origin, h.DeviceID), h.Signature) != nil {
		return store.PushRegistration{}, ErrPushRejected
	}
	return reg, nil
}

// PendingPrompts are the challenges a device that just connected should
// show: its account's pending, unexpired ones.
func (s *Service) PendingPrompts(ctx context.Context, reg store.PushRegistration) ([]store.PushChallenge, error) {
	return s.store.PendingPushChallenges(ctx, reg.UserID, s.now())
}

// randomNumbers draws the number to match (10–99) and two other distinct
// candidates, and shuffles the three.
func (s *Service) randomNumbers() (number int, cands [3]int, err error) {
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

// BrowserSummary shortens a User-Agent to "Browser on OS" for a prompt.
func BrowserSummary(ua string) string {
	browser := "A browser"
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
		{"curl/", "curl"}, {"Go-http-client", "A program"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iPhone"}, {"iPad", "iPad"}, {"CrOS", "ChromeOS"},
		{"Windows", "Windows"}, {"Macintosh", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			return browser + " on " + o.name
		}
	}
	return browser
}

// CreatePushChallenge sends a sign-in prompt for a partial session to the
// account's registered devices. The fatigue limits are counted in the same
// transaction that creates the challenge.
func (s *Service) CreatePushChallenge(ctx context.Context, c Client, sess store.Session) (store.PushChallenge, error) {
	if s.push == nil {
		return store.PushChallenge{}, ErrPushDisabled
	}
	if sess.Stage != store.StagePartial {
		return store.PushChallenge{}, ErrUnauthenticated
	}
	cfg := s.push.cfg
	regs, err := s.store.PushRegistrations(ctx, sess.UserID)
	if err != nil {
		return store.PushChallenge{}, err
	}
	if len(regs) == 0 {
		return store.PushChallenge{}, ErrPushNotRegistered
	}
	u, err := s.User(ctx, sess.UserID)
	if err != nil {
		return store.PushChallenge{}, err
	}
	id, err := s.newID("pch")
	if err != nil {
		return store.PushChallenge{}, err
	}
	number, cands, err := s.randomNumbers()
	if err != nil {
		return store.PushChallenge{}, err
	}
	now := s.now()
	ch := store.PushChallenge{
		ID: id, UserID: sess.UserID, SessionHash: sess.TokenHash, Number: number, Candidates: cands,
		Service: s.cfg.Issuer, Account: u.Email, ClientAddr: c.Addr, Browser: BrowserSummary(c.UserAgent),
		State: store.PushPending, CreatedAt: now, ExpiresAt: now.Add(cfg.ChallengeTTL),
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		f, err := tx.PushFatigue(ctx, sess.UserID, now, now.Add(-cfg.Window))
		switch {
		case err != nil:
			return err
		case f.Paused:
			return ErrPushPaused
		case f.Pending >= cfg.MaxPending || f.Recent >= cfg.MaxPerWindow:
			return ErrPushTooMany
		}
		if err := tx.CreatePushChallenge(ctx, ch); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, sess.UserID, EventPushSent, "", id)
	})
	if err != nil {
		return store.PushChallenge{}, err
	}
	if s.push.notifier != nil {
		s.push.notifier.Prompt(ch, deviceIDs(regs))
	}
	return ch, nil
}

func deviceIDs(regs []store.PushRegistration) []string {
	out := make([]string, len(regs))
	for i, r := range regs {
		out[i] = r.DeviceID
	}
	return out
}

// PushChallengeFor returns a challenge to the session that asked for it.
func (s *Service) PushChallengeFor(ctx context.Context, sess store.Session, id string) (store.PushChallenge, error) {
	ch, err := s.store.PushChallenge(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && !sameBytes(ch.SessionHash, sess.TokenHash) {
		return store.PushChallenge{}, ErrNotFound
	}
	if err != nil {
		return store.PushChallenge{}, err
	}
	if ch.State == store.PushPending && !s.now().Before(ch.ExpiresAt) {
		ch.State = store.PushExpired // the sweep writes it soon; the answer is the same
	}
	return ch, nil
}

// AnswerPush books a device's signed answer. The checks, in order: the
// device is still registered, the signature (over this server's origin, the
// challenge, the decision, the number and the device id), the challenge is
// the device's account's, then in one transaction: the lockout, single use
// and expiry (a conditional update) and the number. A wrong number fails
// the challenge and counts in the account's throttle; a locked account's
// approval fails. It returns the challenge as it now stands;
// ErrPushRejected means nothing changed.
func (s *Service) AnswerPush(ctx context.Context, reg store.PushRegistration, a push.AnswerFrame) (store.PushChallenge, error) {
	if s.push == nil {
		return store.PushChallenge{}, ErrPushDisabled
	}
	start := time.Now()
	outcome := OutcomeError
	defer func() {
		if a.Decision == push.Approve && s.obs != nil {
			s.obs.Verification(PurposePushApprove, outcome, time.Since(start))
		}
		s.log.Info("push answer", "device_id", reg.DeviceID, "challenge_id", a.ChallengeID,
			"decision", string(a.Decision), "outcome", string(outcome))
	}()
	current, err := s.store.PushRegistration(ctx, reg.DeviceID)
	if errors.Is(err, store.ErrNotFound) || err == nil && !sameBytes(current.PublicKey, reg.PublicKey) {
		outcome = OutcomeMalformed
		return store.PushChallenge{}, ErrPushRevoked
	}
	if err != nil {
		return store.PushChallenge{}, err
	}
	msg := push.Answer{Origin: s.push.cfg.Origin, ChallengeID: a.ChallengeID, Decision: a.Decision, Number: a.Number, DeviceID: reg.DeviceID}.Message()
	if push.Verify(current.PublicKey, msg, a.Signature) != nil {
		outcome = OutcomeMalformed
		return store.PushChallenge{}, ErrPushRejected
	}
	ch, err := s.store.PushChallenge(ctx, a.ChallengeID)
	if errors.Is(err, store.ErrNotFound) || err == nil && ch.UserID != current.UserID {
		outcome = OutcomeMalformed
		return store.PushChallenge{}, ErrPushRejected
	}
	if err != nil {
		return store.PushChallenge{}, err
	}
	client := Client{Addr: "push:" + reg.DeviceID}
	var cancelled []store.PushChallenge
	policy := s.cfg.Throttle
	err = s.store.Update(ctx, func(tx store.Tx) error {
		now := s.now()
		answer := func(state store.PushState) (bool, error) {
			ok, err := tx.AnswerPushChallenge(ctx, ch.ID, ch.UserID, state, reg.DeviceID, now)
			if ok {
				ch.State, ch.AnsweredAt, ch.DeviceID = state, now, reg.DeviceID
			}
			return ok, err
		}
		switch a.Decision {
		case push.Deny:
			ok, err := answer(store.PushDenied)
			if err != nil || !ok {
				outcome = OutcomeReplay
				return err
			}
			outcome = OutcomeSuccess
			return s.audit(ctx, tx, client, ch.UserID, EventPushDenied, reg.DeviceID, ch.ID)
		case push.Report:
			ok, err := answer(store.PushReported)
			if err != nil || !ok {
				outcome = OutcomeReplay
				return err
			}
			outcome = OutcomeSuccess
			if err := tx.PausePush(ctx, ch.UserID, ch.ID, now); err != nil {
				return err
			}
			if cancelled, err = tx.CancelPushChallenges(ctx, ch.UserID); err != nil {
				return err
			}
			s.log.Warn("push prompt reported; push paused", "user_id", ch.UserID, "challenge_id", ch.ID)
			return s.audit(ctx, tx, client, ch.UserID, EventPushReported, reg.DeviceID, ch.ID)
		}
		th, err := tx.Throttle(ctx, ch.UserID)
		if err != nil {
			return err
		}
		if policy.Locked(th, now) {
			outcome = OutcomeLocked
			if _, err := answer(store.PushFailed); err != nil {
				return err
			}
			return s.audit(ctx, tx, client, ch.UserID, EventVerificationFailure, reg.DeviceID, string(PurposePushApprove)+" locked")
		}
		if a.Number != ch.Number {
			ok, err := answer(store.PushFailed)
			if err != nil || !ok {
				outcome = OutcomeReplay // over already: not a guess that could succeed
				return err
			}
			outcome = OutcomeWrong
			next, lockout := policy.Fail(th, now, 1)
			if err := tx.PutThrottle(ctx, next); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, client, ch.UserID, EventVerificationFailure, reg.DeviceID, string(PurposePushApprove)); err != nil {
				return err
			}
			if lockout != "" {
				return s.audit(ctx, tx, client, ch.UserID, EventLockout, "", lockout)
			}
			return nil
		}
		ok, err := answer(store.PushApproved)
		if err != nil || !ok {
			outcome = OutcomeReplay
			return err
		}
		outcome = OutcomeSuccess
		return s.audit(ctx, tx, client, ch.UserID, EventPushApproved, reg.DeviceID, ch.ID)
	})
	if err != nil {
		outcome = OutcomeError
		return store.PushChallenge{}, err
	}
	if outcome == OutcomeReplay {
		return store.PushChallenge{}, ErrPushRejected
	}
	s.settled(ctx, ch.UserID, append(cancelled, ch)...)
	return ch, nil
}

// settled tells the router about challenges that are over.
func (s *Service) settled(ctx context.Context, userID string, chs ...store.PushChallenge) {
	if s.push.notifier == nil || len(chs) == 0 {
		return
	}
	regs, err := s.store.PushRegistrations(ctx, userID)
	if err != nil {
		s.log.Warn("push: listing devices to notify", "err", err)
	}
	for _, c := range chs {
		s.push.notifier.Settled(c, deviceIDs(regs))
	}
}

// RedeemPush completes a partial session with its approved challenge: the
// lockout is checked here, at redemption, and the challenge is redeemed
// once, by the session that asked for it. The new full session has amr
// [pwd push].
func (s *Service) RedeemPush(ctx context.Context, c Client, sess store.Session, challengeID string) (NewSession, error) {
	if s.push == nil {
		return NewSession{}, ErrPushDisabled
	}
	if sess.Stage != store.StagePartial {
		return NewSession{}, ErrUnauthenticated
	}
	start := time.Now()
	outcome := OutcomeError
	defer func() {
		if s.obs != nil {
			s.obs.Verification(PurposePushRedeem, outcome, time.Since(start))
		}
		s.log.Info("push redeem", "user_id", sess.UserID, "challenge_id", challengeID, "outcome", string(outcome))
	}()
	var ns NewSession
	policy := s.cfg.Throttle
	err := s.store.Update(ctx, func(tx store.Tx) error {
		now := s.now()
		th, err := tx.Throttle(ctx, sess.UserID)
		if err != nil {
			return err
		}
		if policy.Locked(th, now) {
			outcome = OutcomeLocked
			return nil
		}
		ch, err := tx.PushChallenge(ctx, challengeID)
		if errors.Is(err, store.ErrNotFound) {
			outcome = OutcomeWrong
			return nil
		}
		if err != nil {
			return err
		}
		ok, err := tx.RedeemPushChallenge(ctx, challengeID, sess.TokenHash, now.Add(-s.push.cfg.RedeemGrace))
		if err != nil {
			return err
		}
		if !ok {
			outcome = OutcomeReplay
			return nil
		}
		outcome = OutcomeSuccess
		if th.ConsecutiveFailures > 0 {
			if err := tx.PutThrottle(ctx, policy.Succeed(th)); err != nil {
				return err
			}
		}
		ns, err = s.completeSignIn(ctx, tx, c, sess, MethodPush, ch.DeviceID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		outcome = OutcomeError
		return NewSession{}, ErrUnauthenticated
	}
	if err != nil {
		outcome = OutcomeError
		return NewSession{}, err
	}
	if outcome != OutcomeSuccess {
		return NewSession{}, ErrVerificationFailed
	}
	return ns, nil
}

// ExpirePush marks pending challenges past their expiry as expired and
// tells the router; it returns how many.
func (s *Service) ExpirePush(ctx context.Context) (int, error) {
	if s.push == nil {
		return 0, nil
	}
	var expired []store.PushChallenge
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		expired, err = tx.ExpirePushChallenges(ctx, s.now())
		return err
	})
	if err != nil {
		return 0, err
	}
	for _, c := range expired {
		s.settled(ctx, c.UserID, c)
	}
	return len(expired), nil
}

// RunPushExpiry expires challenges every interval until ctx ends.
func (s *Service) RunPushExpiry(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.ExpirePush(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("push expiry failed", "err", err)
			}
		}
	}
}

func sameBytes(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// resumePush lifts a push pause: the account's owner signed in another way.
func (s *Service) resumePush(ctx context.Context, tx store.Tx, c Client, userID string) error {
	resumed, err := tx.ResumePush(ctx, userID)
	if err != nil || !resumed {
		return err
	}
	return s.audit(ctx, tx, c, userID, EventPushResumed, "", "")
}

// pushParams are the enrollment URI's push parameters (shared/push), when
// push is on: the authenticator learns from the QR code where to register.
func (s *Service) pushParams(deviceID string) []otpauth.Param {
	if s.push == nil {
		return nil
	}
	return push.EnrollmentParams(s.push.cfg.Origin, deviceID)
}
