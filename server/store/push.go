package store

import (
	"context"
	"time"
)

// PushRegistration is a device's push key: the Ed25519 public key of the
// authenticator registered for one TOTP device.
type PushRegistration struct {
	DeviceID  string
	UserID    string
	PublicKey []byte
	CreatedAt time.Time
}

// PushState is a push challenge's life cycle.
type PushState string

// Push challenge states. Pending moves once to one of the others; approved
// moves once to redeemed.
const (
	PushPending   PushState = "pending"
	PushApproved  PushState = "approved"
	PushDenied    PushState = "denied"
	PushReported  PushState = "reported" // "deny, this wasn't me"
	PushFailed    PushState = "failed"   // wrong number, or the account was locked
	PushExpired   PushState = "expired"
	PushCancelled PushState = "cancelled" // another prompt of the account was reported
	PushRedeemed  PushState = "redeemed"
)

// PushChallenge is one sign-in prompt. SessionID is the partial session
// that asked for it and alone may redeem it.
type PushChallenge struct {
	ID         string
	UserID     string
	SessionID  string
	Number     int
	Candidates [3]int
	Service    string
	Account    string
	ClientAddr string
	Browser    string
	State      PushState
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AnsweredAt time.Time
	DeviceID   string // the device that answered
}

// PushFatigue is what bounds prompts to one account.
type PushFatigue struct {
	Pending int  // pending and unexpired
	Recent  int  // created since the window's start, any state
	Paused  bool // a prompt was reported; until the next other sign-in
}

// PushReader reads push registrations and challenges.
type PushReader interface {
	PushRegistration(ctx context.Context, deviceID string) (PushRegistration, error)
	PushRegistrations(ctx context.Context, userID string) ([]PushRegistration, error)
	PushChallenge(ctx context.Context, id string) (PushChallenge, error)
	// PendingPushChallenges are the user's pending challenges unexpired at now.
	PendingPushChallenges(ctx context.Context, userID string, now time.Time) ([]PushChallenge, error)
	PushFatigue(ctx context.Context, userID string, now, since time.Time) (PushFatigue, error)
}

// PushWriter changes push registrations and challenges.
type PushWriter interface {
	// PutPushRegistration registers (or replaces) a device's key.
	PutPushRegistration(ctx context.Context, r PushRegistration) error
	CreatePushChallenge(ctx context.Context, c PushChallenge) error
	// AnswerPushChallenge moves a pending, unexpired challenge of userID to
	// state: false (nothing changed) if it was answered, expired or is not
	// the user's. This conditional update is the challenge's single use.
	AnswerPushChallenge(ctx context.Context, id, userID string, state PushState, deviceID string, now time.Time) (bool, error)
	// RedeemPushChallenge moves an approved challenge to redeemed, only for
	// the session that asked and only if it expires after notAfter.
	RedeemPushChallenge(ctx context.Context, id, sessionID string, notAfter time.Time) (bool, error)
	// ExpirePushChallenges marks pending challenges past expiry as expired and
	// returns them.
	ExpirePushChallenges(ctx context.Context, now time.Time) ([]PushChallenge, error)
	// CancelPushChallenges cancels every pending challenge of the user.
	CancelPushChallenges(ctx context.Context, userID string) ([]PushChallenge, error)
	PausePush(ctx context.Context, userID, challengeID string, now time.Time) error
	// ResumePush lifts a pause; false if there was none.
	ResumePush(ctx context.Context, userID string) (bool, error)
}

// PushChange is a committed change to push state that an engine shared by
// several server instances announces to all of them (PostgreSQL: a
// trigger's NOTIFY; see postgres.Listener), so each can tell its own
// device connections and waiting browsers. It carries ids only: the state
// is read from the store.
type PushChange struct {
	Kind   PushChangeKind
	ID     string // the challenge's id; the device's for PushRegistrationChanged
	UserID string
}

// PushChangeKind says what changed.
type PushChangeKind string

// Kinds of push change.
const (
	PushPrompted            PushChangeKind = "prompt"       // a pending challenge was created
	PushSettled             PushChangeKind = "settled"      // a challenge left pending
	PushRegistrationChanged PushChangeKind = "registration" // a device's key was replaced, or its registration removed
)
