package transfer

import (
	"fmt"
	"strings"
)

// FreeOTP+'s JSON export (read this way by Aegis's FreeOtpPlusImporter and
// FreeOtpImporter): {"tokenOrder": [...], "tokens": [{"algo", "counter",
// "digits", "issuerExt", "label", "period", "secret", "type" TOTP|HOTP}]}
// where secret is the key as an array of Java bytes (-128 to 127). FreeOTP+
// has no Steam type; as Aegis does, a TOTP token whose issuer is "Steam"
// is read as Steam Guard.

type freeotpFile struct {
	Tokens []freeotpToken `json:"tokens"`
}

type freeotpToken struct {
	Algo      string `json:"algo"`
	Counter   uint64 `json:"counter"`
	Digits    int    `json:"digits"`
	IssuerExt string `json:"issuerExt"`
	Label     string `json:"label"`
	Period    int    `json:"period"`
	Secret    []int  `json:"secret"`
	Type      string `json:"type"`
}

func parseFreeOTPPlus(data []byte, opt *Options) (*Result, error) {
	var f freeotpFile
	if err := decodeJSON(data, &f); err != nil {
		return nil, err
	}
	if f.Tokens == nil {
		return nil, fmt.Errorf("%w (not a FreeOTP+ export)", ErrNotFormat)
	}
	var c collector
	for i := range f.Tokens {
		c.add(f.Tokens[i].fields())
	}
	return &c.res, nil
}

func (t *freeotpToken) fields() (fields, error) {
	f := fields{issuer: t.IssuerExt, account: t.Label, digits: t.Digits, period: t.Period, counter: t.Counter}
	var err error
	if f.typ, err = parseType(t.Type); err != nil {
		return f, err
	}
	if f.typ == TOTP && strings.TrimSpace(t.IssuerExt) == SteamIssuer {
		f.typ, f.digits, f.period = Steam, 0, 0
	}
	if f.algorithm, err = parseAlgorithm(t.Algo); err != nil {
		return f, err
	}
	f.secret = make([]byte, len(t.Secret))
	for i, v := range t.Secret {
		if v < -128 || v > 255 {
			return f, fmt.Errorf("%w: the secret has a value that is not a byte", ErrInvalidEntry)
		}
		f.secret[i] = byte(v)
	}
	if len(f.secret) == 0 {
		return f, fmt.Errorf("%w: the secret is empty", ErrInvalidEntry)
	}
	return f, nil
}
