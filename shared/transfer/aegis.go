package transfer

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"golang.org/x/crypto/scrypt"
)

// Aegis's vault (docs/vault.md in beemdevelopment/Aegis): a JSON object
// {"version": 1, "header": {"slots", "params"}, "db"}. A plain vault has
// slots and params null and db an object; an encrypted one has db as the
// base64 AES-256-GCM ciphertext of that object, its nonce and tag (hex) in
// header.params, under a master key that each password slot (type 1)
// wraps with AES-256-GCM under scrypt(password, salt, N, r, p, 32).

type aegisFile struct {
	Version int `json:"version"`
	Header  struct {
		Slots  []aegisSlot   `json:"slots"`
		Params *aegisGCMInfo `json:"params"`
	} `json:"header"`
	DB json.RawMessage `json:"db"`
}

type aegisGCMInfo struct {
	Nonce string `json:"nonce"`
	Tag   string `json:"tag"`
}

type aegisSlot struct {
	Type      int          `json:"type"`
	Key       string       `json:"key"`
	KeyParams aegisGCMInfo `json:"key_params"`
	N         int          `json:"n"`
	R         int          `json:"r"`
	P         int          `json:"p"`
	Salt      string       `json:"salt"`
}

type aegisDB struct {
	Version int          `json:"version"`
	Entries []aegisEntry `json:"entries"`
}

type aegisEntry struct {
	Type   string    `json:"type"`
	Name   string    `json:"name"`
	Issuer string    `json:"issuer"`
	Info   aegisInfo `json:"info"`
}

type aegisInfo struct {
	Secret  string `json:"secret"`
	Algo    string `json:"algo"`
	Digits  int    `json:"digits"`
	Period  int    `json:"period"`
	Counter uint64 `json:"counter"`
}

// Versions of the Aegis vault this package reads: the file's and the
// content's (3 added groups).
const (
	aegisFileVersion   = 1
	aegisMaxDBVersion  = 3
	aegisSlotPassword  = 1
	aegisMaxScryptMem  = 256 << 20 // bytes scrypt may use: 128·N·r
	aegisMaxScryptWork = 1 << 22   // N·r·p, about 16 times Aegis's own
)

func parseAegis(data []byte, opt *Options) (*Result, error) {
	var f aegisFile
	if err := decodeJSON(data, &f); err != nil {
		return nil, err
	}
	if f.Version == 0 || len(f.DB) == 0 {
		return nil, fmt.Errorf("%w (not an Aegis vault)", ErrNotFormat)
	}
	if f.Version != aegisFileVersion {
		return nil, fmt.Errorf("%w (an Aegis vault of a newer version)", ErrUnsupported)
	}
	content := []byte(f.DB)
	if content[0] == '"' {
		var err error
		if content, err = f.decrypt(opt.Password); err != nil {
			return nil, err
		}
	}
	var db aegisDB
	if err := decodeJSON(content, &db); err != nil {
		return nil, err
	}
	if db.Version < 1 || db.Version > aegisMaxDBVersion {
		return nil, fmt.Errorf("%w (Aegis vault contents of an unknown version)", ErrUnsupported)
	}
	var c collector
	for _, e := range db.Entries {
		c.add(e.fields())
	}
	return &c.res, nil
}

func (e *aegisEntry) fields() (fields, error) {
	f := fields{issuer: e.Issuer, account: e.Name, digits: e.Info.Digits, period: e.Info.Period, counter: e.Info.Counter}
	var err error
	if f.typ, err = parseType(e.Type); err != nil {
		return f, err
	}
	if f.algorithm, err = parseAlgorithm(e.Info.Algo); err != nil {
		return f, err
	}
	f.secret, err = decodeBase32(e.Info.Secret)
	return f, err
}

// decrypt opens an encrypted vault's db with the first password slot that
// the password unwraps.
func (f *aegisFile) decrypt(password []byte) ([]byte, error) {
	var sealedDB string
	if err := json.Unmarshal(f.DB, &sealedDB); err != nil {
		return nil, fmt.Errorf("%w (db)", ErrDamaged)
	}
	ct, err := base64.StdEncoding.DecodeString(sealedDB)
	if err != nil || f.Header.Params == nil {
		return nil, fmt.Errorf("%w (db)", ErrDamaged)
	}
	nonce, tag, err := f.Header.Params.decode()
	if err != nil {
		return nil, err
	}
	var slots []aegisSlot
	for _, s := range f.Header.Slots {
		if s.Type == aegisSlotPassword {
			slots = append(slots, s)
		}
	}
	if len(slots) == 0 {
		return nil, fmt.Errorf("%w (this Aegis vault has no password slot)", ErrUnsupported)
	}
	if password == nil {
		return nil, ErrPasswordRequired
	}
	for _, s := range slots {
		master, err := s.unwrap(password)
		if err != nil {
			return nil, err
		}
		if master == nil {
			continue
		}
		plain, ok := openGCM(master, nonce, append(ct, tag...))
		if !ok {
			return nil, fmt.Errorf("%w (the password is right but the vault's contents fail their check)", ErrDamaged)
		}
		return plain, nil
	}
	return nil, ErrWrongPassword
}

func (p *aegisGCMInfo) decode() (nonce, tag []byte, err error) {
	nonce, err1 := hex.DecodeString(p.Nonce)
	tag, err2 := hex.DecodeString(p.Tag)
	if err1 != nil || err2 != nil || len(nonce) != 12 || len(tag) != 16 {
		return nil, nil, fmt.Errorf("%w (a nonce or tag)", ErrDamaged)
	}
	return nonce, tag, nil
}

// unwrap returns the master key, nil if the password does not open this
// slot, or an error for a damaged slot.
func (s *aegisSlot) unwrap(password []byte) ([]byte, error) {
	salt, err1 := hex.DecodeString(s.Salt)
	wrapped, err2 := hex.DecodeString(s.Key)
	if err1 != nil || err2 != nil || len(wrapped) != 32 || len(salt) == 0 {
		return nil, fmt.Errorf("%w (a password slot)", ErrDamaged)
	}
	nonce, tag, err := s.KeyParams.decode()
	if err != nil {
		return nil, err
	}
	if s.N < 2 || s.N > 1<<20 || s.N&(s.N-1) != 0 || s.R < 1 || s.R > 64 || s.P < 1 || s.P > 16 ||
		128*s.N*s.R > aegisMaxScryptMem || s.N*s.R*s.P > aegisMaxScryptWork {
		return nil, fmt.Errorf("%w (scrypt parameters out of range)", ErrDamaged)
	}
	kek, err := scrypt.Key(password, salt, s.N, s.R, s.P, 32)
	if err != nil {
		return nil, fmt.Errorf("%w (scrypt parameters out of range)", ErrDamaged)
	}
	master, ok := openGCM(kek, nonce, append(wrapped, tag...))
	if !ok {
		return nil, nil
	}
	return master, nil
}
