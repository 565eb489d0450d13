package transfer

import (
	"bytes"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// Authenticator Pro / Stratum backups (read this way by Aegis's
// StratumImporter and AuthenticatorProImporter): plain, a JSON object
// {"Authenticators": [{Type, Issuer, Username, Secret (base32), Algorithm,
// Digits, Period, Counter, ...}], "Categories", ...} where Type is 1 HOTP,
// 2 TOTP, 3 mOTP, 4 Steam, 5 Yandex and Algorithm 0 SHA1, 1 SHA256,
// 2 SHA512. Encrypted, "AUTHENTICATORPRO" | salt (16) | nonce (12) |
// AES-256-GCM ciphertext||tag of that JSON under Argon2id(password, salt,
// t=3, m=64 MiB, p=4, 32 bytes); or, from older versions,
// "AuthenticatorPro" | salt (20) | IV (16) | AES-256-CBC (PKCS#7) under
// PBKDF2-HMAC-SHA1(password, salt, 64000, 32 bytes). The parameters are
// fixed by the format, not stored in the file.

const (
	stratumMagic          = "AUTHENTICATORPRO"
	stratumLegacyMagic    = "AuthenticatorPro"
	stratumSaltSize       = 16
	stratumNonceSize      = 12
	stratumLegacySaltSize = 20
	stratumLegacyIVSize   = 16
	stratumLegacyIter     = 64000
)

// stratumArgon2 are the Argon2id parameters of the current format.
var stratumArgon2 = struct {
	time, memoryKiB uint32
	threads         uint8
}{3, 64 << 10, 4}

type stratumFile struct {
	Authenticators []stratumEntry `json:"Authenticators"`
}

type stratumEntry struct {
	Type      int     `json:"Type"`
	Issuer    string  `json:"Issuer"`
	Username  *string `json:"Username"`
	Secret    string  `json:"Secret"`
	Algorithm int     `json:"Algorithm"`
	Digits    int     `json:"Digits"`
	Period    int     `json:"Period"`
	Counter   uint64  `json:"Counter"`
}

func parseStratum(data []byte, opt *Options) (*Result, error) {
	switch {
	case bytes.HasPrefix(data, []byte(stratumMagic)):
		return stratumOpen(data[len(stratumMagic):], opt.Password)
	case bytes.HasPrefix(data, []byte(stratumLegacyMagic)):
		return stratumOpenLegacy(data[len(stratumLegacyMagic):], opt.Password)
	}
	return stratumEntries(data, true)
}

func stratumOpen(rest, password []byte) (*Result, error) {
	if len(rest) < stratumSaltSize+stratumNonceSize+16 {
		return nil, fmt.Errorf("%w (too short for an Authenticator Pro backup)", ErrDamaged)
	}
	if password == nil {
		return nil, ErrPasswordRequired
	}
	p := stratumArgon2
	key := argon2.IDKey(password, rest[:stratumSaltSize], p.time, p.memoryKiB, p.threads, 32)
	plain, ok := openGCM(key, rest[stratumSaltSize:stratumSaltSize+stratumNonceSize], rest[stratumSaltSize+stratumNonceSize:])
	if !ok {
		return nil, errWrongPasswordOrDamaged
	}
	return stratumEntries(plain, false)
}

func stratumOpenLegacy(rest, password []byte) (*Result, error) {
	head := stratumLegacySaltSize + stratumLegacyIVSize
	if len(rest) < head+16 || (len(rest)-head)%16 != 0 {
		return nil, fmt.Errorf("%w (not a whole number of cipher blocks)", ErrDamaged)
	}
	if password == nil {
		return nil, ErrPasswordRequired
	}
	key := pbkdf2Key(sha1New, password, rest[:stratumLegacySaltSize], stratumLegacyIter)
	plain, ok := openCBC(key, rest[stratumLegacySaltSize:head], rest[head:])
	if !ok {
		return nil, errWrongPasswordOrDamaged
	}
	res, err := stratumEntries(plain, false)
	if err != nil {
		// Without a tag, a wrong key can pass the padding check and
		// yield garbage: that is a wrong password as likely as damage.
		return nil, errWrongPasswordOrDamaged
	}
	return res, nil
}

func stratumEntries(data []byte, plainFile bool) (*Result, error) {
	var f stratumFile
	if err := decodeJSON(data, &f); err != nil {
		return nil, err
	}
	if f.Authenticators == nil {
		if plainFile {
			return nil, fmt.Errorf("%w (not an Authenticator Pro backup)", ErrNotFormat)
		}
		return nil, fmt.Errorf("%w (no Authenticators list)", ErrDamaged)
	}
	var c collector
	for i := range f.Authenticators {
		c.add(f.Authenticators[i].fields())
	}
	return &c.res, nil
}

// Stratum's AuthenticatorType and HashAlgorithm values.
var (
	stratumTypes      = map[int]Type{1: HOTP, 2: TOTP, 4: Steam}
	stratumOtherTypes = map[int]string{3: "mOTP", 5: "Yandex"}
	stratumAlgorithms = []string{"SHA1", "SHA256", "SHA512"}
)

func (e *stratumEntry) fields() (fields, error) {
	f := fields{issuer: e.Issuer, digits: e.Digits, period: e.Period, counter: e.Counter}
	if e.Username != nil {
		f.account = *e.Username
	}
	var ok bool
	if f.typ, ok = stratumTypes[e.Type]; !ok {
		if other, ok := stratumOtherTypes[e.Type]; ok {
			return f, unsupportedType(other)
		}
		return f, errUnknownType
	}
	if e.Algorithm < 0 || e.Algorithm >= len(stratumAlgorithms) {
		return f, fmt.Errorf("%w (an unknown one)", ErrUnsupportedAlgorithm)
	}
	f.algorithm, _ = parseAlgorithm(stratumAlgorithms[e.Algorithm])
	var err error
	f.secret, err = decodeBase32(e.Secret)
	return f, err
}
