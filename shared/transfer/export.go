package transfer

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
)

// Writers for moving out: every one of them holds the secrets in
// plaintext, which whoever offers them must say.

// WriteOTPAuth returns one otpauth URI per entry, in order, each ending in
// a newline: the list every authenticator app imports. Steam entries are
// written as otpauth://steam/... (as Aegis writes them), which Aegis, Ente
// Auth and Import read back.
func WriteOTPAuth(entries []Entry) (string, error) {
	var b strings.Builder
	for i := range entries {
		uri, err := entries[i].URI()
		if err != nil {
			return "", fmt.Errorf("entry %d: %w", i+1, err)
		}
		b.WriteString(uri)
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// URI formats e as an otpauth URI (see WriteOTPAuth).
func (e *Entry) URI() (string, error) {
	if err := e.Validate(); err != nil {
		return "", err
	}
	if e.Type != Steam {
		k := e.key()
		return k.URI(), nil
	}
	k := e.key()
	k.Digits = otpauth.DefaultDigits
	uri := strings.TrimPrefix(k.URI(), "otpauth://totp/")
	// URI writes secret, issuer, algorithm, digits, period in that order.
	uri = strings.Replace(uri, "&digits=6&", fmt.Sprintf("&digits=%d&", SteamDigits), 1)
	return "otpauth://steam/" + uri, nil
}

// Aegis's plain vault as its own export writes it (docs/vault.md): version
// 1, header slots and params null, db version 3 with entries and groups.
type aegisPlainOut struct {
	Version int `json:"version"`
	Header  struct {
		Slots  []struct{} `json:"slots"`
		Params *struct{}  `json:"params"`
	} `json:"header"`
	DB struct {
		Version int             `json:"version"`
		Entries []aegisEntryOut `json:"entries"`
		Groups  []struct{}      `json:"groups"`
	} `json:"db"`
}

type aegisEntryOut struct {
	Type     string       `json:"type"`
	UUID     string       `json:"uuid"`
	Name     string       `json:"name"`
	Issuer   string       `json:"issuer"`
	Note     string       `json:"note"`
	Favorite bool         `json:"favorite"`
	Icon     *string      `json:"icon"`
	Info     aegisInfoOut `json:"info"`
	Groups   []string     `json:"groups"`
}

type aegisInfoOut struct {
	Secret  string  `json:"secret"`
	Algo    string  `json:"algo"`
	Digits  int     `json:"digits"`
	Period  int     `json:"period,omitempty"`
	Counter *uint64 `json:"counter,omitempty"`
}

// WriteAegis returns an unencrypted Aegis vault holding entries, which
// Aegis imports ("Import from file", Aegis) and Import reads back. rnd
// gives each entry its random UUID.
func WriteAegis(entries []Entry, rnd io.Reader) ([]byte, error) {
	var out aegisPlainOut
	out.Version = aegisFileVersion
	out.DB.Version = aegisMaxDBVersion
	out.DB.Entries = make([]aegisEntryOut, 0, len(entries))
	out.DB.Groups = []struct{}{}
	for i := range entries {
		e := &entries[i]
		if err := e.Validate(); err != nil {
			return nil, fmt.Errorf("entry %d: %w", i+1, err)
		}
		id, err := uuid4(rnd)
		if err != nil {
			return nil, err
		}
		o := aegisEntryOut{Type: string(e.Type), UUID: id, Name: e.Account, Issuer: e.Issuer, Groups: []string{},
			Info: aegisInfoOut{Secret: otpauth.EncodeSecret(e.Secret), Algo: string(e.Algorithm), Digits: e.Digits, Period: e.Period}}
		if e.Type == HOTP {
			counter := e.Counter
			o.Info.Period, o.Info.Counter = 0, &counter
		}
		out.DB.Entries = append(out.DB.Entries, o)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	if err := enc.Encode(&out); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// uuid4 is a random (version 4) UUID.
func uuid4(rnd io.Reader) (string, error) {
	var u [16]byte
	if _, err := io.ReadFull(rnd, u[:]); err != nil {
		return "", fmt.Errorf("reading randomness: %w", err)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

// Google Authenticator's transfer codes hold at most ten accounts each
// (Aegis's Google-compatible export and GA itself split there); a code is
// also closed before its URI passes GoogleMaxURI bytes, so that long names
// do not make a QR code too dense to scan.
const (
	GoogleAccountsPerCode = 10
	GoogleMaxURI          = 2048
)

// WriteGoogle returns Google Authenticator transfer URIs
// (otpauth-migration://offline?data=...), one per QR code, as the app's
// own "Transfer accounts" makes them: one batch with a random id, each
// code numbered by batch index and size. Entries the format cannot hold
// (Steam, a period other than 30 s) are returned as skipped, with the
// reason, and left out.
func WriteGoogle(entries []Entry, rnd io.Reader) ([]string, []Skipped, error) {
	var (
		keys    []otpauth.Key
		skipped []Skipped
	)
	for i := range entries {
		e := &entries[i]
		var err error
		switch {
		case e.Type == Steam:
			err = fmt.Errorf("%w (Google Authenticator has no Steam Guard codes)", ErrNotExportable)
		case e.Type == TOTP && e.Period != migration.Period:
			err = fmt.Errorf("%w (Google Authenticator transfers only %d-second codes)", ErrNotExportable, migration.Period)
		default:
			var k *otpauth.Key
			if k, err = e.Key(); err == nil {
				k.Extra = nil
				if _, err = migration.Encode(&migration.Payload{Version: 1, Accounts: []otpauth.Key{*k}}); err == nil {
					keys = append(keys, *k)
					continue
				}
				err = fmt.Errorf("%w (%w)", ErrNotExportable, err)
			}
		}
		skipped = append(skipped, Skipped{Index: i + 1, Issuer: e.Issuer, Account: e.Account, Err: err})
	}
	if len(keys) == 0 {
		return nil, skipped, ErrNoAccounts
	}
	var id [4]byte
	if _, err := io.ReadFull(rnd, id[:]); err != nil {
		return nil, nil, fmt.Errorf("reading randomness: %w", err)
	}
	batchID := int32(binary.BigEndian.Uint32(id[:]))

	// Split greedily, then number the codes.
	var groups [][]otpauth.Key
	for start := 0; start < len(keys); {
		end := start + 1
		for end < len(keys) && end-start < GoogleAccountsPerCode {
			uri, err := migration.Encode(&migration.Payload{Version: 1, BatchSize: 1, Accounts: keys[start : end+1]})
			if err != nil || len(uri) > GoogleMaxURI {
				break
			}
			end++
		}
		groups = append(groups, keys[start:end])
		start = end
	}
	uris := make([]string, len(groups))
	for i, g := range groups {
		uri, err := migration.Encode(&migration.Payload{Version: 1, BatchSize: len(groups), BatchIndex: i, BatchID: batchID, Accounts: g})
		if err != nil {
			return nil, nil, errors.Join(ErrNotExportable, err)
		}
		uris[i] = uri
	}
	return uris, skipped, nil
}
