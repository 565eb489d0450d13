package syncproto

import (
	"encoding/hex"
	"testing"
	"time"
)

// The public key of the Ed25519 seed of 32 bytes 0x01, the vectors' signer.
var vectorKey, _ = hex.DecodeString("8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c")

// Vectors computed independently (Python's hashlib and base64, and the
// cryptography package's Ed25519 for the signature in sign_test.go), so an
// implementation in another language can check itself against them.
func TestVectors(t *testing.T) {
	if got := IdentityID(vectorKey); got != "sid_m43gspcqjzytqfmf" {
		t.Errorf("identity id %s", got)
	}
	if got := DeviceID("sid_m43gspcqjzytqfmf", vectorKey); got != "sdv_ginkfhqivcmavk26" {
		t.Errorf("device id %s", got)
	}
	msg := RequestMessage("POST", "/api/v1/sync/sid_m43gspcqjzytqfmf/changes", "1772366400", []byte(`{"counter":1}`))
	want := "twofold-sync-request-v1\nPOST\n/api/v1/sync/sid_m43gspcqjzytqfmf/changes\n1772366400\n" +
		"55459e863d1c8fcdaff7ac18549f96db4495ea3a74c4d659e410cd554d65ff43"
	if string(msg) != want {
		t.Errorf("message %q", msg)
	}
	if got := FormatTime(time.Unix(1772366400, 999e6)); got != "1772366400" {
		t.Errorf("time %s", got)
	}
}

// Every part of a request changes the message: a signature covers them
// all, and no two requests share one.
func TestMessageBindsEveryPart(t *testing.T) {
	base := string(RequestMessage("GET", "/api/v1/sync/sid_a/changes?after=1", "100", nil))
	for name, m := range map[string][]byte{
		"method": RequestMessage("PUT", "/api/v1/sync/sid_a/changes?after=1", "100", nil),
		"path":   RequestMessage("GET", "/api/v1/sync/sid_b/changes?after=1", "100", nil),
		"query":  RequestMessage("GET", "/api/v1/sync/sid_a/changes?after=2", "100", nil),
		"time":   RequestMessage("GET", "/api/v1/sync/sid_a/changes?after=1", "101", nil),
		"body":   RequestMessage("GET", "/api/v1/sync/sid_a/changes?after=1", "100", []byte("{}")),
	} {
		if string(m) == base {
			t.Errorf("%s not bound", name)
		}
	}
	if DeviceID("sid_a", vectorKey) == DeviceID("sid_b", vectorKey) {
		t.Error("a key has one device id in every identity")
	}
}
