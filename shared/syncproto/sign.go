//go:build !(js && wasm)

package syncproto

import (
	"crypto/ed25519"
	"encoding/base64"
	"time"
)

// Signed is what a signed request carries in its headers.
type Signed struct {
	Device, Time, Signature string
}

// Sign signs a request as device (a device id, or SignerNew, SignerJoin or
// SignerRecovery) at time at, for Go clients and tests; the authenticator
// signs with WebCrypto. target is the path from /api/v1 on with its query.
func Sign(key ed25519.PrivateKey, device, method, target string, at time.Time, body []byte) Signed {
	unix := FormatTime(at)
	sig := ed25519.Sign(key, RequestMessage(method, target, unix, body))
	return Signed{Device: device, Time: unix, Signature: base64.RawURLEncoding.EncodeToString(sig)}
}
