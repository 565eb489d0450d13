package main

import (
	"errors"

	"github.com/twofold-auth/twofold/wasm/accounts"
)

// The list's settings and each account's place in it: edit, pin, groups,
// the order, hidden codes, the HOTP counter, and when a code was last used.

// SettingsView is the list's settings.
type SettingsView struct {
	Sort      string `js:"sort"` // manual, name, issuer, recent
	HideCodes bool   `js:"hideCodes"`
}

// Settings returns the list's settings.
func (a *App) Settings() (SettingsView, error) {
	var out SettingsView
	err := a.read(func(s *accounts.State) error {
		set := s.Settings()
		out = SettingsView{Sort: set.Sort.String(), HideCodes: set.HideCodes}
		return nil
	})
	return out, err
}

// SetSettings saves the list's settings.
func (a *App) SetSettings(v SettingsView) error {
	sort, err := accounts.ParseSort(v.Sort)
	if err != nil {
		return err
	}
	return a.mutate(func(s *accounts.State) (*accounts.State, error) {
		return s.WithSettings(accounts.Settings{Sort: sort, HideCodes: v.HideCodes})
	})
}

// changeAccount saves change and returns the account as stored.
func (a *App) changeAccount(id string, change func(*accounts.State) (*accounts.State, error)) (AccountView, error) {
	var out AccountView
	err := a.mutate(func(s *accounts.State) (*accounts.State, error) {
		n, err := change(s)
		if err == nil {
			acct, _ := n.Find(id)
			out = viewOf(acct.View())
		}
		return n, err
	})
	return out, err
}

// Edit changes an account's issuer, name, icon letter and groups.
func (a *App) Edit(id string, e accounts.Edit) (AccountView, error) {
	return a.changeAccount(id, func(s *accounts.State) (*accounts.State, error) { return s.Edit(id, e) })
}

// SetPinned pins an account to the top of the list, or unpins it.
func (a *App) SetPinned(id string, pinned bool) (AccountView, error) {
	return a.changeAccount(id, func(s *accounts.State) (*accounts.State, error) { return s.SetPinned(id, pinned) })
}

// SetCounter sets an HOTP account's counter (of its next code).
func (a *App) SetCounter(id string, counter float64) (AccountView, error) {
	if counter < 0 || counter > accounts.MaxCounter {
		return AccountView{}, accounts.ErrCounter
	}
	return a.changeAccount(id, func(s *accounts.State) (*accounts.State, error) { return s.SetCounter(id, uint64(counter)) })
}

// Resync finds an HOTP account's counter from two consecutive codes of
// another copy of its key, and saves the counter after them.
func (a *App) Resync(id, code1, code2 string) (AccountView, error) {
	return a.changeAccount(id, func(s *accounts.State) (*accounts.State, error) {
		n, _, err := s.Resync(id, code1, code2)
		return n, err
	})
}

// MarkUsed records that a code of the account was copied now (the "recent
// use" order). It is the person's action, not a decision on an old list,
// so a save refused because another tab saved first is made again on the
// reloaded vault.
func (a *App) MarkUsed(id string) error {
	mark := func(s *accounts.State) (*accounts.State, error) { return s.MarkUsed(id, a.now()) }
	err := a.mutate(mark)
	if errors.Is(err, errVaultChanged) {
		err = a.mutate(mark)
	}
	return err
}
