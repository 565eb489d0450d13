package accounts

import (
	"errors"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/twofold-auth/twofold/shared/errcode"
	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

// What makes a list of fifty accounts livable: the order it is shown in,
// pinned accounts, groups, avatar letters, codes hidden until asked for,
// and the HOTP counter's upkeep. All of it lives in the vault's plaintext
// (docs/vault-format.md, fields 3-4 of Contents and 13-16 of Account), so
// it follows a backup; a vault without these fields reads as before
// (manual order, nothing pinned, no groups, codes shown).

// Sort is the order of the list.
type Sort uint8

// The orders. Pinned accounts come first in each.
const (
	SortManual Sort = iota // the stored order, which Reorder sets
	SortName               // by account name, then issuer
	SortIssuer             // by issuer, then account name
	SortRecent             // most recently copied first; never copied last
	maxSort    = SortRecent
)

var sortNames = [...]string{"manual", "name", "issuer", "recent"}

func (o Sort) String() string {
	if o > maxSort {
		return sortNames[SortManual]
	}
	return sortNames[o]
}

// ParseSort reads a Sort's name.
func ParseSort(name string) (Sort, error) {
	for i, n := range sortNames {
		if n == name {
			return Sort(i), nil
		}
	}
	return 0, ErrSort
}

// Settings are the list's settings kept in the vault.
type Settings struct {
	Sort      Sort
	HideCodes bool // codes show as dots until the person taps one
}

// Limits on what a person names; the page's fields say the same.
const (
	MaxTags      = 10 // groups per account
	MaxTagLength = 32 // characters of a group name
	// MaxCounter is the largest HOTP counter the page can hold exactly (a
	// JavaScript number, 2^53 - 1).
	MaxCounter = 1<<53 - 1
)

// Errors of the list's operations.
var (
	ErrSort        = errcode.New("bad_argument", "the order must be manual, name, issuer or recent")
	ErrTag         = errcode.New("invalid_account", "a group name is 1 to 32 characters, without commas or control characters, and an account is in at most 10 groups")
	ErrIcon        = errcode.New("invalid_account", "the icon is one letter, digit or sign")
	ErrCounter     = errcode.New("invalid_account", "the counter is a whole number from 0 to 9007199254740991")
	ErrCodeFormat  = errcode.New("bad_code", "enter each code as the other device shows it, digits only")
	ErrResyncCodes = errcode.New("resync_failed", "these two codes do not follow each other within this account's next 1000 codes: check that they are two consecutive codes of this account, newest last")
)

// Settings are the list's settings.
func (s *State) Settings() Settings { return s.settings }

// WithSettings returns the State with new list settings.
func (s *State) WithSettings(set Settings) (*State, error) {
	if set.Sort > maxSort {
		return nil, ErrSort
	}
	n := s.clone()
	n.settings = set
	return n, nil
}

// Display returns every account's view in the order the list shows them:
// pinned first, each part in the order of the settings (ties, and the
// manual order, by stored position).
func (s *State) Display() []View {
	views := s.Views()
	// Sort positions, not Views, with sort.Slice (already linked): a generic
	// sort over View (which holds a time.Time) would keep time's formatting
	// in the WebAssembly, and slices' stable sort costs 9 KB of code.
	order := make([]int, len(views))
	for i := range order {
		order[i] = i
	}
	keys := make([][2]string, len(views))
	for i := range views {
		issuer, name := strings.ToLower(views[i].Issuer), strings.ToLower(views[i].Account)
		keys[i] = [2]string{issuer, name}
		if s.settings.Sort == SortName {
			keys[i] = [2]string{name, issuer}
		}
	}
	sort.Slice(order, func(x, y int) bool {
		i, j := order[x], order[y]
		if c := compareViews(s.settings.Sort, &views[i], &views[j], &keys[i], &keys[j]); c != 0 {
			return c < 0
		}
		return i < j // stable: the stored order
	})
	out := make([]View, len(views))
	for i, j := range order {
		out[i] = views[j]
	}
	return out
}

// compareViews orders two accounts by the list's order, pinned first;
// keys are their lower-cased sort keys.
func compareViews(order Sort, a, b *View, ka, kb *[2]string) int {
	switch {
	case a.Pinned != b.Pinned:
		return boolFirst(a.Pinned)
	case order == SortName || order == SortIssuer:
		if c := strings.Compare(ka[0], kb[0]); c != 0 {
			return c
		}
		return strings.Compare(ka[1], kb[1])
	case order == SortRecent:
		return -compareMillis(a.LastUsed.UnixMilli(), b.LastUsed.UnixMilli(), a.LastUsed.IsZero(), b.LastUsed.IsZero())
	}
	return 0
}

// boolFirst orders true before false.
func boolFirst(a bool) int {
	if a {
		return -1
	}
	return 1
}

// compareMillis orders times, a zero time (never) before any other.
func compareMillis(a, b int64, aZero, bZero bool) int {
	switch {
	case aZero && bZero:
		return 0
	case aZero:
		return -1
	case bZero:
		return 1
	}
	return int(min(max(a-b, -1), 1))
}

// Edit is what the person can change of an account's name and look.
type Edit struct {
	Issuer  string
	Account string
	Icon    string   // one letter, digit or sign; "" for the first letter of the name
	Tags    []string // group names, trimmed; empty ones are dropped
}

// Edit changes an account's issuer, account name, icon and groups. Names
// follow Rename's rules.
func (s *State) Edit(id string, e Edit) (*State, error) {
	icon, err := checkIcon(e.Icon)
	if err != nil {
		return nil, err
	}
	tags, err := checkTags(e.Tags)
	if err != nil {
		return nil, err
	}
	n, err := s.Rename(id, e.Issuer, e.Account)
	if err != nil {
		return nil, err
	}
	return n.change(id, func(a *Account) error { a.Icon, a.Tags = icon, tags; return nil })
}

// change returns the State with a copy of the account id changed by f.
func (s *State) change(id string, f func(a *Account) error) (*State, error) {
	i := s.index(id)
	if i < 0 {
		return nil, ErrNotFound
	}
	a := *s.accounts[i]
	if err := f(&a); err != nil {
		return nil, err
	}
	n := s.clone()
	n.accounts[i] = &a
	return n, nil
}

// SetPinned pins an account to the top of the list, or unpins it.
func (s *State) SetPinned(id string, pinned bool) (*State, error) {
	return s.change(id, func(a *Account) error { a.Pinned = pinned; return nil })
}

// MarkUsed records that a code of the account was copied at now (the
// "recent use" order).
func (s *State) MarkUsed(id string, now time.Time) (*State, error) {
	return s.change(id, func(a *Account) error { a.LastUsed = now.UTC().Truncate(time.Millisecond); return nil })
}

// SetCounter sets an HOTP account's counter: the counter of its next code.
func (s *State) SetCounter(id string, counter uint64) (*State, error) {
	if counter > MaxCounter {
		return nil, ErrCounter
	}
	return s.change(id, func(a *Account) error {
		if a.Kind() != HOTP {
			return ErrNotHOTP
		}
		a.Key.Counter = counter
		return nil
	})
}

// ResyncWindow is how far past its counter Resync looks for two codes.
const ResyncWindow = otpcode.MaxResyncWindow

// Resync finds an HOTP account's counter from two consecutive codes another
// copy of the same key showed (a hardware token, another app), within the
// ResyncWindow counters from the account's own, and sets the counter past
// them. It returns the new counter.
func (s *State) Resync(id, code1, code2 string) (*State, uint64, error) {
	var next uint64
	n, err := s.change(id, func(a *Account) error {
		if a.Kind() != HOTP {
			return ErrNotHOTP
		}
		got, ok, err := otpcode.ResyncHOTP(a.Key.Secret, otpcode.ParamsOf(&a.Key), a.Key.Counter, code1, code2, ResyncWindow)
		switch {
		case errors.Is(err, otpcode.ErrCodeFormat):
			return ErrCodeFormat
		case err != nil:
			return err
		case !ok || got > MaxCounter:
			return ErrResyncCodes
		}
		a.Key.Counter, next = got, got
		return nil
	})
	return n, next, err
}

// checkIcon normalises an icon letter: "" or one character, not a space,
// a control character or a combining mark; letters are upper-cased.
func checkIcon(icon string) (string, error) {
	icon = strings.TrimSpace(icon)
	if icon == "" {
		return "", nil
	}
	r, size := utf8.DecodeRuneInString(icon)
	if size != len(icon) || r == utf8.RuneError || unicode.IsSpace(r) || badTagRune(r) || combining(r) {
		return "", ErrIcon
	}
	return string(unicode.ToUpper(r)), nil
}

// checkTags trims group names, drops empty ones and repeats (ignoring
// case, the first spelling kept), and refuses a name over MaxTagLength
// characters, with a comma (the page separates names with commas) or a
// control character, or more than MaxTags names.
func checkTags(tags []string) ([]string, error) {
	var out []string
	for _, t := range tags {
		t = strings.TrimSpace(t)
		if t == "" || slices.ContainsFunc(out, func(o string) bool { return strings.EqualFold(o, t) }) {
			continue
		}
		if !utf8.ValidString(t) || utf8.RuneCountInString(t) > MaxTagLength || strings.ContainsFunc(t, badTagRune) {
			return nil, ErrTag
		}
		out = append(out, t)
	}
	if len(out) > MaxTags {
		return nil, ErrTag
	}
	return out, nil
}

// combining reports a combining mark of the main blocks (a mark alone is
// no letter to show). unicode.Is(unicode.M, r) would say it for every
// block, at the price of Unicode's category tables in the WebAssembly.
func combining(r rune) bool {
	return 0x300 <= r && r <= 0x36f || 0x1ab0 <= r && r <= 0x1aff || 0x1dc0 <= r && r <= 0x1dff ||
		0x20d0 <= r && r <= 0x20ff || 0xfe20 <= r && r <= 0xfe2f || 0xfe00 <= r && r <= 0xfe0f
}

func badTagRune(r rune) bool {
	return r == ',' || unicode.IsControl(r) || '\u202A' <= r && r <= '\u202E' || '\u2066' <= r && r <= '\u2069'
}

// listFields copies the list's fields of from (a backup's account) into
// a, dropping what this version would refuse: a backup comes from outside.
func (a *Account) listFields(from *Account) {
	a.Pinned, a.LastUsed = from.Pinned, from.LastUsed
	if icon, err := checkIcon(from.Icon); err == nil {
		a.Icon = icon
	}
	if tags, err := checkTags(from.Tags); err == nil {
		a.Tags = tags
	}
}

// URI is the account as an otpauth URI: Key.URI, except for a Steam
// account, written otpauth://steam/... with digits=5 as Aegis and Ente Auth
// write and read it (ParseURI reads it back).
func (a *Account) URI() string {
	if a.Kind() != Steam {
		return a.Key.URI()
	}
	k := a.Key
	k.Extra = slices.DeleteFunc(slices.Clone(k.Extra), func(p otpauth.Param) bool { return strings.EqualFold(p.Name, "encoder") })
	uri := strings.Replace(k.URI(), "&digits=6&", "&digits=5&", 1)
	return "otpauth://steam/" + strings.TrimPrefix(uri, "otpauth://totp/")
}
