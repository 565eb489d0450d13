package transfer

import (
	"io"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/transfer/transfertest"
)

// The writers of every format live in transfertest, where the CLI's tests
// use them too.

var (
	seed20      = transfertest.Seed20
	seed32      = transfertest.Seed32
	seed64      = transfertest.Seed64
	steamSecret = transfertest.SteamSecret
	sample      = fromTest(transfertest.Sample)
)

func b32(b []byte) string          { return transfertest.B32(b) }
func testRand(seed byte) io.Reader { return transfertest.Rand(seed) }

// fromTest is what Import must give for entries a writer was handed.
func fromTest(es []transfertest.Entry) []Entry {
	out := make([]Entry, len(es))
	for i, e := range es {
		out[i] = Entry{Type: Type(e.Type), Issuer: e.Issuer, Account: e.Account, Secret: e.Secret,
			Algorithm: otpauth.Algorithm(e.Algorithm), Digits: e.Digits, Period: e.Period, Counter: e.Counter}
	}
	return out
}

// only keeps the entries for which keep is true.
func only(es []transfertest.Entry, keep func(e *transfertest.Entry) bool) []transfertest.Entry {
	var out []transfertest.Entry
	for i := range es {
		if keep(&es[i]) {
			out = append(out, es[i])
		}
	}
	return out
}

func notSteam(e *transfertest.Entry) bool         { return e.Type != string(Steam) }
func onlyTOTPAndSteam(e *transfertest.Entry) bool { return e.Type != string(HOTP) }
func googleFits(e *transfertest.Entry) bool {
	return e.Type == string(HOTP) || e.Type == string(TOTP) && e.Period == 30
}
