package service

import (
	"context"
	"errors"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// Challenge sends a sign-in prompt for a partial session to the account's
// registered devices. The fatigue limits are counted in the same
// transaction that creates the challenge.
func (s *Push) Challenge(ctx context.Context, c auth.Client, sess auth.Session) (auth.PushChallenge, error) {
	if s.push == nil {
		return auth.PushChallenge{}, auth.ErrPushDisabled
	}
	if sess.Stage != auth.StagePartial || sess.ViaToken() {
		return auth.PushChallenge{}, auth.ErrPushNotPartial
	}
	cfg := s.push.cfg
	regs, err := s.store.PushRegistrations(ctx, sess.UserID)
	if err != nil {
		return auth.PushChallenge{}, err
	}
	if len(regs) == 0 {
		return auth.PushChallenge{}, auth.ErrPushNotRegistered
	}
	u, err := s.user(ctx, sess.UserID)
	if err != nil {
		return auth.PushChallenge{}, err
	}
	id, err := s.newID("pch")
	if err != nil {
		return auth.PushChallenge{}, err
	}
	number, cands, err := s.randomNumbers()
	if err != nil {
		return auth.PushChallenge{}, err
	}
	now := s.now()
	ch := store.PushChallenge{
		ID: id, UserID: sess.UserID, SessionID: sess.ID, Number: number, Candidates: cands,
		Service: s.cfg.Issuer, Account: u.Email, ClientAddr: c.Addr, Browser: auth.BrowserSummary(c.UserAgent),
		State: store.PushPending, CreatedAt: now, ExpiresAt: now.Add(cfg.ChallengeTTL),
	}
	err = s.store.Update(ctx, func(tx store.Tx) error {
		f, err := tx.PushFatigue(ctx, sess.UserID, now, now.Add(-cfg.Window))
		switch {
		case err != nil:
			return err
		case f.Paused:
			return auth.ErrPushPaused
		case f.Pending >= cfg.MaxPending || f.Recent >= cfg.MaxPerWindow:
			return auth.ErrPushTooMany
		}
		if err := tx.CreatePushChallenge(ctx, ch); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, sess.UserID, EventPushSent, "", id)
	})
	if err != nil {
		return auth.PushChallenge{}, err
	}
	if s.push.notifier != nil {
		s.push.notifier.Prompt(challengeView(ch), deviceIDs(regs))
	}
	return challengeView(ch), nil
}

func deviceIDs(regs []store.PushRegistration) []string {
	out := make([]string, len(regs))
	for i, r := range regs {
		out[i] = r.DeviceID
	}
	return out
}

// ChallengeFor returns a challenge to the session that asked for it
// (auth.ErrPushNotFound for any other).
func (s *Push) ChallengeFor(ctx context.Context, sess auth.Session, id string) (auth.PushChallenge, error) {
	ch, err := s.store.PushChallenge(ctx, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && ch.SessionID != sess.ID {
		return auth.PushChallenge{}, auth.ErrPushNotFound
	}
	if err != nil {
		return auth.PushChallenge{}, err
	}
	if ch.State == store.PushPending && !s.now().Before(ch.ExpiresAt) {
		ch.State = store.PushExpired // the sweep writes it soon; the answer is the same
	}
	return challengeView(ch), nil
}

// ChallengeState is a challenge as the database has it (expired once past
// its expiry), for the push router to tell its devices what another
// instance settled; auth.ErrPushNotFound if there is none.
func (s *Push) ChallengeState(ctx context.Context, id string) (auth.PushChallenge, error) {
	ch, err := s.store.PushChallenge(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return auth.PushChallenge{}, auth.ErrPushNotFound
	}
	if err != nil {
		return auth.PushChallenge{}, err
	}
	if ch.State == store.PushPending && !s.now().Before(ch.ExpiresAt) {
		ch.State = store.PushExpired
	}
	return challengeView(ch), nil
}

// Answer books a device's signed answer. Before anything is written: the
// device is still registered with the key that signed, the signature
// (over this server's origin, the challenge, the decision, the number and
// the device id), and the challenge is the device's account's. A denial or
// a report then moves the challenge once (a report also pauses push and
// cancels the account's other prompts). An approval is a second-factor
// check and goes through the one attempt path: refused when the account is
// locked (the challenge then fails), a wrong number fails the challenge and
// counts in the account's throttle, the right one approves it once. It
// returns the challenge as it now stands; auth.ErrPushRejected means
// nothing changed.
func (s *Push) Answer(ctx context.Context, reg auth.PushRegistration, a pushproto.AnswerFrame) (auth.PushChallenge, error) {
	if s.push == nil {
		return auth.PushChallenge{}, auth.ErrPushDisabled
	}
	ch, err := s.checkAnswer(ctx, reg, a)
	if err != nil {
		return auth.PushChallenge{}, err
	}
	client := auth.Client{Addr: "push:" + reg.DeviceID}
	var cancelled []store.PushChallenge
	if a.Decision == pushproto.Approve {
		err = s.approve(ctx, client, reg, &ch, a.Number)
	} else {
		cancelled, err = s.decline(ctx, client, reg, &ch, a.Decision)
	}
	if err != nil {
		return auth.PushChallenge{}, err
	}
	s.settled(ctx, ch.UserID, append(cancelled, ch)...)
	return challengeView(ch), nil
}

// checkAnswer checks an answer's registration, signature and challenge.
func (s *Push) checkAnswer(ctx context.Context, reg auth.PushRegistration, a pushproto.AnswerFrame) (store.PushChallenge, error) {
	current, err := s.store.PushRegistration(ctx, reg.DeviceID)
	if errors.Is(err, store.ErrNotFound) || err == nil && !sameBytes(current.PublicKey, reg.PublicKey) {
		return store.PushChallenge{}, auth.ErrPushRevoked
	}
	if err != nil {
		return store.PushChallenge{}, err
	}
	msg := pushproto.Answer{Origin: s.push.cfg.Origin, ChallengeID: a.ChallengeID, Decision: a.Decision, Number: a.Number, DeviceID: reg.DeviceID}.Message()
	if pushproto.Verify(current.PublicKey, msg, a.Signature) != nil {
		return store.PushChallenge{}, auth.ErrPushRejected
	}
	ch, err := s.store.PushChallenge(ctx, a.ChallengeID)
	if errors.Is(err, store.ErrNotFound) || err == nil && ch.UserID != current.UserID {
		return store.PushChallenge{}, auth.ErrPushRejected
	}
	return ch, err
}

// approve checks an approval's number through the attempt path.
func (s *Push) approve(ctx context.Context, client auth.Client, reg auth.PushRegistration, ch *store.PushChallenge, number int) error {
	var now time.Time
	answer := func(ctx context.Context, tx store.Tx, state store.PushState) (bool, error) {
		now = s.now()
		ok, err := tx.AnswerPushChallenge(ctx, ch.ID, ch.UserID, state, reg.DeviceID, now)
		if ok {
			ch.State, ch.AnsweredAt, ch.DeviceID = state, now, reg.DeviceID
		}
		return ok, err
	}
	stale := false
	err := s.run(ctx, attempt{client: client, userID: ch.UserID, purpose: PurposePushApprove,
		locked: func(ctx context.Context, tx store.Tx) error {
			_, err := answer(ctx, tx, store.PushFailed)
			return err
		},
		compare: func(ctx context.Context, tx store.Tx) (Outcome, string, error) {
			state, outcome := store.PushApproved, OutcomeSuccess
			if number != ch.Number {
				state, outcome = store.PushFailed, OutcomeWrong
			}
			ok, err := answer(ctx, tx, state)
			if err != nil || !ok {
				stale = err == nil
				return OutcomeStale, reg.DeviceID, err // over already: not a guess that could succeed
			}
			return outcome, reg.DeviceID, nil
		},
		succeeded: func(ctx context.Context, tx store.Tx, deviceID string) error {
			return s.audit(ctx, tx, client, ch.UserID, EventPushApproved, deviceID, ch.ID)
		},
	})
	if stale {
		return auth.ErrPushRejected
	}
	if errors.Is(err, auth.ErrVerificationFailed) {
		return nil // the challenge failed (wrong number, or locked): the device is told so
	}
	return err
}

// decline books a denial or a report ("deny, this wasn't me"): not a check
// of a factor, so nothing is throttled. A report pauses push for the
// account and cancels its other prompts, returned.
func (s *Push) decline(ctx context.Context, client auth.Client, reg auth.PushRegistration, ch *store.PushChallenge,
	d pushproto.Decision) (cancelled []store.PushChallenge, err error) {
	state, event := store.PushDenied, EventPushDenied
	if d == pushproto.Report {
		state, event = store.PushReported, EventPushReported
	}
	answered := false
	err = s.store.Update(ctx, func(tx store.Tx) error {
		now := s.now()
		ok, err := tx.AnswerPushChallenge(ctx, ch.ID, ch.UserID, state, reg.DeviceID, now)
		if err != nil || !ok {
			return err
		}
		answered = true
		ch.State, ch.AnsweredAt, ch.DeviceID = state, now, reg.DeviceID
		if d == pushproto.Report {
			if err := tx.PausePush(ctx, ch.UserID, ch.ID, now); err != nil {
				return err
			}
			if cancelled, err = tx.CancelPushChallenges(ctx, ch.UserID); err != nil {
				return err
			}
			s.log.Warn("push prompt reported; push paused", "user_id", ch.UserID, "challenge_id", ch.ID)
		}
		return s.audit(ctx, tx, client, ch.UserID, event, reg.DeviceID, ch.ID)
	})
	if err == nil && !answered {
		err = auth.ErrPushRejected // over already
	}
	return cancelled, err
}

// settled tells the router about challenges that are over.
func (s *core) settled(ctx context.Context, userID string, chs ...store.PushChallenge) {
	if s.push.notifier == nil || len(chs) == 0 {
		return
	}
	regs, err := s.store.PushRegistrations(ctx, userID)
	if err != nil {
		s.log.Warn("push: listing devices to notify", "err", err)
	}
	for _, c := range chs {
		s.push.notifier.Settled(challengeView(c), deviceIDs(regs))
	}
}

// Redeem completes a partial session with its approved challenge, through
// the one attempt path: the lockout is checked here, at redemption, and the
// challenge is redeemed once, by the session that asked for it (anything
// else counts as a failed check). The new full session has amr
// [pwd push]. A challenge that is not (or no longer) approved is
// auth.ErrPushNotApproved.
func (s *Push) Redeem(ctx context.Context, c auth.Client, sess auth.Session, challengeID string) (auth.NewSession, error) {
	if s.push == nil {
		return auth.NewSession{}, auth.ErrPushDisabled
	}
	if sess.Stage != auth.StagePartial || sess.ViaToken() {
		return auth.NewSession{}, auth.ErrPushNotPartial
	}
	var ns auth.NewSession
	err := s.run(ctx, attempt{client: c, userID: sess.UserID, purpose: PurposePushRedeem,
		compare: func(ctx context.Context, tx store.Tx) (Outcome, string, error) {
			ch, err := tx.PushChallenge(ctx, challengeID)
			if errors.Is(err, store.ErrNotFound) {
				return OutcomeWrong, "", nil
			}
			if err != nil {
				return OutcomeError, "", err
			}
			ok, err := tx.RedeemPushChallenge(ctx, challengeID, sess.ID, s.now().Add(-s.push.cfg.RedeemGrace))
			switch {
			case err != nil:
				return OutcomeError, ch.DeviceID, err
			case !ok:
				return OutcomeReplay, ch.DeviceID, nil
			}
			return OutcomeSuccess, ch.DeviceID, nil
		},
		succeeded: func(ctx context.Context, tx store.Tx, deviceID string) error {
			var err error
			ns, err = s.completeSignIn(ctx, tx, c, sess, auth.MethodPush, deviceID)
			return err
		},
	})
	switch {
	case errors.Is(err, auth.ErrVerificationFailed):
		return auth.NewSession{}, auth.ErrPushNotApproved
	case errors.Is(err, store.ErrNotFound):
		return auth.NewSession{}, auth.ErrUnauthenticated // the partial session ended meanwhile
	case err != nil:
		return auth.NewSession{}, err
	}
	return ns, nil
}

// Expire marks pending challenges past their expiry as expired and tells
// the router; it returns how many.
func (s *Push) Expire(ctx context.Context) (int, error) {
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

// RunExpiry expires challenges every interval until ctx ends.
func (s *Push) RunExpiry(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.Expire(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("push expiry failed", "err", err)
			}
		}
	}
}

// resumePush lifts a push pause: the account's owner signed in another way.
func (s *core) resumePush(ctx context.Context, tx store.Tx, c auth.Client, userID string) error {
	resumed, err := tx.ResumePush(ctx, userID)
	if err != nil || !resumed {
		return err
	}
	return s.audit(ctx, tx, c, userID, EventPushResumed, "", "")
}

// pushParams are the enrollment URI's push parameters (shared/pushproto), when
// push is on: the authenticator learns from the QR code where to register.
func (s *core) pushParams(deviceID string) []otpauth.Param {
	if s.push == nil {
		return nil
	}
	return pushproto.EnrollmentParams(s.push.cfg.Origin, deviceID)
}
