package syncclient

import (
	"bytes"
	"testing"
)

// Fuzz targets for what a browser reads from elsewhere: the server's JSON
// answers (untrusted), and the plaintexts of changes and of the vault's
// sync state (authenticated, but written by other versions). None may
// panic; what parses must write back to what parses the same.

func FuzzParseJSON(f *testing.F) {
	for _, s := range []string{`{"changes":[{"seq":1,"epoch":1,"device_id":"sdv_x","counter":2,"ciphertext":"AA"}],"head_seq":1}`,
		`{"error":{"code":"sync_replay","message":"x"}}`, `[true,false,null,-1,"\u00e9\n"]`, `{"a":{"b":{"c":[]}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := parseJSON(b)
		if err != nil {
			return
		}
		j := jv{v}
		_ = j.get("changes").list()
		_ = j.get("error").get("code").str()
		_ = j.get("head_seq").int()
	})
}

func FuzzUnmarshalChange(f *testing.F) {
	c := &Change{Accounts: []AccountChange{{ID: "a", UpdatedMs: 5, Account: []byte{0x0a, 0x01, 0x61}, Author: "sdv_x", BaseMs: 1, Pos: "V"}},
		Devices: []DeviceKey{{ID: "sdv_x", WrapKey: bytes.Repeat([]byte{1}, 32)}}}
	f.Add(c.Marshal())
	r := &Replica{Identity: "sid_x", Device: "sdv_x", Epoch: 2, Key: make([]byte, 32), Authors: map[string]uint64{"sdv_y": 4},
		Versions: map[string]Version{"a": {5, "sdv_x"}}, Trash: []AccountChange{{ID: "b", Deleted: true, DeletedMs: 9}}, RotateOwed: true}
	f.Add(r.Marshal())
	f.Fuzz(func(t *testing.T, b []byte) {
		if c, err := UnmarshalChange(b); err == nil {
			again, err := UnmarshalChange(c.Marshal())
			if err != nil || !bytes.Equal(again.Marshal(), c.Marshal()) {
				t.Fatalf("a change does not read back the same: %v", err)
			}
		}
		if r, err := UnmarshalReplica(b); err == nil {
			again, err := UnmarshalReplica(r.Marshal())
			if err != nil || !bytes.Equal(again.Marshal(), r.Marshal()) {
				t.Fatalf("a sync state does not read back the same: %v", err)
			}
		}
	})
}
