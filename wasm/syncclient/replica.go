package syncclient

import (
	"bytes"
	"sort"

	"github.com/twofold-auth/twofold/shared/pbwire"
)

// Replica is the sync state a browser keeps in its vault (the vault's
// Contents field 5): its identity and keys, where it is in the identity's
// history, the version of every account, the trash, and the changes made
// here that the server has not taken yet. It holds the sync key and the
// device's private keys: it lives only inside the vault's ciphertext.
type Replica struct {
	Server   string // the server's origin
	Identity string
	Device   string
	Meta     string // this browser's name in the device list
	SignSeed []byte // Ed25519 seed of this browser's signing key
	WrapPriv []byte // X25519 private key of this browser's wrap key
	Epoch    uint32
	Key      []byte            // K_epoch
	Counter  uint64            // the last counter this browser used
	Seq      uint64            // the newest sequence number merged
	Authors  map[string]uint64 // each author's last counter seen along the sequence
	// SinceSnapshot counts the changes merged since the last snapshot
	// this browser knows of (its own included, as read back).
	SinceSnapshot int
	RecoveryWrap  []byte // the recovery wrap public key (nil: no recovery key)
	LastSyncMs    int64

	Versions map[string]Version // live accounts
	Pos      map[string]string  // live accounts' positions ("": none yet; position.go)
	// Trash holds the deleted accounts' versions, newest last, kept for
	// good so that an older edit cannot bring one back; the accounts
	// themselves are in the vault's trash (accounts.State) for 30 days.
	Trash   []AccountChange
	Devices []DeviceKey
	Pending Change // changes made here, not yet taken by the server
	// Conflicts are the accounts found edited on two browsers, kept
	// until the person dismisses them (at most MaxConflicts).
	Conflicts []Conflict
	// RotateOwed is set once a removal may have reached the server and
	// cleared by the next successful Rotate: while it is set, the key is
	// one a removed browser holds, so Push rotates before it uploads.
	RotateOwed bool
}

// Version orders the versions of one account: the later
// UpdatedMs wins, then the greater author id.
type Version struct {
	Ms     int64
	Author string
}

// After reports whether v wins over w.
func (v Version) After(w Version) bool {
	return v.Ms > w.Ms || v.Ms == w.Ms && v.Author > w.Author
}

// Field numbers of the stored sync state (docs/vault-format.md, message
// SyncState).
const (
	rsServer        = 1
	rsIdentity      = 2
	rsDevice        = 3
	rsMeta          = 4
	rsSignSeed      = 5
	rsWrapPriv      = 6
	rsEpoch         = 7
	rsKey           = 8
	rsCounter       = 9
	rsSeq           = 10
	rsAuthor        = 11 // AuthorCounter {1 device, 2 counter}
	rsSinceSnapshot = 12
	rsRecoveryWrap  = 13
	rsLastSync      = 14
	rsMerged        = 15 // Change: versions and positions (no account), trash, devices
	rsPending       = 16 // Change
	rsConflict      = 17 // Conflict {1 id, 2 label, 3 at (sint64 ms)}
	rsRotateOwed    = 18
)

// Marshal encodes the replica; it holds keys and secrets.
func (r *Replica) Marshal() []byte {
	var b enc
	b.str(rsServer, r.Server)
	b.str(rsIdentity, r.Identity)
	b.str(rsDevice, r.Device)
	b.str(rsMeta, r.Meta)
	b.bytes(rsSignSeed, r.SignSeed)
	b.bytes(rsWrapPriv, r.WrapPriv)
	b.uint(rsEpoch, uint64(r.Epoch))
	b.bytes(rsKey, r.Key)
	b.uint(rsCounter, r.Counter)
	b.uint(rsSeq, r.Seq)
	authors := make([]string, 0, len(r.Authors))
	for a := range r.Authors {
		authors = append(authors, a)
	}
	sort.Strings(authors)
	for _, a := range authors {
		var m enc
		m.str(1, a)
		m.uint(2, r.Authors[a])
		b.bytes(rsAuthor, m)
	}
	b.uint(rsSinceSnapshot, uint64(r.SinceSnapshot))
	b.bytes(rsRecoveryWrap, r.RecoveryWrap)
	b.sint(rsLastSync, r.LastSyncMs)
	merged := r.mergedChange(nil)
	b = pbwire.AppendBytes(pbwire.AppendTag(b, rsMerged, pbwire.BytesType), merged.Marshal())
	b = pbwire.AppendBytes(pbwire.AppendTag(b, rsPending, pbwire.BytesType), r.Pending.Marshal())
	for _, c := range r.Conflicts {
		var m enc
		m.str(1, c.ID)
		m.str(2, c.Label)
		m.sint(3, c.AtMs)
		b.bytes(rsConflict, m)
	}
	b.bool(rsRotateOwed, r.RotateOwed)
	return b
}

// mergedChange is the replica's bookkeeping as a Change: a version and
// position entry per live account and one per deleted one, each with its
// bytes from accountBytes (or none), and the devices.
func (r *Replica) mergedChange(accountBytes func(id string) []byte) *Change {
	c := &Change{Devices: r.Devices}
	ids := make([]string, 0, len(r.Versions))
	for id := range r.Versions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		v := r.Versions[id]
		ac := AccountChange{ID: id, UpdatedMs: v.Ms, Author: v.Author, Pos: r.Pos[id]}
		if accountBytes != nil {
			ac.Account = accountBytes(id)
		}
		c.Accounts = append(c.Accounts, ac)
	}
	for _, t := range r.Trash {
		if accountBytes != nil {
			t.Account = accountBytes(t.ID)
		}
		c.Accounts = append(c.Accounts, t)
	}
	return c
}

// UnmarshalReplica reads what Marshal wrote.
func UnmarshalReplica(b []byte) (*Replica, error) {
	r := &Replica{Authors: map[string]uint64{}, Versions: map[string]Version{}, Pos: map[string]string{}}
	err := walk(b, func(num pbwire.Number, typ pbwire.Type, v []byte, x uint64) error {
		cp := func() []byte { return bytes.Clone(v) }
		switch num {
		case rsServer:
			r.Server = string(v)
		case rsIdentity:
			r.Identity = string(v)
		case rsDevice:
			r.Device = string(v)
		case rsMeta:
			r.Meta = string(v)
		case rsSignSeed:
			r.SignSeed = cp()
		case rsWrapPriv:
			r.WrapPriv = cp()
		case rsEpoch:
			r.Epoch = uint32(x)
		case rsKey:
			r.Key = cp()
		case rsCounter:
			r.Counter = x
		case rsSeq:
			r.Seq = x
		case rsAuthor:
			var name string
			var n uint64
			if err := walk(v, func(num pbwire.Number, _ pbwire.Type, v []byte, x uint64) error {
				if num == 1 {
					name = string(v)
				} else if num == 2 {
					n = x
				}
				return nil
			}); err != nil {
				return err
			}
			r.Authors[name] = n
		case rsSinceSnapshot:
			r.SinceSnapshot = int(x)
		case rsRecoveryWrap:
			r.RecoveryWrap = cp()
		case rsLastSync:
			r.LastSyncMs = pbwire.DecodeZigZag(x)
		case rsMerged:
			return r.adoptMerged(v)
		case rsPending:
			c, err := UnmarshalChange(v)
			if err != nil {
				return err
			}
			r.Pending = *c
		case rsConflict:
			c, err := unmarshalConflict(v)
			if err != nil {
				return err
			}
			r.Conflicts = append(r.Conflicts, c)
		case rsRotateOwed:
			r.RotateOwed = x != 0
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// adoptMerged reads the replica's bookkeeping (field rsMerged).
func (r *Replica) adoptMerged(v []byte) error {
	c, err := UnmarshalChange(v)
	if err != nil {
		return err
	}
	for _, a := range c.Accounts {
		clear(a.Account) // none since the vault's own trash
		a.Account = nil
		if a.Deleted {
			r.Trash = append(r.Trash, a)
		} else {
			r.Versions[a.ID], r.Pos[a.ID] = Version{a.UpdatedMs, a.Author}, a.Pos
		}
	}
	r.Devices = c.Devices
	return nil
}

func unmarshalConflict(b []byte) (Conflict, error) {
	var c Conflict
	err := walk(b, func(num pbwire.Number, _ pbwire.Type, v []byte, x uint64) error {
		switch num {
		case 1:
			c.ID = string(v)
		case 2:
			c.Label = string(v)
		case 3:
			c.AtMs = pbwire.DecodeZigZag(x)
		}
		return nil
	})
	return c, err
}

// Wipe zeroes the replica's keys and the secrets it holds.
func (r *Replica) Wipe() {
	clear(r.SignSeed)
	clear(r.WrapPriv)
	clear(r.Key)
	r.Pending.Wipe()
}

// knownWrapKey is the wrap key the vault holds for device id (nil: none).
func (r *Replica) knownWrapKey(id string) []byte {
	for _, d := range r.Devices {
		if d.ID == id && !d.Removed {
			return d.WrapKey
		}
	}
	return nil
}

// addDevices merges device keys into the vault's list; a removal sticks.
func (r *Replica) addDevices(ds []DeviceKey) {
	for _, d := range ds {
		found := false
		for i := range r.Devices {
			if r.Devices[i].ID == d.ID {
				found = true
				if d.Removed {
					r.Devices[i].Removed = true
				}
			}
		}
		if !found {
			r.Devices = append(r.Devices, DeviceKey{ID: d.ID, WrapKey: bytes.Clone(d.WrapKey), Removed: d.Removed})
		}
	}
}
