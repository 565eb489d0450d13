package pushproto

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"time"
)

// Registration proof. An authenticator registers its push key for one TOTP
// device by proving it holds that device's seed, without a TOTP code: a
// code would spend a time step the person may still need to sign in, and a
// wrong code would count against the account's sign-in throttle, so anyone
// who knew a device id could lock its owner out. The proof is
//
//	HMAC-SHA256(key = the TOTP seed,
//	            "twofold-push-v1 register" ‖ origin ‖ device id ‖ public key ‖ at)
//
// with each field length-prefixed and at the Unix time in seconds. It is
// 256 bits (not a guessable 6 digits), it is bound to this server, this
// device and this public key, and the server accepts it only within
// RegistrationSkew of its own clock. HMAC keyed by the seed is a different
// function of the seed from the TOTP code (another message, another hash),
// so a proof tells nothing about any code.
const (
	registerDomain = "twofold-push-v1 register"
	// RegistrationSkew is how far the proof's time may be from the server's.
	RegistrationSkew = 5 * time.Minute
	// ProofSize is the length of a registration proof.
	ProofSize = sha256.Size
)

// RegistrationProof computes the proof that the holder of seed registers
// publicKey for deviceID at origin, at time at.
func RegistrationProof(seed []byte, origin, deviceID string, publicKey []byte, at int64) []byte {
	m := appendField(nil, registerDomain)
	m = appendField(m, origin)
	m = appendField(m, deviceID)
	m = appendField(m, string(publicKey))
	m = binary.BigEndian.AppendUint64(m, uint64(at))
	mac := hmac.New(sha256.New, seed)
	mac.Write(m)
	return mac.Sum(nil)
}

// CheckRegistrationProof reports whether proof is seed's proof for the
// other fields, in constant time, and at is within RegistrationSkew of now.
func CheckRegistrationProof(seed []byte, origin, deviceID string, publicKey []byte, at int64, proof []byte, now time.Time) bool {
	d := now.Sub(time.Unix(at, 0))
	if d > RegistrationSkew || d < -RegistrationSkew {
		return false
	}
	return hmac.Equal(proof, RegistrationProof(seed, origin, deviceID, publicKey, at))
}
