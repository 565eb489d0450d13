package syncproto

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Request headers of a signed request.
const (
	HeaderDevice    = "Twofold-Sync-Device"
	HeaderTime      = "Twofold-Sync-Time"
	HeaderSignature = "Twofold-Sync-Signature"
)

// Values of HeaderDevice for a signer that is not (yet) a device of the
// identity.
const (
	// SignerNew signs the request that creates an identity, with the key
	// the body names as the first device's signing_key.
	SignerNew = "new"
	// SignerJoin signs a joining browser's status requests for its
	// pairing, with the signing key it joined with.
	SignerJoin = "join"
	// SignerRecovery signs a recovery, with the recovery signing key.
	SignerRecovery = "recovery"
)

// RecoveryRecipient names the recovery wrap key among an epoch's envelope
// recipients (the others are device ids).
const RecoveryRecipient = "recovery"

// Sizes and limits.
const (
	KeySize      = 32 // Ed25519 and X25519 public keys
	MACSize      = 32 // a pairing join's HMAC-SHA256
	EnvelopeSize = 92 // eph_pub(32) ‖ nonce(12) ‖ AES-256-GCM of a 32-byte key (48)
	MaxMeta      = 1 << 10
	MaxChange    = 48 << 10 // a change's ciphertext
	MaxSnapshot  = 1 << 20  // a snapshot's ciphertext
	// MaxCounter is the largest counter, and MaxEpoch the largest epoch:
	// counters are exact in a JavaScript number, epochs fit the uint32 of
	// the associated data.
	MaxCounter = 1<<53 - 1
	MaxEpoch   = 1<<32 - 1
	// MaxSkew is how far a request's time may be from the server's.
	MaxSkew = 5 * time.Minute
	// PairingTTL is how long a pairing slot takes a join and an approval.
	PairingTTL = 5 * time.Minute
)

const requestDomain = "twofold-sync-request-v1\n"

// RequestMessage is what a signed request's signature covers:
//
//	twofold-sync-request-v1 \n METHOD \n TARGET \n TIME \n hex(SHA-256(body))
//
// TARGET is the request's path from /api/v1 on with its query string, as
// sent; TIME is the Twofold-Sync-Time header as sent (Unix seconds in
// decimal).
func RequestMessage(method, target, unixTime string, body []byte) []byte {
	sum := sha256.Sum256(body)
	var b strings.Builder
	b.Grow(len(requestDomain) + len(method) + len(target) + len(unixTime) + 3 + 2*len(sum))
	b.WriteString(requestDomain)
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(target)
	b.WriteByte('\n')
	b.WriteString(unixTime)
	b.WriteByte('\n')
	b.WriteString(hex.EncodeToString(sum[:]))
	return []byte(b.String())
}

// FormatTime is a time as Twofold-Sync-Time carries it.
func FormatTime(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// derivedID is prefix + 16 lower-case base32 characters of the first 80
// bits of SHA-256 over the parts.
func derivedID(prefix string, parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return prefix + strings.ToLower(idEncoding.EncodeToString(h.Sum(nil)[:10]))
}

// IdentityID is the id of the identity whose first device has signingKey:
// "sid_" + base32(SHA-256("twofold-sync-identity-v1\n" ‖ signing key)[:10]).
// The first browser knows it before it asks (its envelopes name it).
func IdentityID(signingKey []byte) string {
	return derivedID("sid_", []byte("twofold-sync-identity-v1\n"), signingKey)
}

// DeviceID is the id of the identity's device with signingKey:
// "sdv_" + base32(SHA-256("twofold-sync-device-v1\n" ‖ identity id ‖ "\n" ‖
// signing key)[:10]). A browser knows its id before the server adds it.
func DeviceID(identityID string, signingKey []byte) string {
	return derivedID("sdv_", []byte("twofold-sync-device-v1\n"), []byte(identityID), []byte("\n"), signingKey)
}
