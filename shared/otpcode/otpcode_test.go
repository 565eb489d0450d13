package otpcode

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// The seeds of the RFCs: RFC 4226 Appendix D uses the 20-byte ASCII string
// below; RFC 6238 Appendix B repeats it to 32 bytes for SHA256 and to 64 for
// SHA512 (its reference code's seed32 and seed64; the RFC's prose says 20
// bytes for all three, but its published values need these).
var (
	seed20 = []byte("12345678901234567890")
	seed32 = []byte("12345678901234567890123456789012")
	seed64 = []byte("1234567890123456789012345678901234567890123456789012345678901234")
)

// Tests from RFC 4226, Appendix D: HOTP-SHA1, 6 digits, counters 0 to 9.
var rfc4226Tests = []struct {
	counter uint64
	code    string
}{
	{0, "755224"},
	{1, "287082"},
	{2, "359152"},
	{3, "969429"},
	{4, "338314"},
	{5, "254676"},
	{6, "287922"},
	{7, "162583"},
	{8, "399871"},
	{9, "520489"},
}

// Tests from RFC 6238, Appendix B: TOTP, 8 digits, 30 s steps.
var rfc6238Tests = []struct {
	unix      int64
	algorithm otpauth.Algorithm
	seed      []byte
	code      string
}{
	{59, otpauth.SHA1, seed20, "94287082"},
	{59, otpauth.SHA256, seed32, "46119246"},
	{59, otpauth.SHA512, seed64, "90693936"},
	{1111111109, otpauth.SHA1, seed20, "07081804"},
	{1111111109, otpauth.SHA256, seed32, "68084774"},
	{1111111109, otpauth.SHA512, seed64, "25091201"},
	{1111111111, otpauth.SHA1, seed20, "14050471"},
	{1111111111, otpauth.SHA256, seed32, "67062674"},
	{1111111111, otpauth.SHA512, seed64, "99943326"},
	{1234567890, otpauth.SHA1, seed20, "89005924"},
	{1234567890, otpauth.SHA256, seed32, "91819424"},
	{1234567890, otpauth.SHA512, seed64, "93441116"},
	{2000000000, otpauth.SHA1, seed20, "69279037"},
	{2000000000, otpauth.SHA256, seed32, "90698825"},
	{2000000000, otpauth.SHA512, seed64, "38618901"},
	{20000000000, otpauth.SHA1, seed20, "65353130"},
	{20000000000, otpauth.SHA256, seed32, "77737706"},
	{20000000000, otpauth.SHA512, seed64, "47863826"},
}

func TestRFC4226(t *testing.T) {
	for _, tt := range rfc4226Tests {
		code, err := HOTP(seed20, Params{Algorithm: otpauth.SHA1, Digits: 6}, tt.counter)
		if err != nil || code != tt.code {
			t.Errorf("HOTP(counter %d) = %q, %v; want %q", tt.counter, code, err, tt.code)
		}
	}
}

func TestRFC6238(t *testing.T) {
	for _, tt := range rfc6238Tests {
		p := Params{Algorithm: tt.algorithm, Digits: 8, Period: 30}
		code, err := TOTP(tt.seed, p, time.Unix(tt.unix, 0))
		if err != nil || code != tt.code {
			t.Errorf("TOTP(%s, %d) = %q, %v; want %q", tt.algorithm, tt.unix, code, err, tt.code)
		}
	}
}

func TestGenerate(t *testing.T) {
	hotpKey := &otpauth.Key{Type: otpauth.HOTP, Secret: seed20, Algorithm: otpauth.SHA1, Digits: 6, Counter: 9}
	totpKey := &otpauth.Key{Type: otpauth.TOTP, Secret: seed64, Algorithm: otpauth.SHA512, Digits: 8, Period: 30}
	for _, tt := range []struct {
		key  *otpauth.Key
		want string
	}{{hotpKey, "520489"}, {totpKey, "90693936"}} {
		if got, err := Generate(tt.key, time.Unix(59, 0)); err != nil || got != tt.want {
			t.Errorf("Generate(%s) = %q, %v; want %q", tt.key.Type, got, err, tt.want)
		}
	}
}

func TestBadParams(t *testing.T) {
	for _, tt := range []struct {
		name   string
		secret []byte
		p      Params
		want   error
	}{
		{"MD5", seed20, Params{Algorithm: "MD5"}, otpauth.ErrAlgorithm},
		{"algorithm in lower case", seed20, Params{Algorithm: "sha1"}, otpauth.ErrAlgorithm},
		{"5 digits", seed20, Params{Digits: 5}, otpauth.ErrDigits},
		{"9 digits", seed20, Params{Digits: 9}, otpauth.ErrDigits},
		{"negative period", seed20, Params{Period: -30}, otpauth.ErrPeriod},
		{"period over an hour", seed20, Params{Period: 3601}, otpauth.ErrPeriod},
		{"no secret", nil, Params{}, otpauth.ErrSecretMissing},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := HOTP(tt.secret, tt.p, 0); !errors.Is(err, tt.want) {
				t.Errorf("HOTP: %v, want %v", err, tt.want)
			}
			if _, err := TOTP(tt.secret, tt.p, time.Unix(59, 0)); !errors.Is(err, tt.want) {
				t.Errorf("TOTP: %v, want %v", err, tt.want)
			}
			if _, _, err := VerifyTOTP(tt.secret, tt.p, "123456", time.Unix(59, 0), 1); !errors.Is(err, tt.want) {
				t.Errorf("VerifyTOTP: %v, want %v", err, tt.want)
			}
		})
	}
}

func TestStepAndRemaining(t *testing.T) {
	for _, tt := range []struct {
		t         time.Time
		period    int
		step      uint64
		remaining time.Duration
	}{
		{time.Unix(0, 0), 30, 0, 30 * time.Second},
		{time.Unix(59, 0), 30, 1, time.Second},
		{time.Unix(59, 250_000_000), 30, 1, 750 * time.Millisecond},
		{time.Unix(60, 0), 30, 2, 30 * time.Second},
		{time.Unix(1111111111, 0), 60, 18518518, 29 * time.Second},
		{time.Unix(1<<34, 0), 1, 1 << 34, time.Second},
		{time.Unix(1<<34, 0), 3600, 4772185, 416 * time.Second},
		{time.Unix(-10, 0), 30, 0, 40 * time.Second},
		{time.Unix(45, 0), 0, 1, 15 * time.Second}, // 0 means the default, 30
		{time.Unix(45, 0), -5, 1, 15 * time.Second},
	} {
		if got := Step(tt.t, tt.period); got != tt.step {
			t.Errorf("Step(%d, %d) = %d, want %d", tt.t.Unix(), tt.period, got, tt.step)
		}
		if got := Remaining(tt.t, tt.period); got != tt.remaining {
			t.Errorf("Remaining(%v, %d) = %v, want %v", tt.t.Unix(), tt.period, got, tt.remaining)
		}
	}
}

func TestNormalizeCode(t *testing.T) {
	for _, tt := range []struct {
		input  string
		digits int
		want   string
		err    error
	}{
		{"123456", 6, "123456", nil},
		{"123 456", 6, "123456", nil},
		{" 123-456\n", 6, "123456", nil},
		{"1 2 3 4 5 6 7 8", 8, "12345678", nil},
		{"1234567", 7, "1234567", nil},
		{"012345", 0, "012345", nil},
		{"12345", 6, "", ErrCodeFormat},
		{"1234567", 6, "", ErrCodeFormat},
		{"12345a", 6, "", ErrCodeFormat},
		{"", 6, "", ErrCodeFormat},
		{"١٢٣٤٥٦", 6, "", ErrCodeFormat},     // Arabic-Indic digits
		{"１２３４５６", 6, "", ErrCodeFormat},     // fullwidth digits
		{"+12345", 6, "", ErrCodeFormat},     // a sign is not a digit
		{"123456\x00", 6, "", ErrCodeFormat}, // NUL
		{string(make([]byte, 100)), 6, "", ErrCodeFormat},
		{"123456", 5, "", otpauth.ErrDigits},
		{"123456789", 9, "", otpauth.ErrDigits},
	} {
		got, err := NormalizeCode(tt.input, tt.digits)
		if got != tt.want || !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
			t.Errorf("NormalizeCode(%q, %d) = %q, %v; want %q, %v", tt.input, tt.digits, got, err, tt.want, tt.err)
		}
	}
}

// collision is a pair of RFC 4226 counters whose 6-digit SHA1 codes are
// equal (found by search): the verifiers must report the later one.
const (
	collisionFirst  = 103424
	collisionSecond = 103427
	collisionCode   = "746629"
)

func TestVerifyTOTP(t *testing.T) {
	p := Params{Algorithm: otpauth.SHA1, Digits: 8, Period: 30}
	now := time.Unix(1111111111, 0) // step 37037037
	codeAt := func(step int64) string {
		code, err := TOTP(seed20, p, time.Unix(step*30, 0))
		if err != nil {
			t.Fatal(err)
		}
		return code
	}
	for _, tt := range []struct {
		name string
		p    Params
		code string
		at   time.Time
		skew uint
		step uint64
		ok   bool
		err  error
	}{
		{"current step", p, "14050471", now, 1, 37037037, true, nil},
		{"RFC value with spaces", p, "1405 0471", now, 0, 37037037, true, nil},
		{"previous step within skew", p, codeAt(37037036), now, 1, 37037036, true, nil},
		{"next step within skew", p, codeAt(37037038), now, 1, 37037038, true, nil},
		{"two steps back, skew 1", p, codeAt(37037035), now, 1, 0, false, nil},
		{"two steps back, skew 2", p, codeAt(37037035), now, 2, 37037035, true, nil},
		{"previous step, skew 0", p, codeAt(37037036), now, 0, 0, false, nil},
		{"wrong code", p, "00000000", now, 1, 0, false, nil},
		{"window clipped at step 0", p, "94287082", time.Unix(5, 0), 3, 1, true, nil},
		{"two steps share a code: the later wins", Params{Digits: 6}, collisionCode, time.Unix((collisionFirst+1)*30, 0), 2, collisionSecond, true, nil},
		{"too short", p, "1405047", now, 1, 0, false, ErrCodeFormat},
		{"letters", p, "1405047l", now, 1, 0, false, ErrCodeFormat},
		{"skew over the limit", p, "14050471", now, MaxWindow + 1, 0, false, ErrWindow},
	} {
		t.Run(tt.name, func(t *testing.T) {
			step, ok, err := VerifyTOTP(seed20, tt.p, tt.code, tt.at, tt.skew)
			if step != tt.step || ok != tt.ok || !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Errorf("VerifyTOTP = %d, %v, %v; want %d, %v, %v", step, ok, err, tt.step, tt.ok, tt.err)
			}
		})
	}
}

func TestVerifyHOTP(t *testing.T) {
	p := Params{Algorithm: otpauth.SHA1, Digits: 6}
	for _, tt := range []struct {
		name    string
		code    string
		counter uint64
		window  uint
		matched uint64
		ok      bool
		err     error
	}{
		{"at the counter", "755224", 0, 0, 0, true, nil},
		{"ahead within the window", "520489", 5, 4, 9, true, nil},
		{"ahead past the window", "520489", 5, 3, 0, false, nil},
		{"behind the counter", "755224", 1, 10, 0, false, nil},
		{"two counters share a code: the later wins", collisionCode, collisionFirst, 3, collisionSecond, true, nil},
		{"window clipped at the last counter", "000000", math.MaxUint64 - 1, 5, 0, false, nil},
		{"malformed", "75522", 0, 1, 0, false, ErrCodeFormat},
		{"window over the limit", "755224", 0, MaxWindow + 1, 0, false, ErrWindow},
	} {
		t.Run(tt.name, func(t *testing.T) {
			matched, ok, err := VerifyHOTP(seed20, p, tt.code, tt.counter, tt.window)
			if matched != tt.matched || ok != tt.ok || !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Errorf("VerifyHOTP = %d, %v, %v; want %d, %v, %v", matched, ok, err, tt.matched, tt.ok, tt.err)
			}
		})
	}
}

func BenchmarkVerifyTOTP(b *testing.B) {
	p := Params{Algorithm: otpauth.SHA1, Digits: 6, Period: 30}
	now := time.Unix(1111111111, 0)
	for b.Loop() {
		if _, _, err := VerifyTOTP(seed20, p, "000000", now, 1); err != nil {
			b.Fatal(err)
		}
	}
}

// ResyncHOTP on the RFC 4226 Appendix D codes: two consecutive codes give
// the counter after them, from anywhere before them in the window.
func TestResyncHOTP(t *testing.T) {
	p := Params{Algorithm: otpauth.SHA1, Digits: 6}
	for i := 0; i+1 < len(rfc4226Tests); i++ {
		c1, c2 := rfc4226Tests[i].code, rfc4226Tests[i+1].code
		for _, from := range []uint64{0, rfc4226Tests[i].counter} {
			next, ok, err := ResyncHOTP(seed20, p, from, c1, c2, 10)
			if err != nil || !ok || next != rfc4226Tests[i].counter+2 {
				t.Errorf("codes %d,%d from %d: next %d ok %v err %v", i, i+1, from, next, ok, err)
			}
		}
	}
	// Spaces and dashes as typed.
	if next, ok, _ := ResyncHOTP(seed20, p, 0, "338 314", "254-676", 10); !ok || next != 6 {
		t.Errorf("typed codes: %d %v", next, ok)
	}
	for _, tc := range []struct {
		name         string
		from         uint64
		code1, code2 string
		window       uint
	}{
		{"not consecutive", 0, "755224", "359152", 10},
		{"reversed", 0, "287082", "755224", 10},
		{"behind the start", 5, "755224", "287082", 10},
		{"past the window", 0, "399871", "520489", 5},
	} {
		if next, ok, err := ResyncHOTP(seed20, p, tc.from, tc.code1, tc.code2, tc.window); ok || err != nil {
			t.Errorf("%s: next %d ok %v err %v", tc.name, next, ok, err)
		}
	}
	if _, _, err := ResyncHOTP(seed20, p, 0, "12345", "287082", 10); !errors.Is(err, ErrCodeFormat) {
		t.Errorf("short code: %v", err)
	}
	if _, _, err := ResyncHOTP(seed20, p, 0, "755224", "287082", MaxResyncWindow+1); !errors.Is(err, ErrWindow) {
		t.Errorf("wide window: %v", err)
	}
	if _, _, err := ResyncHOTP(seed20, p, math.MaxUint64-5, "755224", "287082", 10); !errors.Is(err, ErrWindow) {
		t.Errorf("window past the counter space: %v", err)
	}
}
