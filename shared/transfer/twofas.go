package transfer

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// 2FAS's backup (.2fas; BackupContent and BackupService in
// twofas/2fas-android, read the same way by Aegis's TwoFASImporter): a
// JSON object with schemaVersion (4 now) and either "services", a list of
// {name, secret (base32), otp: {account, issuer, label, digits, period,
// algorithm, counter, tokenType TOTP|HOTP|STEAM}}, or, when encrypted,
// "servicesEncrypted" = "data:salt:iv" (base64 each): the services list as
// JSON, AES-256-GCM (data = ciphertext||tag) under PBKDF2-HMAC-SHA256
// (password, salt, 10000 iterations, 32 bytes). "reference", in the same
// form under the same key, holds a fixed text, so a failure there is a
// wrong password and a failure of the services after it is damage.

type twofasFile struct {
	SchemaVersion     int             `json:"schemaVersion"`
	Services          []twofasService `json:"services"`
	ServicesEncrypted *string         `json:"servicesEncrypted"`
	Reference         *string         `json:"reference"`
}

type twofasService struct {
	Name   string `json:"name"`
	Secret string `json:"secret"`
	OTP    struct {
		Label     string `json:"label"`
		Account   string `json:"account"`
		Issuer    string `json:"issuer"`
		Digits    int    `json:"digits"`
		Period    int    `json:"period"`
		Algorithm string `json:"algorithm"`
		Counter   uint64 `json:"counter"`
		TokenType string `json:"tokenType"`
	} `json:"otp"`
}

const (
	twofasMaxSchema  = 4
	twofasIterations = 10000
)

func parse2FAS(data []byte, opt *Options) (*Result, error) {
	var f twofasFile
	if err := decodeJSON(data, &f); err != nil {
		return nil, err
	}
	if f.SchemaVersion == 0 || f.Services == nil && f.ServicesEncrypted == nil {
		return nil, fmt.Errorf("%w (not a 2FAS backup)", ErrNotFormat)
	}
	if f.SchemaVersion > twofasMaxSchema {
		return nil, fmt.Errorf("%w (a 2FAS backup of a newer schema)", ErrUnsupported)
	}
	services := f.Services
	if f.ServicesEncrypted != nil {
		plain, err := f.decrypt(opt.Password)
		if err != nil {
			return nil, err
		}
		services = nil
		if err := decodeJSON(plain, &services); err != nil {
			return nil, err
		}
	}
	var c collector
	for i := range services {
		c.add(services[i].fields())
	}
	return &c.res, nil
}

func (s *twofasService) fields() (fields, error) {
	o := &s.OTP
	f := fields{issuer: o.Issuer, account: o.Account, digits: o.Digits, period: o.Period, counter: o.Counter}
	if f.issuer == "" {
		f.issuer = s.Name
	}
	if f.account == "" {
		f.account = o.Label
	}
	var err error
	if f.typ, err = parseType(o.TokenType); err != nil {
		return f, err
	}
	if f.typ == Steam {
		f.digits = 0 // 2FAS writes its own display length; Steam's is fixed
	}
	if f.algorithm, err = parseAlgorithm(o.Algorithm); err != nil {
		return f, err
	}
	f.secret, err = decodeBase32(s.Secret)
	return f, err
}

// twofasSealed is one "data:salt:iv" value.
type twofasSealed struct{ data, salt, iv []byte }

func parseTwofasSealed(s string) (*twofasSealed, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w (encrypted data is not data:salt:iv)", ErrDamaged)
	}
	var out [3][]byte
	for i, p := range parts {
		b, err := base64.StdEncoding.DecodeString(p)
		if err != nil || len(b) == 0 {
			return nil, fmt.Errorf("%w (encrypted data is not base64)", ErrDamaged)
		}
		out[i] = b
	}
	if len(out[2]) != 12 || len(out[0]) < 16 {
		return nil, fmt.Errorf("%w (encrypted data too short)", ErrDamaged)
	}
	return &twofasSealed{data: out[0], salt: out[1], iv: out[2]}, nil
}

func (f *twofasFile) decrypt(password []byte) ([]byte, error) {
	services, err := parseTwofasSealed(*f.ServicesEncrypted)
	if err != nil {
		return nil, err
	}
	var reference *twofasSealed
	if f.Reference != nil && *f.Reference != "" {
		if reference, err = parseTwofasSealed(*f.Reference); err != nil {
			return nil, err
		}
	}
	if password == nil {
		return nil, ErrPasswordRequired
	}
	keys := map[string][]byte{}
	keyFor := func(salt []byte) []byte {
		if k, ok := keys[string(salt)]; ok {
			return k
		}
		k := pbkdf2Key(sha256New, password, salt, twofasIterations)
		keys[string(salt)] = k
		return k
	}
	if reference != nil {
		if _, ok := openGCM(keyFor(reference.salt), reference.iv, reference.data); !ok {
			return nil, ErrWrongPassword
		}
	}
	plain, ok := openGCM(keyFor(services.salt), services.iv, services.data)
	switch {
	case ok:
		return plain, nil
	case reference != nil:
		return nil, fmt.Errorf("%w (the password is right but the services fail their check)", ErrDamaged)
	}
	return nil, errWrongPasswordOrDamaged
}
