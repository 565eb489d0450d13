package otpcode

import (
	"errors"
	"time"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// ErrCodeFormat is returned by NormalizeCode (and Verify) for input that is not
// exactly the expected number of ASCII digits after removing spaces and dashes.
var ErrCodeFormat = errors.New("otpcode: code must be the expected number of digits")

// Params are the code parameters of a key.
type Params struct {
	Algorithm otpauth.Algorithm
	Digits    int
	Period    int // seconds (TOTP)
}

// ParamsOf returns the code parameters of k.
func ParamsOf(k *otpauth.Key) Params { panic("otpcode: implement") }

// HOTP returns the code for counter.
func HOTP(secret []byte, p Params, counter uint64) (string, error) { panic("otpcode: implement") }

// TOTP returns the code for the time step that contains t.
func TOTP(secret []byte, p Params, t time.Time) (string, error) { panic("otpcode: implement") }

// Step is the RFC 6238 time step (Unix seconds / period) that contains t.
func Step(t time.Time, period int) uint64 { panic("otpcode: implement") }

// Remaining is how long the code for t stays current.
func Remaining(t time.Time, period int) time.Duration { panic("otpcode: implement") }

// Generate returns the current code of k: TOTP at t, or HOTP at k.Counter.
func Generate(k *otpauth.Key, t time.Time) (string, error) { panic("otpcode: implement") }

// NormalizeCode removes spaces and dashes and checks that exactly digits
// ASCII digits remain (Unicode digits are refused).
func NormalizeCode(input string, digits int) (string, error) { panic("otpcode: implement") }

// VerifyTOTP normalises code and compares it in constant time with the codes of
// the steps Step(t)-skew … Step(t)+skew. It returns the matched step. Every
// candidate is compared (no early exit) so timing does not reveal which step
// matched. A malformed code returns ErrCodeFormat; a wrong one ok=false.
func VerifyTOTP(secret []byte, p Params, code string, t time.Time, skew uint) (step uint64, ok bool, err error) {
	panic("otpcode: implement")
}

// VerifyHOTP checks code against counters counter … counter+window and returns
// the matched counter (the caller stores matched+1).
func VerifyHOTP(secret []byte, p Params, code string, counter uint64, window uint) (matched uint64, ok bool, err error) {
	panic("otpcode: implement")
}
