package auth

import "time"

// Sync of the authenticator's vault between browsers (server/service's
// Sync; docs/vault-format.md, "Sync between browsers"). Every byte string
// here is a public key, an opaque meta, a MAC or a ciphertext: nothing the
// server could open.

// SyncRequest is a sync request as it arrived: the identity it names, the
// signature headers (Twofold-Sync-Device, -Time, -Signature) and what they
// sign (method, the path from /api/v1 on with its query, the body).
type SyncRequest struct {
	Client    Client
	Identity  string
	Device    string
	Time      string
	Signature string
	Method    string
	Target    string
	Body      []byte
}

// SyncKeys are a browser's public keys and its opaque meta.
type SyncKeys struct {
	SigningKey []byte
	WrapKey    []byte
	Meta       []byte
}

// NewSyncIdentity is what the first browser sends: its keys, the recovery
// keys (none, or both), the envelopes of epoch 1's key to itself and to
// the recovery key, and its first counter.
type NewSyncIdentity struct {
	Device             SyncKeys
	RecoverySigningKey []byte
	RecoveryWrapKey    []byte
	DeviceEnvelope     []byte
	RecoveryEnvelope   []byte
	Counter            int64
}

// SyncDevice is a browser of an identity as its peers see it.
type SyncDevice struct {
	ID string
	SyncKeys
	AddedAt    time.Time
	LastSeenAt time.Time
}

// SyncState is an identity's state: the current epoch, the sequence
// numbers of its newest change and of its snapshot, whether a device was
// removed (or recovery added one) since the epoch began, and its active
// devices.
type SyncState struct {
	Epoch       int64
	HeadSeq     int64
	SnapshotSeq int64
	RotationDue bool
	Devices     []SyncDevice
}

// SyncChange is a stored change or snapshot.
type SyncChange struct {
	Seq        int64
	Epoch      int64
	DeviceID   string
	Counter    int64
	Ciphertext []byte
	CreatedAt  time.Time
}

// MaxSyncPage is the most changes one read returns, and MaxSyncPageBytes
// about the most ciphertext: a read stops at the change that reaches it.
const (
	MaxSyncPage      = 100
	MaxSyncPageBytes = 2 << 20
)

// SyncChanges are a page of changes and the newest sequence number.
type SyncChanges struct {
	Changes []SyncChange
	HeadSeq int64
}

// SyncUpload is a change or a snapshot as a device sends it (Seq only
// for a snapshot: the newest change it covers).
type SyncUpload struct {
	Counter    int64
	Epoch      int64
	Seq        int64
	Ciphertext []byte
}

// SyncPairingState is a pairing slot's state as callers see it.
type SyncPairingState string

// Pairing states: a waiting or joined slot past its expiry is expired.
const (
	SyncWaiting  SyncPairingState = "waiting"
	SyncJoined   SyncPairingState = "joined"
	SyncApproved SyncPairingState = "approved"
	SyncExpired  SyncPairingState = "expired"
)

// SyncJoin is a joining browser's keys, meta and MAC (which only the
// browser that showed the pairing code can check).
type SyncJoin struct {
	SyncKeys
	MAC      []byte
	JoinedAt time.Time
}

// SyncPairing is a pairing slot: Join is set once joined, DeviceID once
// approved.
type SyncPairing struct {
	ID        string
	State     SyncPairingState
	ExpiresAt time.Time
	Join      *SyncJoin
	DeviceID  string
}

// SyncApproval approves a joined pairing: B's envelope of the current
// epoch's key.
type SyncApproval struct {
	Counter  int64
	Epoch    int64
	Envelope []byte
}

// SyncRotation starts the next epoch: envelopes of the new key for every
// active device (and "recovery" when the identity has a recovery key) and
// a snapshot of everything up to the newest change, under the new key.
type SyncRotation struct {
	Counter     int64
	Epoch       int64
	Envelopes   map[string][]byte
	SnapshotSeq int64
	Snapshot    []byte
}

// SyncRecovered is what recovery hands the new browser: its device id and
// the recovery envelope of the current epoch's key.
type SyncRecovered struct {
	DeviceID string
	Epoch    int64
	Envelope []byte
}
