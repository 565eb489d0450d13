package transfer

import (
	"encoding/json"
	"fmt"
)

// Proton Authenticator's JSON export (ExportedAuthenticatorEntry in
// Proton's authenticator core, read this way by Aegis's
// ProtonAuthenticatorImporter): {"version": 1, "entries": [{"id",
// "content": {"uri", "entry_type" Totp|Steam, "name"}, "note"}]}. A Totp
// entry's uri is an otpauth:// URI; a Steam entry's is steam://SECRET. The
// entry's name is the account name shown.

type protonFile struct {
	Version json.Number   `json:"version"` // a number, or (in some writers) a string
	Entries []protonEntry `json:"entries"`
}

type protonEntry struct {
	Content *struct {
		URI       string `json:"uri"`
		EntryType string `json:"entry_type"`
		Name      string `json:"name"`
	} `json:"content"`
}

const protonMaxVersion = 1

func parseProton(data []byte, opt *Options) (*Result, error) {
	var f protonFile
	if err := decodeJSON(data, &f); err != nil {
		return nil, err
	}
	version, err := f.Version.Int64()
	if f.Entries == nil || err != nil || version < 1 {
		return nil, fmt.Errorf("%w (not a Proton Authenticator export)", ErrNotFormat)
	}
	if version > protonMaxVersion {
		return nil, fmt.Errorf("%w (a Proton Authenticator export of a newer version)", ErrUnsupported)
	}
	var c collector
	for _, e := range f.Entries {
		if e.Content == nil {
			c.add(fields{}, fmt.Errorf("%w: no content", ErrInvalidEntry))
			continue
		}
		f, err := parseAccountString(e.Content.URI, "", e.Content.Name)
		if err == nil {
			if e.Content.Name != "" {
				f.account = e.Content.Name
			}
			want, _ := parseType(e.Content.EntryType)
			if want == Steam && f.typ != Steam || want != Steam && f.typ == Steam {
				err = fmt.Errorf("%w: its type and URI disagree", ErrInvalidEntry)
			}
		}
		c.add(f, err)
	}
	return &c.res, nil
}
