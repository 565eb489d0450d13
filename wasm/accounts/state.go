package accounts

import (
	"bytes"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/otpcode"
)

// MaxClockOffset bounds SetClockOffset: a device clock a day off is broken,
// not skewed, and codes from it would be a guess.
const MaxClockOffset = 24 * time.Hour

// State is the list of accounts in display order and the clock offset. It is
// never modified in place: operations return a new State that shares the
// unchanged accounts with the old one. The zero value is an empty State.
type State struct {
	accounts    []*Account
	clockOffset time.Duration
	settings    Settings
	sync        []byte    // Contents field 5, the sync state; see replica.go
	trash       []Trashed // Contents field 6, oldest first; see trash.go
	unknown     []byte
}

// clone copies the list so that the copy can be changed.
func (s *State) clone() *State {
	c := *s
	c.accounts = s.Accounts()
	return &c
}

// Len is the number of accounts.
func (s *State) Len() int { return len(s.accounts) }

// Accounts returns the accounts in display order. The Accounts are shared:
// do not modify them.
//
// Here, in index and in Delete, the list is handled without package slices
// on purpose: the dictionaries of its generic functions put *Account in an
// interface for the linker, which then keeps time's formatting code in the
// WebAssembly (Account.Added; see shared/pbwire).
func (s *State) Accounts() []*Account { return append([]*Account(nil), s.accounts...) }

// Views returns the public view of every account in display order.
func (s *State) Views() []View {
	views := make([]View, len(s.accounts))
	for i, a := range s.accounts {
		views[i] = a.View()
	}
	return views
}

// Find returns the account with id.
func (s *State) Find(id string) (*Account, bool) {
	i := s.index(id)
	if i < 0 {
		return nil, false
	}
	return s.accounts[i], true
}

func (s *State) index(id string) int {
	for i, a := range s.accounts {
		if a.ID == id {
			return i
		}
	}
	return -1
}

// ClockOffset is the correction added to the device clock for codes.
func (s *State) ClockOffset() time.Duration { return s.clockOffset }

// duplicate reports the account that k would duplicate: the same secret
// (*DuplicateError with SameSecret: the key is in the list already), else
// the same issuer and account name, compared without regard to case (a
// name conflict: the person chooses, see AddResolved). skip excludes one
// id, so a rename can keep its own name.
func (s *State) duplicate(k *otpauth.Key, skip string) error {
	for _, a := range s.accounts {
		if a.ID != skip && bytes.Equal(a.Key.Secret, k.Secret) {
			return &DuplicateError{Existing: refOf(a), SameSecret: true}
		}
	}
	for _, a := range s.accounts {
		if a.ID != skip && strings.EqualFold(a.Key.Issuer, k.Issuer) && strings.EqualFold(a.Key.Account, k.Account) {
			return &DuplicateError{Existing: refOf(a)}
		}
	}
	return nil
}

// Add appends a at the end of the list. It refuses a key that is in the
// list already and an account named like another one (*DuplicateError;
// for the second, AddResolved adds it as the person chooses), and a key
// that otpauth.Key.Validate refuses.
func (s *State) Add(a *Account) (*State, error) {
	if a.Key.Account == "" {
		return nil, ErrName
	}
	if err := a.Key.Validate(); err != nil {
		return nil, err
	}
	if err := s.duplicate(&a.Key, ""); err != nil {
		return nil, err
	}
	if a.ID == "" || s.index(a.ID) >= 0 {
		return nil, errIDTaken // only with a broken random source
	}
	n := s.clone()
	n.accounts = append(n.accounts, a)
	return n, nil
}

// AddResolved adds a, whose issuer and name another account has, as the
// person chose. With replace, a takes that account's place: its id and
// position stay, a's key and settings (and, from a backup, its added time
// and push registration) replace the old ones, and the old Account is
// returned so the caller wipes it once the State is saved. Without, both
// are kept and a gets the first free name of "name #2", "name #3", ….
// If no account has the name any more, a is simply added; a key that is
// in the list already is still refused.
func (s *State) AddResolved(a *Account, replace bool) (*State, *Account, error) {
	n, err := s.Add(a)
	var dup *DuplicateError
	if !errors.As(err, &dup) || dup.SameSecret {
		return n, nil, err
	}
	b := *a
	if replace {
		i := s.index(dup.Existing.ID)
		b.ID = dup.Existing.ID
		n = s.clone()
		n.accounts[i] = &b
		return n, s.accounts[i], nil
	}
	for i := 2; ; i++ {
		b.Key.Account = a.Key.Account + " #" + strconv.Itoa(i)
		if n, err = s.Add(&b); !errors.As(err, &dup) {
			return n, nil, err
		}
	}
}

// Rename changes an account's issuer and account name.
func (s *State) Rename(id, issuer, account string) (*State, error) {
	i := s.index(id)
	if i < 0 {
		return nil, ErrNotFound
	}
	issuer, account = strings.TrimSpace(issuer), strings.TrimSpace(account)
	if account == "" {
		return nil, ErrName
	}
	a := *s.accounts[i]
	a.Key.Issuer, a.Key.Account = issuer, account
	if err := a.Key.Validate(); err != nil {
		return nil, err
	}
	if err := s.duplicate(&a.Key, id); err != nil {
		return nil, err
	}
	n := s.clone()
	n.accounts[i] = &a
	return n, nil
}

// Reorder puts the accounts in the order of ids, which must name every
// account exactly once.
func (s *State) Reorder(ids []string) (*State, error) {
	if len(ids) != len(s.accounts) {
		return nil, ErrOrder
	}
	n := s.clone()
	seen := make(map[string]bool, len(ids))
	for i, id := range ids {
		j := s.index(id)
		if j < 0 || seen[id] {
			return nil, ErrOrder
		}
		seen[id] = true
		n.accounts[i] = s.accounts[j]
	}
	return n, nil
}

// Search returns the accounts whose issuer, account name or groups contain
// every word of query, ignoring case, in display order (Display). An empty
// query matches all.
func (s *State) Search(query string) []View {
	words := strings.Fields(strings.ToLower(query))
	var out []View
	for _, v := range s.Display() {
		hay := strings.ToLower(v.Issuer + "\x00" + v.Account + "\x00" + strings.Join(v.Tags, "\x00"))
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(hay, w) }) {
			out = append(out, v)
		}
	}
	return out
}

// NextHOTP returns the code for an HOTP account's current counter and the
// State with the counter moved past it. The caller must persist the new State
// before showing the code, so a code is never shown twice.
func (s *State) NextHOTP(id string) (*State, string, error) {
	i := s.index(id)
	if i < 0 {
		return nil, "", ErrNotFound
	}
	a := *s.accounts[i]
	if a.Key.Type != otpauth.HOTP {
		return nil, "", ErrNotHOTP
	}
	code, err := otpcode.HOTP(a.Key.Secret, otpcode.ParamsOf(&a.Key), a.Key.Counter)
	if err != nil {
		return nil, "", err
	}
	a.Key.Counter++
	n := s.clone()
	n.accounts[i] = &a
	return n, code, nil
}

// WithClockOffset returns the State with codes computed at device time + d.
func (s *State) WithClockOffset(d time.Duration) (*State, error) {
	if d < -MaxClockOffset || d > MaxClockOffset {
		return nil, ErrClockOffset
	}
	n := s.clone()
	n.clockOffset = d.Truncate(time.Millisecond)
	return n, nil
}

// Code is what the page shows for one account at one instant.
type Code struct {
	ID        string
	Type      Kind
	Current   string        // TOTP and Steam: the code now; HOTP: "" (ask NextHOTP)
	Next      string        // TOTP and Steam: the code of the following period
	Remaining time.Duration // TOTP and Steam: how long Current stays valid
	Period    int
	Counter   uint64 // HOTP: the counter NextHOTP will use
}

// Codes returns the codes of every account at device time now, corrected by
// the clock offset, in stored order.
func (s *State) Codes(now time.Time) ([]Code, error) {
	t := now.Add(s.clockOffset)
	codes := make([]Code, 0, len(s.accounts))
	for _, a := range s.accounts {
		c := Code{ID: a.ID, Type: a.Kind(), Period: a.Key.Period, Counter: a.Key.Counter}
		var err error
		switch c.Type {
		case TOTP:
			p := otpcode.ParamsOf(&a.Key)
			if c.Current, err = otpcode.TOTP(a.Key.Secret, p, t); err == nil {
				c.Next, err = otpcode.TOTP(a.Key.Secret, p, t.Add(time.Duration(a.Key.Period)*time.Second))
			}
		case Steam:
			c.Period = otpcode.SteamPeriod
			if c.Current, err = otpcode.Steam(a.Key.Secret, t); err == nil {
				c.Next, err = otpcode.Steam(a.Key.Secret, t.Add(otpcode.SteamPeriod*time.Second))
			}
		}
		if err != nil {
			return nil, err
		}
		if c.Type != HOTP {
			c.Remaining = otpcode.Remaining(t, c.Period)
		}
		codes = append(codes, c)
	}
	return codes, nil
}

// Wipe zeroes every secret the State holds. States that share accounts with
// it are wiped too; call it only on the last State of a session.
func (s *State) Wipe() {
	for _, a := range s.accounts {
		a.wipe()
	}
	for _, t := range s.trash {
		t.Account.wipe()
	}
	clear(s.sync)
}
