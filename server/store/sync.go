package store

import (
	"context"
	"time"
)

// Sync of the authenticator's vault between browsers (docs/vault-format.md,
// "Sync between browsers"): an identity, its devices' public keys and
// counters, ciphertexts the server cannot read (changes with their sequence
// numbers, the newest snapshot, the envelopes of the current epoch's key)
// and pairing slots.

// SyncIdentity is a vault shared by one person's browsers. HeadSeq is the
// sequence number of its newest change (0 for none), SnapshotSeq the one
// its snapshot covers up to. StoredBytes counts what it stores: the
// changes' and the snapshot's ciphertexts and each device's (removed ones
// too) keys and meta. RotationDue is set when a device was removed or
// recovery added one, and cleared by the next epoch. The recovery keys
// are nil when the identity has no recovery key.
type SyncIdentity struct {
	ID                 string
	UserID             string
	Epoch              int64
	HeadSeq            int64
	SnapshotSeq        int64
	StoredBytes        int64
	RotationDue        bool
	RecoverySigningKey []byte
	RecoveryWrapKey    []byte
	CreatedAt          time.Time
}

// SyncDevice is a browser of an identity: its public keys, its opaque meta
// and the last counter it used. A removed device keeps its row (RemovedAt
// set), so its later requests are told apart and its key is never added
// again.
type SyncDevice struct {
	IdentityID string
	ID         string
	SigningKey []byte
	WrapKey    []byte
	Meta       []byte
	Counter    int64
	AddedAt    time.Time
	LastSeenAt time.Time
	RemovedAt  time.Time
}

// SyncChange is one uploaded change (or, as a snapshot, the whole state up
// to Seq): the author's ciphertext, stored with its sequence number.
type SyncChange struct {
	IdentityID string
	Seq        int64
	Epoch      int64
	DeviceID   string
	Counter    int64
	Ciphertext []byte
	CreatedAt  time.Time
}

// SyncPairingState is a pairing slot's life cycle: waiting moves once to
// joined, joined once to approved. Expiry is read from ExpiresAt.
type SyncPairingState string

// Pairing states.
const (
	SyncWaiting  SyncPairingState = "waiting"
	SyncJoined   SyncPairingState = "joined"
	SyncApproved SyncPairingState = "approved"
)

// SyncJoin is what a joining browser sends to a pairing slot.
type SyncJoin struct {
	SigningKey []byte
	WrapKey    []byte
	Meta       []byte
	MAC        []byte
	JoinedAt   time.Time
}

// SyncPairing is a slot a device of the identity opened for a new browser.
// DeviceID is the device its approval added.
type SyncPairing struct {
	ID         string
	IdentityID string
	CreatedBy  string
	State      SyncPairingState
	CreatedAt  time.Time
	ExpiresAt  time.Time
	Join       SyncJoin // zero while waiting
	DeviceID   string
	ApprovedAt time.Time
}

// SyncReader reads sync identities.
type SyncReader interface {
	SyncIdentity(ctx context.Context, id string) (SyncIdentity, error)
	CountSyncIdentities(ctx context.Context, userID string) (int, error)
	// SyncDevice is one device of the identity, removed or not.
	SyncDevice(ctx context.Context, identityID, id string) (SyncDevice, error)
	// SyncDevices are the identity's active devices, in the order they
	// were added.
	SyncDevices(ctx context.Context, identityID string) ([]SyncDevice, error)
	// SyncChanges are up to limit changes with sequence numbers above
	// after, in order.
	SyncChanges(ctx context.Context, identityID string, after int64, limit int) ([]SyncChange, error)
	SyncSnapshot(ctx context.Context, identityID string) (SyncChange, error)
	// SyncEnvelope is the envelope of the epoch's key for recipient (a
	// device id, or "recovery").
	SyncEnvelope(ctx context.Context, identityID string, epoch int64, recipient string) ([]byte, error)
	SyncPairing(ctx context.Context, identityID, id string) (SyncPairing, error)
	// CountOpenSyncPairings counts the identity's pairings that are not
	// approved and unexpired at now.
	CountOpenSyncPairings(ctx context.Context, identityID string, now time.Time) (int, error)
}

// SyncWriter changes sync identities. The writes that store bytes keep
// the identity's StoredBytes in step.
type SyncWriter interface {
	// CreateSyncIdentity creates an identity (ErrConflict for a taken id).
	CreateSyncIdentity(ctx context.Context, i SyncIdentity) error
	// AddSyncDevice adds a device (ErrConflict for a device id or a
	// signing key the identity has had).
	AddSyncDevice(ctx context.Context, d SyncDevice) error
	// AdvanceSyncCounter records counter as the device's last, and now as
	// its last sight, only if the device is active and counter is above
	// its last: this conditional update is the replay guard. It returns
	// false (changing nothing) otherwise.
	AdvanceSyncCounter(ctx context.Context, identityID, deviceID string, counter int64, now time.Time) (bool, error)
	// TouchSyncDevice records now as an active device's last sight if the
	// recorded one is at least every old.
	TouchSyncDevice(ctx context.Context, identityID, deviceID string, now time.Time, every time.Duration) (bool, error)
	// RemoveSyncDevice marks an active device removed at now and deletes
	// its envelopes (ErrNotFound if it is not active).
	RemoveSyncDevice(ctx context.Context, identityID, deviceID string, now time.Time) error
	// SetSyncRotationDue sets or clears the identity's RotationDue.
	SetSyncRotationDue(ctx context.Context, identityID string, due bool) error
	// AppendSyncChange stores c with the identity's next sequence number
	// and returns it (c.Seq is ignored). Numbers have no gaps, whatever
	// the concurrency.
	AppendSyncChange(ctx context.Context, c SyncChange) (int64, error)
	// PutSyncSnapshot replaces the identity's snapshot and sets its
	// SnapshotSeq to s.Seq.
	PutSyncSnapshot(ctx context.Context, s SyncChange) error
	// PruneSyncChanges deletes the changes of the identity (of every
	// identity for "") that its snapshot covers and that were created
	// before before (whatever their age for a zero before).
	PruneSyncChanges(ctx context.Context, identityID string, before time.Time) (int64, error)
	// PutSyncEnvelopes stores envelopes of the epoch's key, by recipient.
	PutSyncEnvelopes(ctx context.Context, identityID string, epoch int64, envelopes map[string][]byte) error
	// SwitchSyncEpoch moves the identity from epoch from to epoch to only
	// if it is at from, replacing every envelope with envelopes (of epoch
	// to) and clearing RotationDue; false (nothing changed) otherwise. Of
	// concurrent switches from one epoch, exactly one succeeds.
	SwitchSyncEpoch(ctx context.Context, identityID string, from, to int64, envelopes map[string][]byte) (bool, error)
	CreateSyncPairing(ctx context.Context, p SyncPairing) error
	// JoinSyncPairing records j in a waiting pairing unexpired at
	// j.JoinedAt: its single join (false otherwise, changing nothing).
	JoinSyncPairing(ctx context.Context, identityID, id string, j SyncJoin) (bool, error)
	// ApproveSyncPairing moves a joined pairing unexpired at now to
	// approved, naming the device it added (false otherwise).
	ApproveSyncPairing(ctx context.Context, identityID, id, deviceID string, now time.Time) (bool, error)
	// DeleteExpiredSyncPairings deletes pairings that expired before
	// before.
	DeleteExpiredSyncPairings(ctx context.Context, before time.Time) (int64, error)
}
