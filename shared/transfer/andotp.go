package transfer

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"strings"
)

// andOTP's backups (read this way by Aegis's AndOtpImporter): the plain
// export is a JSON array of {secret (base32), issuer, label, digits, type
// TOTP|HOTP|STEAM, algorithm, period, counter, ...}. The encrypted backup
// (.json.aes) has no header: iterations (4 bytes, big-endian) | salt (12) |
// nonce (12) | AES-256-GCM ciphertext | tag (16), the key
// PBKDF2-HMAC-SHA1(password, salt, iterations, 32 bytes). Backups of
// andOTP before 0.6.3 are nonce | ciphertext | tag under SHA-256(password);
// a file that the first layout does not open is tried as the second.

type andotpEntry struct {
	Secret    string  `json:"secret"`
	Issuer    *string `json:"issuer"`
	Label     string  `json:"label"`
	Digits    int     `json:"digits"`
	Type      string  `json:"type"`
	Algorithm string  `json:"algorithm"`
	Period    int     `json:"period"`
	Counter   uint64  `json:"counter"`
}

const (
	andotpSaltSize      = 12
	andotpNonceSize     = 12
	andotpTagSize       = 16
	andotpHeaderSize    = 4 + andotpSaltSize + andotpNonceSize
	andotpMaxIterations = 10_000_000
)

// looksLikeAndOTP: a binary file whose first four bytes are a plausible
// PBKDF2 iteration count and that is long enough to hold the rest.
func looksLikeAndOTP(data []byte) bool {
	if len(data) < andotpHeaderSize+andotpTagSize+2 {
		return false
	}
	n := binary.BigEndian.Uint32(data)
	return n >= 1 && n <= andotpMaxIterations
}

func parseAndOTP(data []byte, opt *Options) (*Result, error) {
	trimmed := strings.TrimLeft(string(trimBOM(data)), " \t\r\n")
	if strings.HasPrefix(trimmed, "[") {
		return andotpEntries(data)
	}
	if strings.HasPrefix(trimmed, "{") {
		return nil, fmt.Errorf("%w (not an andOTP backup)", ErrNotFormat)
	}
	if len(data) < andotpNonceSize+andotpTagSize+2 {
		return nil, fmt.Errorf("%w (too short for an andOTP backup)", ErrDamaged)
	}
	if opt.Password == nil {
		return nil, ErrPasswordRequired
	}
	if looksLikeAndOTP(data) {
		iterations := int(binary.BigEndian.Uint32(data))
		salt := data[4 : 4+andotpSaltSize]
		key := pbkdf2Key(sha1New, opt.Password, salt, iterations)
		if plain, ok := openGCM(key, data[4+andotpSaltSize:andotpHeaderSize], data[andotpHeaderSize:]); ok {
			return andotpEntries(plain)
		}
	}
	key := sha256.Sum256(opt.Password)
	if plain, ok := openGCM(key[:], data[:andotpNonceSize], data[andotpNonceSize:]); ok {
		return andotpEntries(plain)
	}
	return nil, errWrongPasswordOrDamaged
}

func andotpEntries(data []byte) (*Result, error) {
	var entries []andotpEntry
	if err := decodeJSON(data, &entries); err != nil {
		return nil, err
	}
	var c collector
	for i := range entries {
		c.add(entries[i].fields())
	}
	return &c.res, nil
}

func (e *andotpEntry) fields() (fields, error) {
	f := fields{account: e.Label, digits: e.Digits, period: e.Period, counter: e.Counter}
	if e.Issuer != nil {
		f.issuer = *e.Issuer
	} else if issuer, account, ok := strings.Cut(e.Label, " - "); ok {
		// Old exports had no issuer field and wrote "Issuer - account".
		f.issuer, f.account = issuer, account
	}
	var err error
	if f.typ, err = parseType(e.Type); err != nil {
		return f, err
	}
	if f.algorithm, err = parseAlgorithm(e.Algorithm); err != nil {
		return f, err
	}
	f.secret, err = decodeBase32(e.Secret)
	return f, err
}
