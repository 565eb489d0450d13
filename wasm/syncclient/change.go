package syncclient

import (
	"github.com/twofold-auth/twofold/shared/errcode"

	"github.com/twofold-auth/twofold/shared/pbwire"
)

// Change is the plaintext of a change or a snapshot (docs/vault-format.md,
// message Change). A snapshot holds every account with its position, the
// trash (deleted entries, with their account while restorable) and the
// devices' wrap keys.
type Change struct {
	Accounts []AccountChange
	Devices  []DeviceKey
}

// AccountChange is one account's new version, or its deletion.
type AccountChange struct {
	ID        string
	UpdatedMs int64
	Deleted   bool
	Account   []byte // the vault's Account message; for a deletion, the account as it was (the trash)
	DeletedMs int64
	Author    string // the device whose change this is (in snapshots; a change's author is its sender)
	// Base is the version the author's edit replaced: a browser whose
	// version is another one was edited concurrently (a conflict).
	BaseMs     int64
	BaseAuthor string
	Pos        string // the account's position in the list (position.go); "" for none yet
}

// DeviceKey is a browser's wrap key as the browser that approved it (or a
// recovered browser, about itself) wrote it into the vault: the only keys
// an epoch's key is ever wrapped to.
type DeviceKey struct {
	ID      string
	WrapKey []byte
	Removed bool
}

// Field numbers; docs/vault-format.md has them as a .proto.
const (
	changeAccounts = 1
	// 2 was a whole-list order, replaced by the accounts' positions.
	changeDevices = 3

	acID        = 1
	acUpdated   = 2
	acDeleted   = 3
	acAccount   = 4
	acDeletedMs = 5
	acAuthor    = 6
	acBaseMs    = 7
	acBaseBy    = 8
	acPos       = 9

	dkID      = 1
	dkWrap    = 2
	dkRemoved = 3
)

type enc []byte

func (b *enc) str(num pbwire.Number, v string) {
	if v != "" {
		*b = pbwire.AppendString(pbwire.AppendTag(*b, num, pbwire.BytesType), v)
	}
}
func (b *enc) bytes(num pbwire.Number, v []byte) {
	if len(v) > 0 {
		*b = pbwire.AppendBytes(pbwire.AppendTag(*b, num, pbwire.BytesType), v)
	}
}
func (b *enc) uint(num pbwire.Number, v uint64) {
	if v != 0 {
		*b = pbwire.AppendVarint(pbwire.AppendTag(*b, num, pbwire.VarintType), v)
	}
}
func (b *enc) sint(num pbwire.Number, v int64) { b.uint(num, pbwire.EncodeZigZag(v)) }
func (b *enc) bool(num pbwire.Number, v bool) {
	if v {
		b.uint(num, 1)
	}
}

// Marshal encodes c; it holds secrets, so clear it once sealed.
func (c *Change) Marshal() []byte {
	var b enc
	for _, a := range c.Accounts {
		var m enc
		m.str(acID, a.ID)
		m.sint(acUpdated, a.UpdatedMs)
		m.bool(acDeleted, a.Deleted)
		m.bytes(acAccount, a.Account)
		m.sint(acDeletedMs, a.DeletedMs)
		m.str(acAuthor, a.Author)
		m.sint(acBaseMs, a.BaseMs)
		m.str(acBaseBy, a.BaseAuthor)
		m.str(acPos, a.Pos)
		b = pbwire.AppendBytes(pbwire.AppendTag(b, changeAccounts, pbwire.BytesType), m)
	}
	for _, d := range c.Devices {
		var m enc
		m.str(dkID, d.ID)
		m.bytes(dkWrap, d.WrapKey)
		m.bool(dkRemoved, d.Removed)
		b = pbwire.AppendBytes(pbwire.AppendTag(b, changeDevices, pbwire.BytesType), m)
	}
	return b
}

// errContents is a change that opened (its tag matched) but does not
// parse: a bug of its writer, not damage.
var errContents = errcode.New("sync_contents", "a change from another browser could not be read (written by a newer version, or a bug)")

// walk calls f for each field of a message; unknown fields are skipped
// (a newer writer's optional fields).
func walk(b []byte, f func(num pbwire.Number, typ pbwire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := pbwire.ConsumeTag(b)
		if n < 0 {
			return errContents
		}
		m := pbwire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return errContents
		}
		value := b[n : n+m]
		var v []byte
		var x uint64
		switch typ {
		case pbwire.BytesType:
			v, _ = pbwire.ConsumeBytes(value)
		case pbwire.VarintType:
			x, _ = pbwire.ConsumeVarint(value)
		}
		if err := f(num, typ, v, x); err != nil {
			return err
		}
		b = b[n+m:]
	}
	return nil
}

// UnmarshalChange reads a Change; the bytes it holds are copies.
func UnmarshalChange(b []byte) (*Change, error) {
	c := &Change{}
	err := walk(b, func(num pbwire.Number, typ pbwire.Type, v []byte, _ uint64) error {
		if typ != pbwire.BytesType {
			return nil
		}
		switch num {
		case changeAccounts:
			var a AccountChange
			err := walk(v, func(num pbwire.Number, typ pbwire.Type, v []byte, x uint64) error {
				switch num {
				case acID:
					a.ID = string(v)
				case acUpdated:
					a.UpdatedMs = pbwire.DecodeZigZag(x)
				case acDeleted:
					a.Deleted = x != 0
				case acAccount:
					a.Account = append([]byte(nil), v...)
				case acDeletedMs:
					a.DeletedMs = pbwire.DecodeZigZag(x)
				case acAuthor:
					a.Author = string(v)
				case acBaseMs:
					a.BaseMs = pbwire.DecodeZigZag(x)
				case acBaseBy:
					a.BaseAuthor = string(v)
				case acPos:
					a.Pos = string(v)
				}
				return nil
			})
			if err != nil || a.ID == "" {
				return errContents
			}
			c.Accounts = append(c.Accounts, a)
		case changeDevices:
			var d DeviceKey
			err := walk(v, func(num pbwire.Number, typ pbwire.Type, v []byte, x uint64) error {
				switch num {
				case dkID:
					d.ID = string(v)
				case dkWrap:
					d.WrapKey = append([]byte(nil), v...)
				case dkRemoved:
					d.Removed = x != 0
				}
				return nil
			})
			if err != nil || d.ID == "" {
				return errContents
			}
			c.Devices = append(c.Devices, d)
		}
		return nil
	})
	if err != nil {
		return nil, errContents
	}
	return c, nil
}

// Wipe zeroes the accounts' bytes (their secrets).
func (c *Change) Wipe() {
	for _, a := range c.Accounts {
		clear(a.Account)
	}
}
