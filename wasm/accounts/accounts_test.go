package accounts

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
)

// rfcSecret is the ASCII key "12345678901234567890" of RFC 4226 Appendix D
// and RFC 6238 Appendix B.
var rfcSecret = []byte("12345678901234567890")

var epoch = time.Unix(1_700_000_000, 0).UTC()

func rnd() *rand.ChaCha8 { return rand.NewChaCha8([32]byte{7}) }

func totpKey(issuer, account string, secret []byte) otpauth.Key {
	return otpauth.Key{Type: otpauth.TOTP, Issuer: issuer, Account: account, Secret: secret,
		Algorithm: otpauth.SHA1, Digits: 6, Period: 30}
}

// add is a test helper that adds k to s and fails the test on error.
func add(t *testing.T, s *State, r *rand.ChaCha8, k otpauth.Key) (*State, *Account) {
	t.Helper()
	a, err := New(k, r, epoch)
	if err != nil {
		t.Fatal(err)
	}
	n, err := s.Add(a)
	if err != nil {
		t.Fatalf("Add(%s): %v", a.View().Label(), err)
	}
	return n, a
}

func TestAddAndDuplicates(t *testing.T) {
	r := rnd()
	s, first := add(t, &State{}, r, totpKey("Oracle", "ana@example.com", []byte("0123456789abcdef")))
	tests := []struct {
		name       string
		key        otpauth.Key
		sameSecret bool
	}{
		{"same secret, other name", totpKey("Other", "bob", []byte("0123456789abcdef")), true},
		{"same name, other case", totpKey("ORACLE", "Ana@Example.com", []byte("fedcba9876543210")), false},
	}
	for _, tt := range tests {
		a, _ := New(tt.key, r, epoch)
		_, err := s.Add(a)
		var dup *DuplicateError
		if !errors.As(err, &dup) || !errors.Is(err, ErrDuplicate) || dup.SameSecret != tt.sameSecret || dup.Existing.ID != first.ID {
			t.Errorf("%s: err = %v, want duplicate of %s (sameSecret=%v)", tt.name, err, first.ID, tt.sameSecret)
		}
	}
	s2, _ := add(t, s, r, totpKey("Oracle", "bob@example.com", []byte("fedcba9876543210")))
	if s.Len() != 1 || s2.Len() != 2 {
		t.Fatalf("Add changed its receiver or did not add: %d, %d", s.Len(), s2.Len())
	}
	bad := totpKey("Oracle", "", []byte("x"))
	a, _ := New(bad, r, epoch)
	if _, err := s.Add(a); !errors.Is(err, ErrName) {
		t.Fatalf("Add without account name: %v", err)
	}
	bad = totpKey("Ora:cle", "c", []byte("y"))
	a, _ = New(bad, r, epoch)
	if _, err := s.Add(a); err == nil {
		t.Fatal("Add of an invalid key succeeded")
	}
}

func TestManualEntry(t *testing.T) {
	k, err := Manual{Issuer: " Oracle ", Account: "ana", Secret: "jbsw y3dp-ehpk 3pxp"}.Key()
	if err != nil {
		t.Fatal(err)
	}
	if k.Type != otpauth.TOTP || k.Algorithm != otpauth.SHA1 || k.Digits != 6 || k.Period != 30 || k.Issuer != "Oracle" {
		t.Fatalf("defaults not applied: %+v", k)
	}
	k, err = Manual{Account: "ana", Secret: "JBSWY3DPEHPK3PXP", Type: "HOTP", Algorithm: "sha256", Digits: 8, Counter: 5}.Key()
	if err != nil || k.Type != otpauth.HOTP || k.Algorithm != otpauth.SHA256 || k.Counter != 5 || k.Period != 0 {
		t.Fatalf("advanced entry: %+v, %v", k, err)
	}
	_, err = Manual{Account: "ana", Secret: "JBSWYE1P"}.Key()
	if !errors.Is(err, otpauth.ErrBase32) || err.Error() != "the key cannot have '1' (character 7): a key has only the letters A to Z and the digits 2 to 7; did you mean I or L?" {
		t.Fatalf("bad base32: %v", err)
	}
	for _, m := range []Manual{
		{Account: "ana", Secret: ""},
		{Issuer: "Oracle", Secret: "JBSWY3DPEHPK3PXP"},
		{Account: "ana", Secret: "JBSWY3DPEHPK3PXP", Digits: 9},
		{Account: "ana", Secret: "JBSWY3DPEHPK3PXP", Algorithm: "MD5"},
		{Account: "ana", Secret: "JBSWY3DPEHPK3PXP", Type: "push"},
	} {
		if _, err := m.Key(); err == nil {
			t.Errorf("%+v accepted", m)
		}
	}
}

func TestCheckKey(t *testing.T) {
	tests := []struct {
		typed string
		want  KeyCheck
	}{
		{"JBSW Y3DP EHPK 3PXP", KeyCheck{OK: true, Bits: 80, Warnings: []string{string(otpauth.WarnShortSecret)}}},
		{"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", KeyCheck{OK: true, Bits: 160}},
		{"JBSW Y3D1", KeyCheck{Pos: 9, Char: "1", Message: "the key cannot have '1' (character 9): a key has only the letters A to Z and the digits 2 to 7; did you mean I or L?"}},
		{"ébsw", KeyCheck{Pos: 1, Char: "é", Message: "the key cannot have 'é' (character 1): a key has only the letters A to Z and the digits 2 to 7"}},
		{"", KeyCheck{Message: "enter the key"}},
	}
	for _, tt := range tests {
		got := CheckKey(tt.typed)
		if got.OK != tt.want.OK || got.Pos != tt.want.Pos || got.Char != tt.want.Char || got.Bits != tt.want.Bits ||
			got.Message != tt.want.Message || !slices.Equal(got.Warnings, tt.want.Warnings) {
			t.Errorf("CheckKey(%q) = %+v, want %+v", tt.typed, got, tt.want)
		}
	}
}

func TestRenameDeleteReorderSearch(t *testing.T) {
	r := rnd()
	s, a := add(t, &State{}, r, totpKey("Oracle", "ana@example.com", []byte("aaaaaaaaaaaaaaaa")))
	s, b := add(t, s, r, totpKey("OpenStack", "ana", []byte("bbbbbbbbbbbbbbbb")))
	s, c := add(t, s, r, totpKey("GitHub", "bob", []byte("cccccccccccccccc")))

	renamed, err := s.Rename(a.ID, "Oracle Cloud", "ana")
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := renamed.Find(a.ID); v.Key.Issuer != "Oracle Cloud" {
		t.Fatalf("rename not applied: %+v", v.View())
	}
	if v, _ := s.Find(a.ID); v.Key.Issuer != "Oracle" {
		t.Fatal("Rename changed its receiver")
	}
	if _, err := s.Rename(a.ID, "openstack", "ANA"); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("rename onto another account's name: %v", err)
	}
	if _, err := s.Rename(a.ID, "Oracle", " "); !errors.Is(err, ErrName) {
		t.Fatalf("rename to empty: %v", err)
	}
	again := *a
	again.Key = totpKey("New", "new", []byte("dddddddddddddddd"))
	if _, err := s.Add(&again); err == nil {
		t.Fatal("Add accepted an id already in use")
	}
	if _, err := s.Rename("nope", "x", "y"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("rename missing: %v", err)
	}

	ids := func(views []View) []string {
		var out []string
		for _, v := range views {
			out = append(out, v.ID)
		}
		return out
	}
	if got := ids(s.Search("ana")); !slices.Equal(got, []string{a.ID, b.ID}) {
		t.Errorf("Search(ana) = %v", got)
	}
	if got := ids(s.Search("  STACK ana ")); !slices.Equal(got, []string{b.ID}) {
		t.Errorf("Search(STACK ana) = %v", got)
	}
	if got := ids(s.Search("")); len(got) != 3 {
		t.Errorf("empty search = %v", got)
	}
	if got := s.Search("zzz"); len(got) != 0 {
		t.Errorf("Search(zzz) = %v", got)
	}

	reordered, err := s.Reorder([]string{c.ID, a.ID, b.ID})
	if err != nil || !slices.Equal(ids(reordered.Views()), []string{c.ID, a.ID, b.ID}) {
		t.Fatalf("Reorder: %v %v", ids(reordered.Views()), err)
	}
	for _, bad := range [][]string{{a.ID, b.ID}, {a.ID, a.ID, b.ID}, {a.ID, b.ID, "x"}, {a.ID, b.ID, c.ID, c.ID}} {
		if _, err := s.Reorder(bad); !errors.Is(err, ErrOrder) {
			t.Errorf("Reorder(%v): %v", bad, err)
		}
	}

	deleted, err := s.Delete(b.ID, time.Now())
	if err != nil || !slices.Equal(ids(deleted.Views()), []string{a.ID, c.ID}) {
		t.Fatalf("Delete: %v %v", ids(deleted.Views()), err)
	}
	if s.Len() != 3 {
		t.Fatal("Delete changed its receiver")
	}
	if _, err := deleted.Delete(b.ID, time.Now()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Delete: %v", err)
	}
}

// Tests from RFC 4226 Appendix D (HOTP, SHA1, 6 digits).
func TestNextHOTP(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429"}
	k := totpKey("Bank", "ana", rfcSecret)
	k.Type, k.Period = otpauth.HOTP, 0
	r := rnd()
	s, a := add(t, &State{}, r, k)
	for i, w := range want {
		next, code, err := s.NextHOTP(a.ID)
		if err != nil || code != w {
			t.Fatalf("counter %d: %q, %v; want %s", i, code, err, w)
		}
		if acc, _ := s.Find(a.ID); acc.Key.Counter != uint64(i) {
			t.Fatal("NextHOTP changed its receiver")
		}
		s = next
	}
	if acc, _ := s.Find(a.ID); acc.Key.Counter != 4 {
		t.Fatalf("counter = %d, want 4", acc.Key.Counter)
	}
	codes, _ := s.Codes(epoch)
	if codes[0].Current != "" || codes[0].Counter != 4 {
		t.Fatalf("HOTP must not show a code without the action: %+v", codes[0])
	}
	s2, b := add(t, s, r, totpKey("T", "x", []byte("totp-secret-0001")))
	if _, _, err := s2.NextHOTP(b.ID); !errors.Is(err, ErrNotHOTP) {
		t.Fatalf("NextHOTP on TOTP: %v", err)
	}
}

// Tests from RFC 6238 Appendix B (SHA1, truncated to 6 digits).
func TestCodesAndClockOffset(t *testing.T) {
	s, a := add(t, &State{}, rnd(), totpKey("RFC", "6238", rfcSecret))
	at := func(s *State, unix int64) Code {
		codes, err := s.Codes(time.Unix(unix, 0))
		if err != nil || len(codes) != 1 {
			t.Fatalf("Codes: %v %v", codes, err)
		}
		return codes[0]
	}
	c := at(s, 59)
	if c.ID != a.ID || c.Current != "287082" || c.Remaining != time.Second || c.Period != 30 {
		t.Fatalf("at 59: %+v", c)
	}
	if next := at(s, 60); c.Next != next.Current {
		t.Fatalf("Next %q is not the following period's code %q", c.Next, next.Current)
	}
	if c := at(s, 1111111109); c.Current != "081804" {
		t.Fatalf("at 1111111109: %+v", c)
	}
	fast, err := s.WithClockOffset(-20 * time.Second) // device clock 20 s ahead
	if err != nil {
		t.Fatal(err)
	}
	if c := at(fast, 79); c.Current != "287082" || c.Remaining != time.Second {
		t.Fatalf("with offset: %+v", c)
	}
	if s.ClockOffset() != 0 {
		t.Fatal("WithClockOffset changed its receiver")
	}
	if _, err := s.WithClockOffset(25 * time.Hour); !errors.Is(err, ErrClockOffset) {
		t.Fatalf("offset of 25 h: %v", err)
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	r := rnd()
	k := totpKey("Oracle", "ana", []byte("0123456789abcdef"))
	k.Extra = []otpauth.Param{{Name: "image", Value: "https://x/y.png"}}
	s, _ := add(t, &State{}, r, k)
	h := totpKey("", "hotp-only", rfcSecret)
	h.Type, h.Period, h.Counter, h.Algorithm, h.Digits = otpauth.HOTP, 0, 42, otpauth.SHA512, 8
	s, b := add(t, s, r, h)
	withPush := *b
	withPush.Push = &PushRegistration{Server: "https://id.example.com", DeviceID: "dev-1",
		PrivateKey: bytes.Repeat([]byte{9}, 32), Registered: epoch}
	s.accounts[1] = &withPush
	s, _ = s.WithClockOffset(-1500 * time.Millisecond)

	plain := s.Marshal()
	got, err := Unmarshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Marshal(), plain) {
		t.Fatal("Marshal(Unmarshal(x)) != x")
	}
	g := got.accounts[1]
	if g.Key.Counter != 42 || g.Key.Algorithm != otpauth.SHA512 || g.Key.Digits != 8 || g.Key.Issuer != "" ||
		g.Push == nil || g.Push.DeviceID != "dev-1" || !g.Push.Registered.Equal(epoch) || !g.Added.Equal(epoch) {
		t.Fatalf("account 1 = %+v push %+v", g, g.Push)
	}
	if got.accounts[0].Key.Extra[0].Value != "https://x/y.png" || got.ClockOffset() != -1500*time.Millisecond {
		t.Fatalf("extra or offset lost: %+v %v", got.accounts[0].Key.Extra, got.ClockOffset())
	}
	clear(plain)
	if !bytes.Equal(got.accounts[1].Key.Secret, rfcSecret) {
		t.Fatal("Unmarshal result shares memory with its input")
	}
}

// A vault written by a newer version carries fields this one does not know;
// saving it here must keep them.
func TestUnknownFieldsSurvive(t *testing.T) {
	s, _ := add(t, &State{}, rnd(), totpKey("Oracle", "ana", []byte("0123456789abcdef")))
	future := protowire.AppendTag(nil, 99, protowire.BytesType)
	future = protowire.AppendString(future, "from the future")
	acct := append(marshalAccount(s.accounts[0]), future...)
	plain := protowire.AppendTag(nil, protowire.Number(stateAccount), protowire.BytesType)
	plain = protowire.AppendBytes(plain, acct)
	plain = append(plain, future...)
	got, err := Unmarshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	renamed, _ := got.Rename(got.accounts[0].ID, "Oracle", "ana2")
	if n := bytes.Count(renamed.Marshal(), []byte("from the future")); n != 2 {
		t.Fatalf("unknown fields kept %d times, want 2 (state and account)", n)
	}
}

func TestUnmarshalRefusesDamage(t *testing.T) {
	s, _ := add(t, &State{}, rnd(), totpKey("Oracle", "ana", []byte("0123456789abcdef")))
	plain := s.Marshal()
	dup := append(bytes.Clone(plain), plain...)
	noSecret := protowire.AppendTag(nil, protowire.Number(stateAccount), protowire.BytesType)
	noSecret = protowire.AppendBytes(noSecret, appendString(nil, accountID, "x"))
	for name, b := range map[string][]byte{
		"truncated": plain[:len(plain)-3], "same id twice": dup, "no secret": noSecret, "garbage": {0xff, 0xff, 0xff},
	} {
		if _, err := Unmarshal(b); !errors.Is(err, ErrContents) {
			t.Errorf("%s: %v, want ErrContents", name, err)
		}
	}
	if s, err := Unmarshal(nil); err != nil || s.Len() != 0 {
		t.Fatalf("empty plaintext: %v", err)
	}
}

func TestImportList(t *testing.T) {
	text := strings.Join([]string{
		"# exported accounts",
		"otpauth://totp/Oracle:ana?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Oracle",
		"",
		"otpauth://totp/Bad:key?secret=JBSW1111",
		"https://example.com/not-a-key",
		"  otpauth://hotp/Bank:ana?secret=JBSWY3DPEHPK3PXPJBSWY3DP&counter=3  \r",
		"otpauth://totp/Again:ana?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
	}, "\n")
	entries, problems, _, err := ParseList(text, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 || entries[0].Line != 2 || entries[1].Line != 6 || entries[2].Line != 7 {
		t.Fatalf("entries = %+v", entries)
	}
	if len(problems) != 2 || problems[0].Line != 4 || problems[1].Line != 5 {
		t.Fatalf("problems = %+v", problems)
	}
	if msg := problems[0].Error(); msg != "line 4: the key cannot have '1' (character 5): a key has only the letters A to Z and the digits 2 to 7; did you mean I or L?" {
		t.Errorf("problem message %q", msg)
	}
	s, res, err := (&State{}).Import(entries, rnd(), epoch)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Added) != 2 || s.Len() != 2 || len(res.Problems) != 1 || res.Problems[0].Line != 7 || !errors.Is(&res.Problems[0], ErrDuplicate) {
		t.Fatalf("import: added %v problems %+v", res.Added, res.Problems)
	}
	if _, _, _, err := ParseList("\n# nothing\n", nil); !errors.Is(err, ErrNoKeys) {
		t.Fatalf("empty list: %v", err)
	}
	if _, _, _, err := ParseList(strings.Repeat("x", MaxImportBytes+1), nil); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("huge list: %v", err)
	}

	// Export, then import into an empty state: the same accounts come back.
	exported := s.ExportURIs()
	back, _, _, err := ParseList(exported, nil)
	if err != nil || len(back) != 2 {
		t.Fatalf("re-import of export: %v %v", back, err)
	}
	for i, e := range back {
		if e.Key.URI() != s.accounts[i].Key.URI() {
			t.Errorf("account %d: %s != %s", i, e.Key.URI(), s.accounts[i].Key.URI())
		}
	}
}

func TestGoogleAuthenticatorBatches(t *testing.T) {
	keys := []otpauth.Key{
		totpKey("A", "a", []byte("aaaaaaaaaaaaaaaaaaaa")),
		totpKey("B", "b", []byte("bbbbbbbbbbbbbbbbbbbb")),
		totpKey("C", "c", []byte("cccccccccccccccccccc")),
	}
	var uris []string
	for i, k := range keys {
		u, err := migration.Encode(&migration.Payload{Version: 1, BatchSize: 3, BatchIndex: i, BatchID: 77, Accounts: []otpauth.Key{k}})
		if err != nil {
			t.Fatal(err)
		}
		uris = append(uris, u)
	}
	var batches Batches
	s, r := &State{}, rnd()
	for step, part := range []int{2, 0, 0, 1} {
		entries, problems, progress, err := ParseList(uris[part], &batches)
		if err != nil || len(problems) != 0 || len(progress) != 1 {
			t.Fatalf("part %d: %v %v", part, problems, err)
		}
		p := progress[0]
		wantMissing := [][]int{{0, 1}, {1}, {1}, nil}[step]
		if p.ID != 77 || p.Size != 3 || p.Index != part || !slices.Equal(p.Missing, wantMissing) || p.Complete() != (wantMissing == nil) {
			t.Fatalf("step %d: progress %+v", step, p)
		}
		var res ImportResult
		s, res, _ = s.Import(entries, r, epoch)
		if step == 2 && (len(res.Added) != 0 || len(res.Problems) != 1) {
			t.Fatalf("re-reading part 0 should report a duplicate: %+v", res)
		}
	}
	if s.Len() != 3 {
		t.Fatalf("imported %d accounts, want 3", s.Len())
	}
	p, _ := batches.Record(&migration.Payload{BatchSize: 3, BatchIndex: 1, BatchID: 5})
	if p.Message() != "part 2 of 3 read; still missing: 1, 3" {
		t.Errorf("Message = %q", p.Message())
	}
	if _, err := batches.Record(&migration.Payload{BatchSize: 2, BatchIndex: 2, BatchID: 5}); !errors.Is(err, ErrBatchIndex) {
		t.Errorf("index beyond size: %v", err)
	}
}

func TestWipe(t *testing.T) {
	secret := []byte("0123456789abcdef")
	s, a := add(t, &State{}, rnd(), totpKey("Oracle", "ana", secret))
	a.Push = &PushRegistration{PrivateKey: []byte{1, 2, 3}}
	s.Wipe()
	if !bytes.Equal(secret, make([]byte, len(secret))) || !bytes.Equal(a.Push.PrivateKey, []byte{0, 0, 0}) {
		t.Fatal("Wipe left secrets in memory")
	}
}

func TestWithPushKeepsRegistrationThroughVault(t *testing.T) {
	k, err := otpauth.Parse("otpauth://totp/Twofold:a@example.com?secret=JBSWY3DPEHPK3PXP&issuer=Twofold&twofold_push=https%3A%2F%2Fid.example.com&twofold_device=dev_1")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := New(*k, rand.NewChaCha8([32]byte{1}), epoch)
	s, err := (&State{}).Add(a)
	if err != nil {
		t.Fatal(err)
	}
	if v := s.Views()[0]; !v.PushOffered || v.Push || v.PushServer != "https://id.example.com" {
		t.Fatalf("view %+v", v)
	}
	reg := &PushRegistration{Server: "https://id.example.com", DeviceID: "dev_1", PrivateKey: bytes.Repeat([]byte{4}, 32), Registered: epoch}
	n, old, err := s.WithPush(a.ID, reg)
	if err != nil || old != nil {
		t.Fatal(err, old)
	}
	if s.Views()[0].Push || !n.Views()[0].Push {
		t.Fatal("WithPush changed the old State or not the new one")
	}
	got, err := Unmarshal(n.Marshal())
	if err != nil {
		t.Fatal(err)
	}
	g, _ := got.Find(a.ID)
	if g.Push == nil || g.Push.DeviceID != "dev_1" || !bytes.Equal(g.Push.PrivateKey, reg.PrivateKey) {
		t.Fatalf("push after the round trip %+v", g.Push)
	}
	off, old, _ := got.WithPush(a.ID, nil)
	if old == nil || off.Views()[0].Push {
		t.Fatal("removing the registration")
	}
	if _, _, err := s.WithPush("nope", nil); !errors.Is(err, ErrNotFound) {
		t.Fatal(err)
	}
	plain, _ := New(totpKey("", "b", rfcSecret), rand.NewChaCha8([32]byte{2}), epoch)
	if _, _, ok := plain.PushOffered(); ok {
		t.Fatal("offered without parameters")
	}
}

// TestSameKeyIsSkippedSameNameIsAsked: a key already in the list is a
// copy, whatever its name, and is reported as such before any name match;
// the same issuer and name with another key is a conflict for the person
// to decide (AddResolved), not a copy.
func TestSameKeyIsSkippedSameNameIsAsked(t *testing.T) {
	r := rnd()
	s, ana := add(t, &State{}, r, totpKey("Oracle", "ana", []byte("aaaaaaaaaaaaaaaa")))
	s, bob := add(t, s, r, totpKey("Oracle", "bob", []byte("bbbbbbbbbbbbbbbb")))
	// Named like ana, with bob's key: bob's key is the copy.
	a, _ := New(totpKey("Oracle", "ana", []byte("bbbbbbbbbbbbbbbb")), r, epoch)
	_, err := s.Add(a)
	var dup *DuplicateError
	if !errors.As(err, &dup) || !dup.SameSecret || dup.Existing.ID != bob.ID {
		t.Fatalf("a known key under another account's name: %v, want the copy of %s", err, bob.ID)
	}
	if err.Error() != "this key is already in your list as Oracle (bob)" {
		t.Errorf("message %q", err)
	}
	a, _ = New(totpKey("ORACLE", "Ana", []byte("cccccccccccccccc")), r, epoch)
	_, err = s.Add(a)
	if !errors.As(err, &dup) || dup.SameSecret || dup.Existing.ID != ana.ID {
		t.Fatalf("same name, new key: %v, want a name conflict with %s", err, ana.ID)
	}
	if err.Error() != "an account named Oracle (ana) is already in your list" {
		t.Errorf("message %q", err)
	}
}

func TestAddResolved(t *testing.T) {
	r := rnd()
	s, ana := add(t, &State{}, r, totpKey("Oracle", "ana", []byte("aaaaaaaaaaaaaaaa")))
	s, _ = add(t, s, r, totpKey("GitHub", "ana", []byte("gggggggggggggggg")))
	ana.Push = &PushRegistration{DeviceID: "dev_old", PrivateKey: []byte{1}}
	newKey := []byte("nnnnnnnnnnnnnnnn")

	// Replace: the new key in the old account's place and id.
	a, _ := New(totpKey("Oracle", "ana", newKey), r, epoch)
	n, old, err := s.AddResolved(a, true)
	if err != nil || old != ana {
		t.Fatalf("replace: %v, replaced %v", err, old)
	}
	got, _ := n.Find(ana.ID)
	if n.Len() != 2 || n.Views()[0].ID != ana.ID || !bytes.Equal(got.Key.Secret, newKey) || got.Push != nil {
		t.Fatalf("after replace: %+v %+v", n.Views(), got)
	}
	if v, _ := s.Find(ana.ID); !bytes.Equal(v.Key.Secret, []byte("aaaaaaaaaaaaaaaa")) {
		t.Fatal("AddResolved changed its receiver")
	}

	// Keep both: the new one gets the first free name.
	for i, want := range []string{"ana #2", "ana #3"} {
		b, _ := New(totpKey("Oracle", "ana", []byte{byte('p' + i), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}), r, epoch)
		var replaced *Account
		s, replaced, err = s.AddResolved(b, false)
		if err != nil || replaced != nil {
			t.Fatalf("keep both: %v %v", err, replaced)
		}
		if got, _ := s.Find(b.ID); got.Key.Account != want || got.Key.Issuer != "Oracle" {
			t.Fatalf("kept as %q, want %q", got.Key.Account, want)
		}
	}
	if s.Len() != 4 {
		t.Fatalf("%d accounts", s.Len())
	}

	// The name is free again: a plain add. A key in the list: refused.
	c, _ := New(totpKey("Nobody", "here", []byte("zzzzzzzzzzzzzzzz")), r, epoch)
	if n, old, err := s.AddResolved(c, true); err != nil || old != nil || n.Len() != 5 {
		t.Fatalf("no conflict left: %v %v", err, old)
	}
	d, _ := New(totpKey("Oracle", "ana", []byte("gggggggggggggggg")), r, epoch)
	var dup *DuplicateError
	if _, _, err := s.AddResolved(d, true); !errors.As(err, &dup) || !dup.SameSecret {
		t.Fatalf("a known key: %v", err)
	}
}

// TestImportHoldsNameConflicts: a restored backup whose account is named
// like one in the list but has another key is neither added over it nor
// silently skipped: it comes back as a conflict, ready to add.
func TestImportHoldsNameConflicts(t *testing.T) {
	r := rnd()
	s, ana := add(t, &State{}, r, totpKey("Oracle", "ana", []byte("aaaaaaaaaaaaaaaa")))
	backup, _ := add(t, &State{}, r, totpKey("Oracle", "ana", []byte("bbbbbbbbbbbbbbbb")))
	backup, _ = add(t, backup, r, totpKey("Oracle", "copy", []byte("aaaaaaaaaaaaaaaa")))
	n, res, err := s.Import(backup.Entries(), r, epoch)
	if err != nil {
		t.Fatal(err)
	}
	if n.Len() != 1 || len(res.Added) != 0 || len(res.Problems) != 1 || len(res.Conflicts) != 1 {
		t.Fatalf("import: %d accounts, result %+v", n.Len(), res)
	}
	c := res.Conflicts[0]
	if c.Existing.ID != ana.ID || !bytes.Equal(c.Account.Key.Secret, []byte("bbbbbbbbbbbbbbbb")) {
		t.Fatalf("conflict %+v", c)
	}
	if !errors.Is(&res.Problems[0], ErrDuplicate) || !strings.Contains(res.Problems[0].Error(), "already in your list as Oracle (ana)") {
		t.Fatalf("problem %v", &res.Problems[0])
	}
	kept, _, err := n.AddResolved(c.Account, false)
	if err != nil || kept.Len() != 2 || kept.Views()[1].Account != "ana #2" {
		t.Fatalf("keep both: %v %+v", err, kept.Views())
	}
}
