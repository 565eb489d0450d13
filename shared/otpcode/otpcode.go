package otpcode

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"hash"
	"math"
	"time"
	"unicode"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// ErrCodeFormat is returned by NormalizeCode (and Verify) for input that is not
// exactly the expected number of ASCII digits after removing spaces and dashes.
var ErrCodeFormat = errors.New("the code must be the expected number of digits")

// ErrWindow is returned by VerifyTOTP and VerifyHOTP for a skew or window over
// MaxWindow: a window that wide would accept a guess too easily.
var ErrWindow = errors.New("the skew or window is too large")

// MaxWindow bounds the skew of VerifyTOTP and the look-ahead of VerifyHOTP.
const MaxWindow = 100

// maxCodeInput bounds what NormalizeCode reads: a code with generous spacing
// fits, a pasted essay does not.
const maxCodeInput = 64

// Params are the code parameters of a key. A zero field means its default
// (SHA1, 6 digits, 30 s), as in a URI that leaves it out.
type Params struct {
	Algorithm otpauth.Algorithm
	Digits    int
	Period    int // seconds (TOTP)
}

// ParamsOf returns the code parameters of k.
func ParamsOf(k *otpauth.Key) Params {
	return Params{Algorithm: k.Algorithm, Digits: k.Digits, Period: k.Period}
}

// withDefaults fills zero fields and checks the rest against otpauth's rules.
func (p Params) withDefaults() (Params, error) {
	if p.Algorithm == "" {
		p.Algorithm = otpauth.DefaultAlgorithm
	}
	if p.Digits == 0 {
		p.Digits = otpauth.DefaultDigits
	}
	if p.Period == 0 {
		p.Period = otpauth.DefaultPeriod
	}
	if p.Digits < otpauth.MinDigits || p.Digits > otpauth.MaxDigits {
		return p, otpauth.ErrDigits
	}
	if p.Period < 1 || p.Period > otpauth.MaxPeriod {
		return p, otpauth.ErrPeriod
	}
	return p, nil
}

// generator computes codes for one secret: RFC 4226's HMAC of the counter
// (crypto/hmac over SHA-1, SHA-256 or SHA-512, as RFC 6238 extends it)
// and its dynamic truncation to Digits decimal digits.
type generator struct {
	hash   func() hash.Hash
	secret []byte
	p      Params
}

func newGenerator(secret []byte, p Params) (*generator, error) {
	p, err := p.withDefaults()
	if err != nil {
		return nil, err
	}
	g := &generator{secret: secret, p: p}
	switch p.Algorithm {
	case otpauth.SHA1:
		g.hash = sha1.New
	case otpauth.SHA256:
		g.hash = sha256.New
	case otpauth.SHA512:
		g.hash = sha512.New
	default:
		return nil, otpauth.ErrAlgorithm
	}
	if len(secret) == 0 {
		return nil, otpauth.ErrSecretMissing
	}
	return g, nil
}

// powers10 are the moduli of 6, 7 and 8 digits.
var powers10 = [...]uint32{6: 1_000_000, 7: 10_000_000, 8: 100_000_000}

func (g *generator) code(counter uint64) (string, error) {
	mac := hmac.New(g.hash, g.secret)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	offset := sum[len(sum)-1] & 0x0f
	n := binary.BigEndian.Uint32(sum[offset:]) & 0x7fffffff % powers10[g.p.Digits]
	code := make([]byte, g.p.Digits)
	for i := len(code) - 1; i >= 0; i-- {
		code[i] = byte('0' + n%10)
		n /= 10
	}
	return string(code), nil
}

// HOTP returns the code for counter.
func HOTP(secret []byte, p Params, counter uint64) (string, error) {
	g, err := newGenerator(secret, p)
	if err != nil {
		return "", err
	}
	return g.code(counter)
}

// TOTP returns the code for the time step that contains t.
func TOTP(secret []byte, p Params, t time.Time) (string, error) {
	g, err := newGenerator(secret, p)
	if err != nil {
		return "", err
	}
	return g.code(Step(t, g.p.Period))
}

// Step is the RFC 6238 time step (Unix seconds / period) that contains t.
// Times before 1970 are step 0, and a period under 1 s means the default,
// so Step never divides by zero.
func Step(t time.Time, period int) uint64 {
	if period < 1 {
		period = otpauth.DefaultPeriod
	}
	unix := t.Unix()
	if unix < 0 {
		return 0
	}
	return uint64(unix) / uint64(period)
}

// Remaining is how long the code for t stays current: the time from t to the
// start of the next step.
func Remaining(t time.Time, period int) time.Duration {
	if period < 1 {
		period = otpauth.DefaultPeriod
	}
	next := (Step(t, period) + 1) * uint64(period)
	if next > math.MaxInt64 {
		return 0
	}
	return time.Unix(int64(next), 0).Sub(t)
}

// Generate returns the current code of k: TOTP at t, or HOTP at k.Counter.
func Generate(k *otpauth.Key, t time.Time) (string, error) {
	if k.Type == otpauth.HOTP {
		return HOTP(k.Secret, ParamsOf(k), k.Counter)
	}
	return TOTP(k.Secret, ParamsOf(k), t)
}

// NormalizeCode removes spaces and dashes and checks that exactly digits
// ASCII digits remain (Unicode digits are refused). A digits of 0 means the
// default, 6.
func NormalizeCode(input string, digits int) (string, error) {
	if digits == 0 {
		digits = otpauth.DefaultDigits
	}
	if digits < otpauth.MinDigits || digits > otpauth.MaxDigits {
		return "", otpauth.ErrDigits
	}
	if len(input) > maxCodeInput {
		return "", ErrCodeFormat
	}
	code := make([]byte, 0, digits)
	for _, r := range input {
		switch {
		case r == '-' || unicode.IsSpace(r):
		case '0' <= r && r <= '9' && len(code) < digits:
			code = append(code, byte(r))
		default:
			return "", ErrCodeFormat
		}
	}
	if len(code) != digits {
		return "", ErrCodeFormat
	}
	return string(code), nil
}

// VerifyTOTP normalises code and compares it in constant time with the codes of
// the steps Step(t)-skew … Step(t)+skew. It returns the matched step. Every
// candidate is compared (no early exit) so timing does not reveal which step
// matched. A malformed code returns ErrCodeFormat; a wrong one ok=false.
//
// When two steps of the window share the code (a 1 in 10^digits chance), the
// later step is returned, so a replay check keyed on "steps after the last
// accepted one" can never accept the same code twice. A skew over MaxWindow
// is ErrWindow.
func VerifyTOTP(secret []byte, p Params, code string, t time.Time, skew uint) (step uint64, ok bool, err error) {
	g, err := newGenerator(secret, p)
	if err != nil {
		return 0, false, err
	}
	if skew > MaxWindow {
		return 0, false, ErrWindow
	}
	now := Step(t, g.p.Period)
	first := now - min(now, uint64(skew)) // no step before 0
	return g.verify(code, first, now+uint64(skew))
}

// VerifyHOTP checks code against counters counter … counter+window and returns
// the matched counter (the caller stores matched+1). Like VerifyTOTP it
// compares every candidate and returns the highest match. A window over
// MaxWindow is ErrWindow.
func VerifyHOTP(secret []byte, p Params, code string, counter uint64, window uint) (matched uint64, ok bool, err error) {
	g, err := newGenerator(secret, p)
	if err != nil {
		return 0, false, err
	}
	if window > MaxWindow {
		return 0, false, ErrWindow
	}
	last := counter + uint64(window)
	if last < counter {
		last = math.MaxUint64 // the counter space ends there
	}
	return g.verify(code, counter, last)
}

// verify compares code with the codes of counters first … last, all of them,
// and returns the highest that matched.
func (g *generator) verify(code string, first, last uint64) (matched uint64, ok bool, err error) {
	input, err := NormalizeCode(code, g.p.Digits)
	if err != nil {
		return 0, false, err
	}
	found, offset := 0, 0
	for c := first; ; c++ {
		candidate, err := g.code(c)
		if err != nil {
			return 0, false, err
		}
		eq := subtle.ConstantTimeCompare([]byte(candidate), []byte(input))
		// Select without branching on the comparison: the loop's work and
		// memory writes are the same whether or not this step matched.
		offset = subtle.ConstantTimeSelect(eq, int(c-first), offset)
		found |= eq
		if c == last {
			break
		}
	}
	if found == 0 {
		return 0, false, nil
	}
	return first + uint64(offset), true, nil
}

// MaxResyncWindow bounds the look-ahead of ResyncHOTP. Two consecutive
// codes of 6 digits match by chance once in 10^12 pairs, so even the whole
// window leaves a false match at about one in a billion.
const MaxResyncWindow = 1000

// ResyncHOTP finds where an HOTP token is: the counter c in from … from+window
// whose code is code1 and whose following code (c+1) is code2, two codes the
// token showed one after the other. It returns c+2, the counter of the next
// code not yet shown, and ok=false when no counter in the window gives the
// pair. Codes are normalised as by NormalizeCode (ErrCodeFormat); a window
// over MaxResyncWindow is ErrWindow. It compares every candidate pair, as
// verify does, and returns the first match.
func ResyncHOTP(secret []byte, p Params, from uint64, code1, code2 string, window uint) (next uint64, ok bool, err error) {
	g, err := newGenerator(secret, p)
	if err != nil {
		return 0, false, err
	}
	if window > MaxResyncWindow {
		return 0, false, ErrWindow
	}
	first, err := NormalizeCode(code1, g.p.Digits)
	if err != nil {
		return 0, false, err
	}
	second, err := NormalizeCode(code2, g.p.Digits)
	if err != nil {
		return 0, false, err
	}
	if from > math.MaxUint64-uint64(window)-2 {
		return 0, false, ErrWindow // the window would run past the counter space
	}
	prev, err := g.code(from)
	if err != nil {
		return 0, false, err
	}
	found := 0
	var at uint64
	for c := from; c < from+uint64(window)+1; c++ {
		cur, err := g.code(c + 1)
		if err != nil {
			return 0, false, err
		}
		eq := subtle.ConstantTimeCompare([]byte(prev), []byte(first)) & subtle.ConstantTimeCompare([]byte(cur), []byte(second))
		if eq == 1 && found == 0 {
			at = c
		}
		found |= eq
		prev = cur
	}
	if found == 0 {
		return 0, false, nil
	}
	return at + 2, true, nil
}
