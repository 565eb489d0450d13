package pushproto

import (
	"encoding/binary"
	"errors"
	"strconv"
	"strings"
)

// Domain strings: the first field of every signed message, so a signature
// made for one purpose never verifies for another.
const (
	helloDomain  = "twofold-push-v1 hello"
	answerDomain = "twofold-push-v1 answer"
)

// Sizes and limits.
const (
	NonceSize = 32
	// MaxFrame is the largest frame either side sends or accepts; the
	// server's websocket read limit.
	MaxFrame = 2048
	// maxField bounds any one string field.
	maxField = 512
)

// Decision is a person's answer to a prompt.
type Decision string

// Decisions. Report is "deny, this wasn't me": it also pauses push for the
// account until its owner signs in another way.
const (
	Approve Decision = "approve"
	Deny    Decision = "deny"
	Report  Decision = "report"
)

// Valid reports whether d is one of the three decisions.
func (d Decision) Valid() bool { return d == Approve || d == Deny || d == Report }

// Errors.
var (
	ErrMalformed = errors.New("malformed frame")
	ErrSignature = errors.New("the signature does not verify")
)

// appendField appends one length-prefixed field.
func appendField(b []byte, s string) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// HelloMessage is what a device signs to authenticate its connection: the
// server's nonce, the server origin as the device knows it (from its
// registration, never from the server's word) and the device id.
func HelloMessage(nonce []byte, origin, deviceID string) []byte {
	b := appendField(nil, helloDomain)
	b = appendField(b, string(nonce))
	b = appendField(b, origin)
	return appendField(b, deviceID)
}

// Answer is a device's signed answer to one challenge.
type Answer struct {
	ChallengeID string
	Decision    Decision
	Number      int // the number the person picked; 0 for a denial
	DeviceID    string
	Origin      string // the server origin, as in the hello
}

// Message is the exact bytes signed for a.
func (a Answer) Message() []byte {
	b := appendField(nil, answerDomain)
	b = appendField(b, a.Origin)
	b = appendField(b, a.ChallengeID)
	b = appendField(b, string(a.Decision))
	b = appendField(b, strconv.Itoa(a.Number))
	return appendField(b, a.DeviceID)
}

// CanonicalOrigin lower-cases an http(s) origin's scheme and host and
// checks its shape: scheme://host[:port], nothing after. Both sides sign
// the canonical form.
func CanonicalOrigin(origin string) (string, error) {
	o := strings.ToLower(strings.TrimSpace(origin))
	rest, ok := strings.CutPrefix(o, "https://")
	if !ok {
		rest, ok = strings.CutPrefix(o, "http://")
	}
	if !ok || rest == "" || len(o) > 256 || strings.ContainsAny(rest, "/?#@ \\") {
		return "", ErrMalformed
	}
	return o, nil
}
