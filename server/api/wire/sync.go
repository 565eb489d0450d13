package wire

import "time"

// Sync of the authenticator's vault between browsers (/api/v1/sync;
// docs/vault-format.md). Every byte string (keys, meta, MACs, envelopes,
// ciphertexts) is base64url without padding. Counters and epochs are
// JSON integers.

// SyncIdentityRequest creates an identity with its first device; the
// recovery keys and envelope are left out for an identity without a
// recovery key.
type SyncIdentityRequest struct {
	SigningKey         string                `json:"signing_key"`
	WrapKey            string                `json:"wrap_key"`
	Meta               string                `json:"meta"`
	RecoverySigningKey string                `json:"recovery_signing_key,omitempty"`
	RecoveryWrapKey    string                `json:"recovery_wrap_key,omitempty"`
	Envelopes          SyncIdentityEnvelopes `json:"envelopes"`
	Counter            int64                 `json:"counter"`
}

// SyncIdentityEnvelopes are epoch 1's envelopes.
type SyncIdentityEnvelopes struct {
	Device   string `json:"device"`
	Recovery string `json:"recovery,omitempty"`
}

type SyncIdentityCreated struct {
	IdentityID string `json:"identity_id"`
	DeviceID   string `json:"device_id"`
}

type SyncState struct {
	Epoch       int64        `json:"epoch"`
	HeadSeq     int64        `json:"head_seq"`
	SnapshotSeq int64        `json:"snapshot_seq"`
	RotationDue bool         `json:"rotation_due"`
	Devices     []SyncDevice `json:"devices"`
}

type SyncDevice struct {
	ID         string    `json:"id"`
	SigningKey string    `json:"signing_key"`
	WrapKey    string    `json:"wrap_key"`
	Meta       string    `json:"meta"`
	AddedAt    time.Time `json:"added_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

type SyncChangeRequest struct {
	Counter    int64  `json:"counter"`
	Epoch      int64  `json:"epoch"`
	Ciphertext string `json:"ciphertext"`
}

type SyncChangeCreated struct {
	Seq int64 `json:"seq"`
}

// SyncChange is a stored change; a snapshot has the same fields (its seq
// is the newest change it covers).
type SyncChange struct {
	Seq        int64     `json:"seq"`
	Epoch      int64     `json:"epoch"`
	DeviceID   string    `json:"device_id"`
	Counter    int64     `json:"counter"`
	Ciphertext string    `json:"ciphertext"`
	CreatedAt  time.Time `json:"created_at"`
}

type SyncChangeList struct {
	Changes []SyncChange `json:"changes"`
	HeadSeq int64        `json:"head_seq"`
}

type SyncSnapshotRequest struct {
	Counter    int64  `json:"counter"`
	Epoch      int64  `json:"epoch"`
	Seq        int64  `json:"seq"`
	Ciphertext string `json:"ciphertext"`
}

type SyncEnvelope struct {
	Epoch    int64  `json:"epoch"`
	Envelope string `json:"envelope"`
}

// SyncCounter is the body of a request that changes something and needs
// nothing else (opening a pairing slot, removing a device).
type SyncCounter struct {
	Counter int64 `json:"counter"`
}

type SyncPairingCreated struct {
	PairingID string    `json:"pairing_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

type SyncJoinRequest struct {
	SigningKey string `json:"signing_key"`
	WrapKey    string `json:"wrap_key"`
	Meta       string `json:"meta"`
	MAC        string `json:"mac"`
}

// SyncPairing is a slot as a device of the identity sees it; Join is null
// while it waits.
type SyncPairing struct {
	State     string    `json:"state"`
	ExpiresAt time.Time `json:"expires_at"`
	Join      *SyncJoin `json:"join"`
}

type SyncJoin struct {
	SigningKey string    `json:"signing_key"`
	WrapKey    string    `json:"wrap_key"`
	Meta       string    `json:"meta"`
	MAC        string    `json:"mac"`
	JoinedAt   time.Time `json:"joined_at"`
}

type SyncApproveRequest struct {
	Counter  int64  `json:"counter"`
	Epoch    int64  `json:"epoch"`
	Envelope string `json:"envelope"`
}

type SyncDeviceCreated struct {
	DeviceID string `json:"device_id"`
}

// SyncPairingStatus is a slot as the joining browser sees it; DeviceID is
// set once approved.
type SyncPairingStatus struct {
	State    string `json:"state"`
	DeviceID string `json:"device_id,omitempty"`
}

type SyncRotationRequest struct {
	Counter   int64                `json:"counter"`
	Epoch     int64                `json:"epoch"`
	Envelopes map[string]string    `json:"envelopes"`
	Snapshot  SyncRotationSnapshot `json:"snapshot"`
}

type SyncRotationSnapshot struct {
	Seq        int64  `json:"seq"`
	Ciphertext string `json:"ciphertext"`
}

type SyncRecoveryRequest struct {
	SigningKey string `json:"signing_key"`
	WrapKey    string `json:"wrap_key"`
	Meta       string `json:"meta"`
}

type SyncRecovered struct {
	DeviceID string `json:"device_id"`
	Epoch    int64  `json:"epoch"`
	Envelope string `json:"envelope"`
}
