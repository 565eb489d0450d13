package accounts

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// A Steam account, from each URI spelling, gives Steam Guard codes (the
// published MAKS11060/otp example: a zero secret, "RYH4D" at 0 and "DR2DK"
// at 30 s), shows 5 characters and 30 s, and goes out as otpauth://steam.
func TestSteamAccount(t *testing.T) {
	zero := otpauth.EncodeSecret(make([]byte, 20))
	for _, uri := range []string{
		"otpauth://steam/Steam:gaben?secret=" + zero + "&issuer=Steam&digits=5&period=30",
		"otpauth://totp/Steam:gaben?secret=" + zero + "&issuer=Steam&encoder=steam",
		"otpauth://totp/Steam:gaben?secret=" + zero + "&issuer=Steam&digits=5&encoder=STEAM",
	} {
		k, err := ParseURI(uri)
		if err != nil {
			t.Fatalf("ParseURI(%s): %v", uri, err)
		}
		s, a := add(t, &State{}, rnd(), *k)
		v := a.View()
		if v.Type != Steam || v.Digits != 5 || v.Period != 30 || v.Label() != "Steam (gaben)" {
			t.Fatalf("%s: view %+v", uri, v)
		}
		codes, err := s.Codes(time.Unix(0, 0))
		if err != nil || codes[0].Current != "RYH4D" || codes[0].Next != "DR2DK" || codes[0].Type != Steam || codes[0].Remaining != 30*time.Second {
			t.Fatalf("%s: codes %+v %v", uri, codes, err)
		}
		out := a.URI()
		if !strings.HasPrefix(out, "otpauth://steam/Steam:gaben?") || !strings.Contains(out, "&digits=5&") || strings.Contains(out, "encoder") {
			t.Errorf("URI %s", out)
		}
		back, err := ParseURI(out)
		if err != nil || !back.IsSteam() || !bytes.Equal(back.Secret, a.Key.Secret) {
			t.Errorf("ParseURI(URI) = %+v, %v", back, err)
		}
	}
	if _, err := ParseURI("otpauth://steam/Steam:gaben?digits=5"); err == nil {
		t.Error("a Steam URI without a secret was read")
	}
	m, err := Manual{Account: "gaben", Secret: zero, Type: "Steam"}.Key()
	if err != nil || !m.IsSteam() {
		t.Errorf("manual Steam: %+v %v", m, err)
	}
}

// The orders, with pinned accounts first in each.
func TestDisplayOrders(t *testing.T) {
	r := rnd()
	s := &State{}
	for i, name := range []string{"zed:alpha", "Able:zulu", "mid:bravo", "able:echo"} {
		issuer, account, _ := strings.Cut(name, ":")
		s, _ = add(t, s, r, totpKey(issuer, account, []byte(fmt.Sprintf("secret-%02d-0123456", i))))
	}
	ids := func(vs []View) string {
		var out []string
		for _, v := range vs {
			out = append(out, v.Issuer+":"+v.Account)
		}
		return strings.Join(out, " ")
	}
	id := func(label string) string {
		for _, v := range s.Views() {
			if v.Issuer+":"+v.Account == label {
				return v.ID
			}
		}
		t.Fatalf("no %s", label)
		return ""
	}
	for _, tc := range []struct {
		sort Sort
		want string
	}{
		{SortManual, "zed:alpha Able:zulu mid:bravo able:echo"},
		{SortName, "zed:alpha mid:bravo able:echo Able:zulu"},
		{SortIssuer, "able:echo Able:zulu mid:bravo zed:alpha"},
		{SortRecent, "mid:bravo zed:alpha Able:zulu able:echo"}, // bravo, then alpha used; the others in manual order
	} {
		n, err := s.WithSettings(Settings{Sort: tc.sort})
		if err != nil {
			t.Fatal(err)
		}
		n, _ = n.MarkUsed(id("zed:alpha"), epoch)
		n, _ = n.MarkUsed(id("mid:bravo"), epoch.Add(time.Second))
		if got := ids(n.Display()); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.sort, got, tc.want)
		}
		// Pinned first, the rest as before.
		n, _ = n.SetPinned(id("able:echo"), true)
		want := "able:echo " + strings.Replace(tc.want, "able:echo", "", 1)
		if got := ids(n.Display()); got != strings.Join(strings.Fields(want), " ") {
			t.Errorf("%v pinned: %s", tc.sort, got)
		}
	}
	if _, err := s.WithSettings(Settings{Sort: maxSort + 1}); !errors.Is(err, ErrSort) {
		t.Errorf("bad sort: %v", err)
	}
	if o, err := ParseSort("recent"); err != nil || o != SortRecent || o.String() != "recent" {
		t.Errorf("ParseSort: %v %v", o, err)
	}
	if _, err := ParseSort("random"); !errors.Is(err, ErrSort) {
		t.Error("ParseSort(random)")
	}
}

func TestEditIconTagsAndSearch(t *testing.T) {
	r := rnd()
	s, a := add(t, &State{}, r, totpKey("Oracle", "ana", []byte("0123456789abcdef")))
	s, b := add(t, s, r, totpKey("GitHub", "bob", []byte("fedcba9876543210")))
	n, err := s.Edit(a.ID, Edit{Issuer: " Oracle Cloud ", Account: "ana", Icon: "o", Tags: []string{" Work ", "", "work", "Cloud"}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := n.Find(a.ID)
	if got.Key.Issuer != "Oracle Cloud" || got.Icon != "O" || !slices.Equal(got.Tags, []string{"Work", "Cloud"}) {
		t.Fatalf("edited %+v", got)
	}
	if v := n.Search("work"); len(v) != 1 || v[0].ID != a.ID {
		t.Errorf("search by group: %+v", v)
	}
	if v := n.Search("cloud ana"); len(v) != 1 {
		t.Errorf("search by issuer and name: %+v", v)
	}
	for name, e := range map[string]Edit{
		"two letters":    {Account: "ana", Icon: "ab"},
		"combining":      {Account: "ana", Icon: "\u0301"},
		"comma in group": {Account: "ana", Tags: []string{"a,b"}},
		"long group":     {Account: "ana", Tags: []string{strings.Repeat("g", MaxTagLength+1)}},
		"control":        {Account: "ana", Tags: []string{"a\u0007"}},
		"bidi":           {Account: "ana", Tags: []string{"a\u202e"}},
		"too many":       {Account: "ana", Tags: strings.Fields("a b c d e f g h i j k")},
		"no name":        {Account: ""},
	} {
		if _, err := s.Edit(a.ID, e); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := s.Edit(a.ID, Edit{Issuer: "GitHub", Account: "bob"}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("edit to another's name: %v", err)
	}
	if _, err := s.Edit("nope", Edit{Account: "x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}
	// Emoji and digits are one character too.
	if n, err := s.Edit(b.ID, Edit{Issuer: "GitHub", Account: "bob", Icon: "7"}); err != nil {
		t.Error(err)
	} else if got, _ := n.Find(b.ID); got.Icon != "7" {
		t.Errorf("icon %q", got.Icon)
	}
	if _, err := s.Edit(b.ID, Edit{Issuer: "GitHub", Account: "bob", Icon: "🔑"}); err != nil {
		t.Errorf("emoji icon: %v", err)
	}
}

// HOTP upkeep: the counter set by hand, and found from two consecutive
// codes (RFC 4226 Appendix D: counters 3 and 4 give 969429, 338314).
func TestCounterAndResync(t *testing.T) {
	h := totpKey("Bank", "carol", rfcSecret)
	h.Type, h.Period = otpauth.HOTP, 0
	r := rnd()
	s, a := add(t, &State{}, r, h)
	s, tot := add(t, s, r, totpKey("Other", "x", []byte("0123456789abcdef")))
	n, err := s.SetCounter(a.ID, 7)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := n.Find(a.ID); got.Key.Counter != 7 {
		t.Fatalf("counter %d", got.Key.Counter)
	}
	if _, err := s.SetCounter(a.ID, MaxCounter+1); !errors.Is(err, ErrCounter) {
		t.Errorf("huge counter: %v", err)
	}
	if _, err := s.SetCounter(tot.ID, 1); !errors.Is(err, ErrNotHOTP) {
		t.Errorf("TOTP counter: %v", err)
	}
	n, next, err := s.Resync(a.ID, "969 429", "338314")
	if err != nil || next != 5 {
		t.Fatalf("resync: %d %v", next, err)
	}
	if got, _ := n.Find(a.ID); got.Key.Counter != 5 {
		t.Fatalf("counter after resync %d", got.Key.Counter)
	}
	// From counter 7, codes 3 and 4 lie behind: not found, nothing changes.
	at7, _ := s.SetCounter(a.ID, 7)
	if _, _, err := at7.Resync(a.ID, "969429", "338314"); !errors.Is(err, ErrResyncCodes) {
		t.Errorf("behind the counter: %v", err)
	}
	if _, _, err := s.Resync(a.ID, "96942", "338314"); !errors.Is(err, ErrCodeFormat) {
		t.Errorf("short code: %v", err)
	}
	if _, _, err := s.Resync(tot.ID, "969429", "338314"); !errors.Is(err, ErrNotHOTP) {
		t.Errorf("TOTP resync: %v", err)
	}
}

// The list's fields and settings survive the vault, and a vault written
// before them (fields 1-12 only) reads with the defaults and is written
// back byte for byte.
func TestListFieldsInVault(t *testing.T) {
	s, a := add(t, &State{}, rnd(), totpKey("Oracle", "ana", []byte("0123456789abcdef")))
	old := s.Marshal()
	got, err := Unmarshal(old)
	if err != nil {
		t.Fatal(err)
	}
	if v := got.Views()[0]; v.Pinned || v.Tags != nil || v.Icon != "" || !v.LastUsed.IsZero() || got.Settings() != (Settings{}) {
		t.Fatalf("an older vault reads as %+v %+v", v, got.Settings())
	}
	if !bytes.Equal(got.Marshal(), old) {
		t.Fatal("an older vault is not written back as it was")
	}
	n, _ := s.Edit(a.ID, Edit{Issuer: "Oracle", Account: "ana", Icon: "Ø", Tags: []string{"Work", "Cloud"}})
	n, _ = n.SetPinned(a.ID, true)
	n, _ = n.MarkUsed(a.ID, epoch.Add(1500*time.Millisecond))
	n, _ = n.WithSettings(Settings{Sort: SortRecent, HideCodes: true})
	plain := n.Marshal()
	back, err := Unmarshal(plain)
	if err != nil {
		t.Fatal(err)
	}
	v := back.Views()[0]
	if !v.Pinned || !slices.Equal(v.Tags, []string{"Work", "Cloud"}) || v.Icon != "Ø" || !v.LastUsed.Equal(epoch.Add(1500*time.Millisecond)) ||
		back.Settings() != (Settings{Sort: SortRecent, HideCodes: true}) {
		t.Fatalf("read back %+v %+v", v, back.Settings())
	}
	if !bytes.Equal(back.Marshal(), plain) {
		t.Fatal("Marshal(Unmarshal(x)) != x")
	}
	// A sort order of a newer version is kept, and read as manual.
	future := append(bytes.Clone(old), protowire.AppendVarint(protowire.AppendTag(nil, stateSort, protowire.VarintType), 9)...)
	f, err := Unmarshal(future)
	if err != nil || f.Settings().Sort != SortManual || !bytes.Equal(f.Marshal(), future) {
		t.Fatalf("future sort: %v %+v", err, f.Settings())
	}
}

// A backup's list fields come along on import; what this version refuses
// is dropped.
func TestImportKeepsListFields(t *testing.T) {
	s, a := add(t, &State{}, rnd(), totpKey("Oracle", "ana", []byte("0123456789abcdef")))
	s, _ = s.Edit(a.ID, Edit{Issuer: "Oracle", Account: "ana", Icon: "Q", Tags: []string{"Work"}})
	s, _ = s.SetPinned(a.ID, true)
	s.accounts[0].Tags = append(s.accounts[0].Tags, "bad,tag") // as a hostile backup could hold
	got, res, err := (&State{}).Import(s.Entries(), rnd(), epoch)
	if err != nil || len(res.Added) != 1 {
		t.Fatal(err, res)
	}
	v := got.Views()[0]
	if !v.Pinned || v.Icon != "Q" || v.Tags != nil {
		t.Errorf("imported %+v (the tags had a bad one: all dropped)", v)
	}
}

func TestPlanAndApply(t *testing.T) {
	r := rnd()
	s, _ := add(t, &State{}, r, totpKey("Oracle", "ana", []byte("0123456789abcdef")))
	s, bob := add(t, s, r, totpKey("GitHub", "bob", []byte("fedcba9876543210")))
	bad := totpKey("Bad", "digits", []byte("bad-digits-012345"))
	bad.Digits = 9
	entries := []Entry{
		{Line: 1, Key: totpKey("New", "one", []byte("new-one-0123456789"))},
		{Line: 2, Key: totpKey("Copy", "of ana", []byte("0123456789abcdef"))},  // same key as Oracle
		{Line: 3, Key: totpKey("GitHub", "bob", []byte("another-bob-key-12"))}, // same name
		{Line: 4, Key: totpKey("Twice", "two", []byte("new-one-0123456789"))},  // same key as line 1
		{Line: 5, Key: bad},
		{Line: 6, Key: totpKey("New", "six", []byte("new-six-0123456789"))},
	}
	plan, err := s.Plan(entries, r, epoch)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range plan {
		got = append(got, fmt.Sprintf("%d:%s:%v", p.Line, p.Status, p.InFile))
	}
	if want := "1:new:false 2:duplicate:false 3:conflict:false 4:duplicate:true 5:invalid:false 6:new:false"; strings.Join(got, " ") != want {
		t.Fatalf("plan %s\nwant %s", strings.Join(got, " "), want)
	}
	if plan[1].Existing.Label != "Oracle (ana)" || plan[2].Existing.ID != bob.ID {
		t.Errorf("existing: %+v %+v", plan[1].Existing, plan[2].Existing)
	}
	if s.Len() != 2 {
		t.Fatal("Plan changed the state")
	}
	// Keep the first, replace bob's key, skip line 6; the duplicates stay out whatever is chosen.
	choices := []Choice{ChoiceAdd, ChoiceAdd, ChoiceReplace, ChoiceAdd, ChoiceAdd, ChoiceSkip}
	n, res, err := s.Apply(plan, choices)
	if err != nil {
		t.Fatal(err)
	}
	if n.Len() != 3 || len(res.Added) != 2 || len(res.Replaced) != 1 || !slices.Equal(res.Used, []bool{true, false, true, false, false, false}) {
		t.Fatalf("applied: %d accounts, %+v", n.Len(), res)
	}
	if stored, _ := n.Find(bob.ID); !bytes.Equal(stored.Key.Secret, []byte("another-bob-key-12")) {
		t.Error("bob's key was not replaced in place")
	}
	// The same plan on a list that has its keys since (another tab): reported, not added twice.
	again, res2, _ := n.Apply(plan, choices)
	if again.Len() != 3 || len(res2.Problems) != 2 || !errors.Is(res2.Problems[0].Err, ErrDuplicate) {
		t.Errorf("reapplied: %d, %+v", again.Len(), res2.Problems)
	}
}
