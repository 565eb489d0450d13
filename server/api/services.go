package api

import (
	"context"
	"net/http"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
)

// The services the handlers call, one narrow interface per concern (the
// implementations are in server/service), so a handler test can fake one
// concern and the HTTP layer cannot reach the store.

// Accounts is sign-up, two-step sign-in, sessions and the password.
type Accounts interface {
	SignUp(ctx context.Context, c auth.Client, email, password, invitation string) (auth.NewSession, error)
	SignIn(ctx context.Context, c auth.Client, email, password string) (auth.NewSession, error)
	SecondFactor(ctx context.Context, c auth.Client, sess auth.Session, f auth.Factor, trust bool) (auth.NewSession, error)
	Authenticate(ctx context.Context, token string) (auth.Session, error)
	Account(ctx context.Context, userID string) (auth.User, error)
	TrustDays(ctx context.Context, userID string) (int, error)
	SignupOpen(ctx context.Context) (bool, error)
	SignOut(ctx context.Context, c auth.Client, sess auth.Session) error
	SignOutEverywhere(ctx context.Context, c auth.Client, userID string) (int64, error)
	Sessions(ctx context.Context, userID string) ([]auth.Session, error)
	EndSession(ctx context.Context, c auth.Client, userID, id string) error
	ChangePassword(ctx context.Context, c auth.Client, sess auth.Session, current, next string, f auth.Factor) (auth.ChangePasswordResult, error)
	RequireMFAVerified(ctx context.Context, sess auth.Session) error
	TrustedBrowsers(ctx context.Context, c auth.Client, userID string) ([]auth.TrustedBrowser, error)
	RevokeTrustedBrowser(ctx context.Context, c auth.Client, userID, id string) error
}

// Devices is TOTP devices, MFA on and off, and recovery codes.
type Devices interface {
	List(ctx context.Context, userID string) ([]auth.Device, error)
	Get(ctx context.Context, userID, id string) (auth.Device, error)
	Enroll(ctx context.Context, c auth.Client, sess auth.Session, name string, f auth.Factor) (auth.Enrollment, error)
	RegenerateSeed(ctx context.Context, c auth.Client, sess auth.Session, id string, f auth.Factor) (auth.Enrollment, error)
	Activate(ctx context.Context, c auth.Client, sess auth.Session, id, code string) (auth.ActivateResult, error)
	Rename(ctx context.Context, c auth.Client, userID, id, name string) (auth.Device, error)
	Delete(ctx context.Context, c auth.Client, sess auth.Session, id string, f auth.Factor) error
	DeleteInactive(ctx context.Context, c auth.Client, userID string) (int64, error)
	DisableMFA(ctx context.Context, c auth.Client, sess auth.Session, f auth.Factor) error
	RegenerateRecoveryCodes(ctx context.Context, c auth.Client, sess auth.Session, f auth.Factor) ([]string, error)
	RecoveryCodesRemaining(ctx context.Context, userID string) (int, error)
}

// Tokens is application tokens.
type Tokens interface {
	Create(ctx context.Context, c auth.Client, sess auth.Session, name string, expiresAt time.Time, f auth.Factor) (auth.NewAppToken, error)
	List(ctx context.Context, userID string) ([]auth.AppToken, error)
	Revoke(ctx context.Context, c auth.Client, userID, id string) error
	Authenticate(ctx context.Context, c auth.Client, secret string) (auth.AppToken, error)
	CreateCLIGrant(ctx context.Context, c auth.Client, sess auth.Session, challenge, name string, expiresAt time.Time, f auth.Factor) (string, time.Time, error)
	RedeemCLIGrant(ctx context.Context, c auth.Client, code, verifier string) (auth.NewAppToken, error)
}

// Push is push sign-in: registration and the signing-in browser's side
// of a challenge.
type Push interface {
	Enabled() bool
	Register(ctx context.Context, c auth.Client, deviceID string, publicKey []byte, at int64, proof []byte) (auth.PushRegistration, error)
	Challenge(ctx context.Context, c auth.Client, sess auth.Session) (auth.PushChallenge, error)
	ChallengeFor(ctx context.Context, sess auth.Session, id string) (auth.PushChallenge, error)
	Redeem(ctx context.Context, c auth.Client, sess auth.Session, id string) (auth.NewSession, error)
}

// AuditLog is the audit log.
type AuditLog interface {
	Events(ctx context.Context, userID string, beforeID int64, limit int) ([]auth.AuditEvent, error)
}

// Admin is an organisation's administration.
type Admin interface {
	Org(ctx context.Context, sess auth.Session) (auth.Organisation, error)
	UpdateOrg(ctx context.Context, c auth.Client, sess auth.Session, ch auth.OrgChange) (auth.Organisation, error)
	RequireMFA(ctx context.Context, c auth.Client, sess auth.Session, scope auth.Requirement, groupIDs []string, signOut bool) (auth.RequirementResult, error)
	SendRequirementOffCode(ctx context.Context, c auth.Client, sess auth.Session) error
	RequirementOff(ctx context.Context, c auth.Client, sess auth.Session, code string) error
	Users(ctx context.Context, sess auth.Session, f auth.UserFilter) ([]auth.OrgUser, int, error)
	User(ctx context.Context, sess auth.Session, userID string) (auth.OrgUser, []auth.Device, error)
	UpdateUser(ctx context.Context, c auth.Client, sess auth.Session, userID string, ch auth.UserChange) (auth.OrgUser, error)
	ResetMFA(ctx context.Context, c auth.Client, sess auth.Session, userID, reason string) error
	DeleteUserDevice(ctx context.Context, c auth.Client, sess auth.Session, userID, deviceID string) error
	Groups(ctx context.Context, sess auth.Session) ([]auth.Group, error)
	CreateGroup(ctx context.Context, c auth.Client, sess auth.Session, name string) (auth.Group, error)
	DeleteGroup(ctx context.Context, c auth.Client, sess auth.Session, id string) error
	SetGroupRequired(ctx context.Context, c auth.Client, sess auth.Session, id string, required bool) error
	AddMember(ctx context.Context, c auth.Client, sess auth.Session, groupID, userID string) error
	RemoveMember(ctx context.Context, c auth.Client, sess auth.Session, groupID, userID string) error
	Invite(ctx context.Context, c auth.Client, sess auth.Session, email string, role auth.Role) (auth.NewInvitation, error)
	Invitations(ctx context.Context, sess auth.Session) ([]auth.Invitation, error)
	AuditEvents(ctx context.Context, sess auth.Session, f auth.AuditFilter) ([]auth.AuditEvent, error)
	Outbox(ctx context.Context, sess auth.Session, limit int) ([]auth.Mail, bool, error)
}

// Sync is vault sync between browsers: every method but JoinPairing (and
// CreateIdentity's session) authenticates the signed request itself.
type Sync interface {
	CreateIdentity(ctx context.Context, r auth.SyncRequest, sess auth.Session, in auth.NewSyncIdentity) (identityID, deviceID string, err error)
	State(ctx context.Context, r auth.SyncRequest) (auth.SyncState, error)
	AppendChange(ctx context.Context, r auth.SyncRequest, u auth.SyncUpload) (int64, error)
	Changes(ctx context.Context, r auth.SyncRequest, after int64, limit int, wait time.Duration) (auth.SyncChanges, error)
	PutSnapshot(ctx context.Context, r auth.SyncRequest, u auth.SyncUpload) error
	Snapshot(ctx context.Context, r auth.SyncRequest) (auth.SyncChange, error)
	Envelope(ctx context.Context, r auth.SyncRequest) (epoch int64, envelope []byte, err error)
	RotateEpoch(ctx context.Context, r auth.SyncRequest, rot auth.SyncRotation) error
	CreatePairing(ctx context.Context, r auth.SyncRequest, counter int64) (auth.SyncPairing, error)
	JoinPairing(ctx context.Context, identityID, pairingID string, j auth.SyncJoin) error
	Pairing(ctx context.Context, r auth.SyncRequest, pairingID string) (auth.SyncPairing, error)
	ApprovePairing(ctx context.Context, r auth.SyncRequest, pairingID string, a auth.SyncApproval) (string, error)
	PairingStatus(ctx context.Context, r auth.SyncRequest, pairingID string) (auth.SyncPairing, error)
	RemoveDevice(ctx context.Context, r auth.SyncRequest, deviceID string, counter int64) error
	Recover(ctx context.Context, r auth.SyncRequest, k auth.SyncKeys) (auth.SyncRecovered, error)
}

// PushHub is what the API needs of the push router: device websockets at
// /api/v1/push/ws, and wake-ups for a browser waiting on a challenge (its
// state is always read back from the database).
type PushHub interface {
	http.Handler
	Subscribe(challengeID string) (wake <-chan struct{}, cancel func())
}
