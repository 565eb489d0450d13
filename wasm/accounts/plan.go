package accounts

import (
	"errors"
	"io"
	"time"
)

// An import with a preview: Plan says, before anything is saved, what each
// entry of a file would do to the list; the person chooses; Apply makes
// the chosen changes in one new State (one save).

// PlanStatus is what an entry would do.
type PlanStatus string

// The statuses of a planned entry.
const (
	PlanNew       PlanStatus = "new"       // added as it is
	PlanDuplicate PlanStatus = "duplicate" // its key is in the list already, or earlier in the file
	PlanConflict  PlanStatus = "conflict"  // another account has its issuer and name, with another key
	PlanInvalid   PlanStatus = "invalid"   // refused (Err says why)
)

// Planned is one entry of an import as Plan sees it.
type Planned struct {
	Line     int      // the entry's place in the file, from 1 (0 if none)
	Account  *Account // the account it would add (for PlanInvalid too, to name it)
	Status   PlanStatus
	Existing Ref   // PlanDuplicate, PlanConflict: the account it meets
	InFile   bool  // that account is an earlier entry of the file, not one in the list
	Err      error // PlanInvalid, PlanDuplicate: why it is not added
}

// Plan classifies entries against s in file order, as if the new ones
// were added one after the other (so a key given twice is a duplicate the
// second time). It changes nothing; the Accounts it makes hold the secrets
// until Apply adds them or the caller wipes them (WipePlan).
func (s *State) Plan(entries []Entry, rnd io.Reader, now time.Time) ([]Planned, error) {
	plan := make([]Planned, 0, len(entries))
	scratch := s
	for _, e := range entries {
		a, err := e.account(rnd, now)
		if err != nil {
			WipePlan(plan)
			return nil, err
		}
		p := Planned{Line: e.Line, Account: a, Status: PlanNew}
		next, err := scratch.Add(a)
		var dup *DuplicateError
		switch {
		case errors.As(err, &dup):
			p.Status, p.Existing, p.InFile = PlanConflict, dup.Existing, s.index(dup.Existing.ID) < 0
			if dup.SameSecret {
				p.Status, p.Err = PlanDuplicate, err
			}
		case err != nil:
			p.Status, p.Err = PlanInvalid, err
		default:
			scratch = next
		}
		plan = append(plan, p)
	}
	return plan, nil
}

// Choice is what the person chose for a planned entry.
type Choice string

// The choices. Add adds a new entry; for an entry whose name is taken
// (when planned, or since: another tab saved) Keep adds it beside the
// other as "name #2", Replace puts its key in the other's place. Skip, and
// any choice for a duplicate or invalid entry, adds nothing.
const (
	ChoiceSkip    Choice = "skip"
	ChoiceAdd     Choice = "add"
	ChoiceKeep    Choice = "keep"
	ChoiceReplace Choice = "replace"
)

// Applied is what Apply did.
type Applied struct {
	Added    []View     // the accounts as stored, in file order
	Replaced []*Account // old accounts whose key was replaced: wipe them once saved
	Problems []LineError
	Used     []bool // per planned entry: its Account is now in the State (do not wipe it)
}

// Apply adds the chosen entries of plan (choices[i] for plan[i]) to s,
// in file order, and returns the new State. It rechecks each against the
// list as it is now: a key that is in it already is reported, not added.
func (s *State) Apply(plan []Planned, choices []Choice) (*State, Applied, error) {
	res := Applied{Used: make([]bool, len(plan))}
	n := s
	for i, p := range plan {
		c := ChoiceSkip
		if i < len(choices) {
			c = choices[i]
		}
		if c == ChoiceSkip || (c != ChoiceAdd && c != ChoiceKeep && c != ChoiceReplace) ||
			p.Status == PlanDuplicate || p.Status == PlanInvalid {
			continue
		}
		next, old, err := n.AddResolved(p.Account, c == ChoiceReplace)
		if err != nil {
			res.Problems = append(res.Problems, LineError{Line: p.Line, Label: p.Account.View().Label(), Err: err})
			continue
		}
		id := p.Account.ID
		if old != nil {
			id = old.ID
			res.Replaced = append(res.Replaced, old)
		}
		stored, _ := next.Find(id)
		res.Added = append(res.Added, stored.View())
		res.Used[i] = true
		n = next
	}
	return n, res, nil
}

// WipePlan zeroes the secrets of planned accounts (not those Apply put in
// a State that is kept).
func WipePlan(plan []Planned) {
	for _, p := range plan {
		if p.Account != nil {
			p.Account.wipe()
		}
	}
}
