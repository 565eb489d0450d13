package transfer

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Bitwarden's unencrypted exports (Bitwarden's help page "Export Vault
// Data" and its importers' test data): JSON {"encrypted": false, "folders",
// "items": [{"type": 1, "name", "login": {"username", "totp"}}]} or CSV
// with the header folder,favorite,type,name,notes,fields,reprompt,
// login_uri,login_username,login_password,login_totp (organisation exports
// add collections). The TOTP field holds an otpauth:// URI, a steam://
// URI or a bare base32 secret; items without one are not accounts and are
// passed over. The item's name stands in for a missing issuer and its
// username for a missing account name. Password-protected exports
// ("encrypted": true) are not read: export unencrypted instead.

type bitwardenFile struct {
	Encrypted *bool           `json:"encrypted"`
	Items     []bitwardenItem `json:"items"`
}

type bitwardenItem struct {
	Name  string `json:"name"`
	Login *struct {
		Username string `json:"username"`
		TOTP     string `json:"totp"`
	} `json:"login"`
}

func parseBitwarden(data []byte, opt *Options) (*Result, error) {
	text := bytes.TrimLeft(trimBOM(data), " \t\r\n")
	if len(text) > 0 && text[0] == '{' {
		return bitwardenJSON(data)
	}
	return bitwardenCSV(text)
}

func bitwardenJSON(data []byte) (*Result, error) {
	var f bitwardenFile
	if err := decodeJSON(data, &f); err != nil {
		return nil, err
	}
	keys, _ := topLevelKeys(bytes.TrimLeft(trimBOM(data), " \t\r\n"))
	if f.Encrypted != nil && *f.Encrypted || keys["encKeyValidation_DO_NOT_EDIT"] {
		return nil, fmt.Errorf("%w (a password-protected or account-restricted Bitwarden export: export it unencrypted, as JSON or CSV)", ErrUnsupported)
	}
	if f.Items == nil {
		return nil, fmt.Errorf("%w (not a Bitwarden export)", ErrNotFormat)
	}
	var c collector
	for _, item := range f.Items {
		if item.Login == nil || strings.TrimSpace(item.Login.TOTP) == "" {
			continue
		}
		c.add(parseAccountString(item.Login.TOTP, item.Name, item.Login.Username))
	}
	return &c.res, nil
}

func bitwardenCSV(text []byte) (*Result, error) {
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%w (not a Bitwarden CSV export)", ErrNotFormat)
	}
	col := map[string]int{}
	for i, name := range header {
		col[strings.TrimSpace(name)] = i
	}
	totpCol, ok := col["login_totp"]
	if !ok {
		return nil, fmt.Errorf("%w (not a Bitwarden CSV export: no login_totp column)", ErrNotFormat)
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	var c collector
	for row := 2; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var perr *csv.ParseError
			line := row
			if errors.As(err, &perr) {
				line = perr.Line
			}
			return nil, fmt.Errorf("%w (CSV broken at line %d)", ErrDamaged, line)
		}
		if len(rec) != len(header) {
			line, _ := r.FieldPos(0)
			return nil, fmt.Errorf("%w (CSV line %d has %d fields, the header %d)", ErrDamaged, line, len(rec), len(header))
		}
		if strings.TrimSpace(rec[totpCol]) == "" {
			continue
		}
		c.add(parseAccountString(rec[totpCol], get(rec, "name"), get(rec, "login_username")))
	}
	return &c.res, nil
}
