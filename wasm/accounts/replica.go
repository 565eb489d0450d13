package accounts

// What vault sync (wasm/syncclient) needs of a State: the account list
// replaced as a whole by a merge, one account in its vault encoding, and
// the sync state kept in the vault beside the accounts (Contents field 5,
// opaque here).

// Sync is the stored sync state; nil when the vault has none. Do not
// modify it.
func (s *State) Sync() []byte { return s.sync }

// WithSync returns the State with the sync state b (which it keeps).
func (s *State) WithSync(b []byte) *State {
	n := s.clone()
	n.sync = b
	return n
}

// WithAccounts returns the State with list as its accounts, in that order,
// for a merge of another browser's changes: the list is taken as it is
// (ids unique, keys valid: the caller checks), the clock offset and sync
// state kept.
func (s *State) WithAccounts(list []*Account) *State {
	n := *s
	n.accounts = append([]*Account(nil), list...)
	return &n
}

// MarshalAccount is one account as the vault stores it (the message
// Account of docs/vault-format.md), with its secret: clear it after use.
func MarshalAccount(a *Account) []byte { return marshalAccount(a) }

// UnmarshalAccount reads what MarshalAccount wrote; the secret is a copy.
func UnmarshalAccount(b []byte) (*Account, error) {
	a, err := unmarshalAccount(b)
	if err != nil {
		return nil, err
	}
	if a.ID == "" || len(a.Key.Secret) == 0 || a.Key.Account == "" {
		return nil, ErrContents
	}
	if err := a.Key.Validate(); err != nil {
		return nil, err
	}
	return a, nil
}

// Wipe zeroes the account's secrets.
func (a *Account) Wipe() { a.wipe() }
