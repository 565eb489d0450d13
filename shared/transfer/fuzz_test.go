package transfer

import (
	"errors"
	"reflect"
	"testing"
)

// Fuzz targets: one per format (Import with the format named) and one for
// detection. Each checks, for any input: no panic; an error matches a
// file-level sentinel and comes with no result; a result's entries are
// valid and survive WriteAegis and Import unchanged; each skipped entry has
// an entry-level reason. Inputs are read without a password, so encrypted
// files stop before their key derivation (which is the same code for any
// input and would make each run take a second).

var (
	fileErrors  = []error{ErrUnknownFormat, ErrNotFormat, ErrTooLarge, ErrPasswordRequired, ErrWrongPassword, ErrDamaged, ErrUnsupported, ErrNoAccounts}
	entryErrors = []error{ErrUnsupportedType, ErrUnsupportedAlgorithm, ErrInvalidEntry}
)

func matchesOne(err error, sentinels []error) bool {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

func checkImport(t *testing.T, data []byte, format Format) {
	res, err := Import(data, Options{Format: format, OpenTwofold: testTwofoldOpener})
	if err != nil {
		if res != nil || !matchesOne(err, fileErrors) {
			t.Fatalf("Import(%q) = %+v, %v; want nil and a sentinel", data, res, err)
		}
		return
	}
	for i := range res.Entries {
		if err := res.Entries[i].Validate(); err != nil {
			t.Fatalf("entry %d invalid: %v", i, err)
		}
	}
	for i := range res.Skipped {
		if !matchesOne(res.Skipped[i].Err, entryErrors) {
			t.Fatalf("skipped %d: %v matches no entry sentinel", i, &res.Skipped[i])
		}
	}
	if len(res.Entries) == 0 {
		return
	}
	aegis, err := WriteAegis(res.Entries, testRand(0))
	if err != nil {
		t.Fatalf("WriteAegis: %v", err)
	}
	again, err := Import(aegis, Options{})
	if err != nil || !reflect.DeepEqual(again.Entries, res.Entries) {
		t.Fatalf("round trip through Aegis: %v\n%s", err, diffEntries(again.Entries, res.Entries))
	}
}

func fuzzFormat(f *testing.F, format Format) {
	for _, fx := range fixtures(f) {
		if fx.format == format || format == FormatAuto || format == FormatOTPAuth && fx.kind == kindList {
			f.Add(fx.file)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkImport(t, data, format) })
}

func FuzzDetect(f *testing.F)      { fuzzFormat(f, FormatAuto) }
func FuzzAegis(f *testing.F)       { fuzzFormat(f, FormatAegis) }
func Fuzz2FAS(f *testing.F)        { fuzzFormat(f, Format2FAS) }
func FuzzAndOTP(f *testing.F)      { fuzzFormat(f, FormatAndOTP) }
func FuzzBitwarden(f *testing.F)   { fuzzFormat(f, FormatBitwarden) }
func FuzzFreeOTPPlus(f *testing.F) { fuzzFormat(f, FormatFreeOTPPlus) }
func FuzzEnte(f *testing.F)        { fuzzFormat(f, FormatEnte) }
func FuzzProton(f *testing.F)      { fuzzFormat(f, FormatProton) }
func FuzzStratum(f *testing.F)     { fuzzFormat(f, FormatStratum) }
func FuzzSteam(f *testing.F)       { fuzzFormat(f, FormatSteam) }
func FuzzURIList(f *testing.F)     { fuzzFormat(f, FormatOTPAuth) }
func FuzzTwofold(f *testing.F)     { fuzzFormat(f, FormatTwofold) }
