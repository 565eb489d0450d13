package pushproto

import (
	"encoding/binary"
	"strconv"
)

// Kind is a frame's first byte.
type Kind byte

// Frame kinds. Server to device: Nonce, Ready, Prompt, Settled. Device to
// server: Hello, Answer.
const (
	KindNonce   Kind = 1 // nonce
	KindHello   Kind = 2 // device id, signature
	KindReady   Kind = 3 // server time (Unix ms)
	KindPrompt  Kind = 4 // a challenge to show
	KindAnswer  Kind = 5 // challenge id, decision, number, signature
	KindSettled Kind = 6 // challenge id, outcome: the prompt can go
)

// Prompt is a challenge as a device shows it. Numbers are three candidates,
// one of them the number shown on the sign-in page, in random order.
type Prompt struct {
	ChallengeID string
	Numbers     [3]int
	Service     string // what is being signed into (the issuer)
	Account     string // the account's name there (email)
	ClientAddr  string // the signing-in browser's address
	Browser     string // a short summary of its User-Agent
	CreatedMs   int64  // Unix milliseconds
	ExpiresMs   int64
}

// Outcomes of a settled challenge, as sent to devices and browsers.
const (
	OutcomeApproved = "approved"
	OutcomeDenied   = "denied"
	OutcomeReported = "reported"
	OutcomeFailed   = "failed"  // a wrong number or a locked account
	OutcomeExpired  = "expired" // nobody answered in time
	OutcomeRejected = "rejected"
)

// Settled says a challenge is over (answered here or elsewhere, or expired).
type Settled struct {
	ChallengeID string
	Outcome     string
}

// Hello is the device's signed answer to the nonce.
type Hello struct {
	DeviceID  string
	Signature []byte
}

// AnswerFrame carries an Answer (without origin and device id, which the
// connection fixes) and its signature.
type AnswerFrame struct {
	ChallengeID string
	Decision    Decision
	Number      int
	Signature   []byte
}

// Frame encoders.

func frame(k Kind, fields ...string) []byte {
	b := []byte{byte(k)}
	for _, f := range fields {
		b = appendField(b, f)
	}
	return b
}

// EncodeNonce makes a Nonce frame.
func EncodeNonce(nonce []byte) []byte { return frame(KindNonce, string(nonce)) }

// EncodeHello makes a Hello frame.
func EncodeHello(h Hello) []byte { return frame(KindHello, h.DeviceID, string(h.Signature)) }

// EncodeReady makes a Ready frame.
func EncodeReady(serverMs int64) []byte { return frame(KindReady, strconv.FormatInt(serverMs, 10)) }

// EncodePrompt makes a Prompt frame.
func EncodePrompt(p Prompt) []byte {
	return frame(KindPrompt, p.ChallengeID, strconv.Itoa(p.Numbers[0]), strconv.Itoa(p.Numbers[1]), strconv.Itoa(p.Numbers[2]),
		p.Service, p.Account, p.ClientAddr, p.Browser, strconv.FormatInt(p.CreatedMs, 10), strconv.FormatInt(p.ExpiresMs, 10))
}

// EncodeAnswer makes an Answer frame.
func EncodeAnswer(a AnswerFrame) []byte {
	return frame(KindAnswer, a.ChallengeID, string(a.Decision), strconv.Itoa(a.Number), string(a.Signature))
}

// EncodeSettled makes a Settled frame.
func EncodeSettled(s Settled) []byte { return frame(KindSettled, s.ChallengeID, s.Outcome) }

// Decoding.

// Frame is a decoded frame: its kind and raw fields.
type Frame struct {
	Kind   Kind
	Fields []string
}

// Decode splits a frame into its kind and fields. It refuses frames over
// MaxFrame, fields over their limit, truncated fields and trailing bytes.
func Decode(b []byte) (Frame, error) {
	if len(b) < 1 || len(b) > MaxFrame {
		return Frame{}, ErrMalformed
	}
	f := Frame{Kind: Kind(b[0])}
	b = b[1:]
	for len(b) > 0 {
		if len(b) < 4 {
			return Frame{}, ErrMalformed
		}
		n := binary.BigEndian.Uint32(b)
		b = b[4:]
		if n > maxField || uint64(n) > uint64(len(b)) || len(f.Fields) >= 16 {
			return Frame{}, ErrMalformed
		}
		f.Fields = append(f.Fields, string(b[:n]))
		b = b[n:]
	}
	return f, nil
}

func (f Frame) want(k Kind, n int) error {
	if f.Kind != k || len(f.Fields) != n {
		return ErrMalformed
	}
	return nil
}

// atoi parses a small non-negative decimal without sign or leading zeros.
func atoi(s string, max int64) (int64, error) {
	if s == "" || len(s) > 19 || (len(s) > 1 && s[0] == '0') {
		return 0, ErrMalformed
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, ErrMalformed
		}
		n = n*10 + int64(c-'0')
		if n > max {
			return 0, ErrMalformed
		}
	}
	return n, nil
}

const maxMs = 1 << 53

// Nonce reads a Nonce frame.
func (f Frame) Nonce() ([]byte, error) {
	if err := f.want(KindNonce, 1); err != nil || len(f.Fields[0]) != NonceSize {
		return nil, ErrMalformed
	}
	return []byte(f.Fields[0]), nil
}

// Hello reads a Hello frame.
func (f Frame) Hello() (Hello, error) {
	if err := f.want(KindHello, 2); err != nil || f.Fields[0] == "" || len(f.Fields[0]) > 64 {
		return Hello{}, ErrMalformed
	}
	return Hello{DeviceID: f.Fields[0], Signature: []byte(f.Fields[1])}, nil
}

// Ready reads a Ready frame.
func (f Frame) Ready() (int64, error) {
	if err := f.want(KindReady, 1); err != nil {
		return 0, err
	}
	return atoi(f.Fields[0], maxMs)
}

// Prompt reads a Prompt frame.
func (f Frame) Prompt() (Prompt, error) {
	if err := f.want(KindPrompt, 10); err != nil || f.Fields[0] == "" {
		return Prompt{}, ErrMalformed
	}
	p := Prompt{ChallengeID: f.Fields[0], Service: f.Fields[4], Account: f.Fields[5], ClientAddr: f.Fields[6], Browser: f.Fields[7]}
	for i := range 3 {
		n, err := atoi(f.Fields[1+i], 99)
		if err != nil || n < 10 {
			return Prompt{}, ErrMalformed
		}
		p.Numbers[i] = int(n)
	}
	var err1, err2 error
	p.CreatedMs, err1 = atoi(f.Fields[8], maxMs)
	p.ExpiresMs, err2 = atoi(f.Fields[9], maxMs)
	if err1 != nil || err2 != nil {
		return Prompt{}, ErrMalformed
	}
	return p, nil
}

// Answer reads an Answer frame.
func (f Frame) Answer() (AnswerFrame, error) {
	if err := f.want(KindAnswer, 4); err != nil || f.Fields[0] == "" || len(f.Fields[0]) > 64 {
		return AnswerFrame{}, ErrMalformed
	}
	a := AnswerFrame{ChallengeID: f.Fields[0], Decision: Decision(f.Fields[1]), Signature: []byte(f.Fields[3])}
	n, err := atoi(f.Fields[2], 99)
	if err != nil || !a.Decision.Valid() {
		return AnswerFrame{}, ErrMalformed
	}
	a.Number = int(n)
	return a, nil
}

// Settled reads a Settled frame.
func (f Frame) Settled() (Settled, error) {
	if err := f.want(KindSettled, 2); err != nil || f.Fields[0] == "" {
		return Settled{}, ErrMalformed
	}
	return Settled{ChallengeID: f.Fields[0], Outcome: f.Fields[1]}, nil
}
