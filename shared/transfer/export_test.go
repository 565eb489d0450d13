package transfer

import (
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/transfer/transfertest"
)

// roundTrip imports a written file and checks it gives want back.
func roundTrip(t *testing.T, data []byte, format Format, want []Entry) *Result {
	t.Helper()
	res, err := Import(data, Options{})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if res.Format != format || len(res.Skipped) != 0 || !reflect.DeepEqual(res.Entries, want) {
		t.Fatalf("Import = format %s, skipped %v, entries differ:\n%s", res.Format, res.Skipped, diffEntries(res.Entries, want))
	}
	return res
}

func TestWriteAegis(t *testing.T) {
	data, err := WriteAegis(sample, testRand(9))
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, data, FormatAegis, sample)

	// The shape Aegis's own plain export has.
	var v struct {
		Version int
		Header  struct{ Slots, Params any }
		DB      struct {
			Version int
			Entries []struct {
				Type, UUID string
				Info       map[string]any
			}
		}
	}
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	if v.Version != 1 || v.Header.Slots != nil || v.Header.Params != nil || v.DB.Version != 3 || len(v.DB.Entries) != len(sample) {
		t.Fatalf("not a plain Aegis vault: %+v", v)
	}
	for i, e := range v.DB.Entries {
		_, hasCounter := e.Info["counter"]
		_, hasPeriod := e.Info["period"]
		if !uuid.MatchString(e.UUID) || e.Type != string(sample[i].Type) || hasCounter != (e.Type == "hotp") || hasPeriod == (e.Type == "hotp") {
			t.Errorf("entry %d: %+v", i, e)
		}
	}
}

func TestWriteOTPAuth(t *testing.T) {
	text, err := WriteOTPAuth(sample)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(text, "\n"); n != len(sample) || !strings.Contains(text, "otpauth://steam/Steam:gaben?") {
		t.Errorf("%d lines, want %d, Steam as otpauth://steam:\n%s", n, len(sample), text)
	}
	roundTrip(t, []byte(text), FormatOTPAuth, sample)
}

func TestWriteGoogle(t *testing.T) {
	uris, skipped, err := WriteGoogle(sample, testRand(10))
	if err != nil {
		t.Fatal(err)
	}
	if len(uris) != 1 || len(skipped) != 3 {
		t.Fatalf("%d codes and skipped %v; want 1 code and 3 skipped (60 s, 15 s, Steam)", len(uris), skipped)
	}
	for i, want := range []int{2, 3, 7} {
		if skipped[i].Index != want || !errors.Is(skipped[i].Err, ErrNotExportable) {
			t.Errorf("skipped[%d] = %v, want entry %d not exportable", i, &skipped[i], want)
		}
	}
	roundTrip(t, []byte(strings.Join(uris, "\n")), FormatGoogle, fromTest(only(transfertest.Sample, googleFits)))
}

// TestWriteGoogleBatches: ten accounts a code at most, every code of one
// batch numbered, long names closing a code before it is too dense, and a
// missing code reported on import.
func TestWriteGoogleBatches(t *testing.T) {
	for _, tt := range []struct {
		name     string
		accounts int
		account  string
		codes    int
	}{
		{"25 short", 25, "someone@example.com", 3},
		{"10 exactly", 10, "someone@example.com", 1},
		{"long names", 12, strings.Repeat("a", 200) + "@example.com", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var entries []Entry
			for i := range tt.accounts {
				entries = append(entries, Entry{Type: TOTP, Issuer: "Issuer " + string(rune('A'+i)), Account: tt.account,
					Secret: seed20, Algorithm: otpauth.SHA1, Digits: 6, Period: 30})
			}
			uris, skipped, err := WriteGoogle(entries, testRand(11))
			if err != nil || len(skipped) != 0 {
				t.Fatalf("WriteGoogle: %v, skipped %v", err, skipped)
			}
			if tt.codes != 0 && len(uris) != tt.codes || tt.codes == 0 && len(uris) < 2 {
				t.Fatalf("%d codes, want %d", len(uris), tt.codes)
			}
			var id int32
			total := 0
			for i, uri := range uris {
				p, err := migration.Decode(uri)
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 {
					id = p.BatchID
				}
				if p.BatchID != id || p.BatchSize != len(uris) || p.BatchIndex != i || p.Version != 1 ||
					len(p.Accounts) > GoogleAccountsPerCode || len(p.Accounts) > 1 && len(uri) > GoogleMaxURI {
					t.Errorf("code %d: batch %d %d/%d, %d accounts, %d bytes", i, p.BatchID, p.BatchIndex, p.BatchSize, len(p.Accounts), len(uri))
				}
				total += len(p.Accounts)
			}
			if total != tt.accounts {
				t.Errorf("%d accounts in the codes, want %d", total, tt.accounts)
			}
			res := roundTrip(t, []byte(strings.Join(uris, "\n")), FormatGoogle, entries)
			if len(res.Warnings) != 0 {
				t.Errorf("warnings %q for a whole export", res.Warnings)
			}
			if len(uris) > 1 {
				res, err := Import([]byte(strings.Join(uris[1:], "\n")), Options{})
				if err != nil || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "missing code 1") {
					t.Errorf("without code 1: %v, warnings %q", err, res.Warnings)
				}
			}
		})
	}
}

func TestWriteRefusesInvalid(t *testing.T) {
	bad := []Entry{{Type: TOTP, Account: "a", Secret: seed20, Algorithm: "MD5", Digits: 6, Period: 30}}
	if _, err := WriteAegis(bad, testRand(1)); err == nil {
		t.Error("WriteAegis: an MD5 entry was written")
	}
	if _, err := WriteOTPAuth(bad); err == nil {
		t.Error("WriteOTPAuth: an MD5 entry was written")
	}
	if _, skipped, err := WriteGoogle(bad, testRand(1)); !errors.Is(err, ErrNoAccounts) || len(skipped) != 1 {
		t.Errorf("WriteGoogle: %v, %v", skipped, err)
	}
}

func TestEntryKey(t *testing.T) {
	steam := sample[len(sample)-1]
	if k, err := steam.Key(); !errors.Is(err, ErrNotExportable) || k != nil {
		t.Errorf("Steam Key() = %v, %v; want ErrNotExportable", k, err)
	}
	for i := range sample[:len(sample)-1] {
		k, err := sample[i].Key()
		if err != nil || !reflect.DeepEqual(FromKey(k), sample[i]) {
			t.Errorf("Key/FromKey of %v: %v, %v", sample[i].Label(), k, err)
		}
	}
}

// A Steam account as the authenticator's vault keeps it (a TOTP key with
// encoder=steam), e.g. in a Twofold backup the CLI reads, is a Steam entry.
func TestFromKeyReadsSteamEncoder(t *testing.T) {
	steam := sample[len(sample)-1]
	k := otpauth.Key{Type: otpauth.TOTP, Issuer: steam.Issuer, Account: steam.Account, Secret: steam.Secret,
		Algorithm: otpauth.SHA1, Digits: 6, Period: 30, Extra: []otpauth.Param{{Name: "Encoder", Value: "STEAM"}}}
	if got := FromKey(&k); !reflect.DeepEqual(got, steam) {
		t.Errorf("FromKey = %+v, want %+v", got, steam)
	}
	k.Extra[0].Value = "other"
	if got := FromKey(&k); got.Type != TOTP {
		t.Errorf("another encoder: %+v", got)
	}
}
