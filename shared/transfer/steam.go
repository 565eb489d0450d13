package transfer

import (
	"bytes"
	"encoding/base64"
	"fmt"
)

// Steam Desktop Authenticator's .maFile (SteamGuardAccount in
// Jessecar96/SteamDesktopAuthenticator's SteamAuth, read this way by
// Aegis's SteamImporter): one JSON object per Steam account with
// "shared_secret" (standard base64, the Steam Guard key), "account_name",
// and fields Twofold has no use for (identity_secret for trade
// confirmations, revocation_code, the session). SDA can encrypt maFiles
// with a passkey whose salt and IV live in its separate manifest.json;
// such a file is base64 text, not JSON, and is refused: remove the
// encryption in SDA first.

type steamFile struct {
	SharedSecret *string `json:"shared_secret"`
	AccountName  string  `json:"account_name"`
}

func parseSteam(data []byte, opt *Options) (*Result, error) {
	trimmed := bytes.TrimSpace(trimBOM(data))
	if len(trimmed) > 0 && trimmed[0] != '{' {
		if _, err := base64.StdEncoding.DecodeString(string(trimmed)); err == nil {
			return nil, fmt.Errorf("%w (an encrypted .maFile: remove its encryption in Steam Desktop Authenticator first)", ErrUnsupported)
		}
		return nil, fmt.Errorf("%w (not a .maFile)", ErrNotFormat)
	}
	var f steamFile
	if err := decodeJSON(data, &f); err != nil {
		return nil, err
	}
	if f.SharedSecret == nil {
		return nil, fmt.Errorf("%w (not a .maFile: no shared_secret)", ErrNotFormat)
	}
	var c collector
	fl := fields{typ: Steam, issuer: SteamIssuer, account: f.AccountName}
	secret, err := base64.StdEncoding.DecodeString(*f.SharedSecret)
	if err != nil || len(secret) == 0 {
		err = fmt.Errorf("%w: shared_secret is not base64", ErrInvalidEntry)
	}
	fl.secret = secret
	c.add(fl, err)
	return &c.res, nil
}
