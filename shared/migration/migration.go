package migration

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/twofold-auth/twofold/shared/errcode"

	"github.com/twofold-auth/twofold/shared/pbwire"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// Errors Decode returns, matched with errors.Is. An ErrAccount also matches
// the otpauth sentinel that says what is wrong with the account.
var (
	ErrScheme    = errcode.New("bad_export", "this is not an otpauth-migration://offline link")
	ErrData      = errcode.New("bad_export", "the export's data parameter is missing or not base64")
	ErrPayload   = errcode.New("bad_export", "the export's data is not a Google Authenticator export")
	ErrTooLarge  = errcode.New("too_large", "the export is too large")
	ErrNoAccount = errcode.New("no_keys", "the export holds no accounts")
	ErrAccount   = errcode.New("bad_export", "the export holds an unsupported or invalid account")
)

// MaxURILength bounds the URIs Decode reads and Encode writes. A QR code
// holds under 3 KB, and Google Authenticator splits larger exports over
// several codes, so 16 KiB leaves room for pasted text without inviting
// megabyte payloads.
const MaxURILength = 16 << 10

// Period is the time step of every TOTP account in the format, which has no
// field for it.
const Period = 30

// Payload is one export QR code. A large export is split over BatchSize codes
// that share BatchID, numbered by BatchIndex from 0. Google Authenticator
// writes Version 1 and, for a single code, BatchSize 1 and BatchIndex 0.
type Payload struct {
	Version    int
	BatchSize  int
	BatchIndex int
	BatchID    int32
	Accounts   []otpauth.Key
}

// Field numbers of MigrationPayload and its OtpParameters.
const (
	fieldOtpParameters pbwire.Number = 1
	fieldVersion       pbwire.Number = 2
	fieldBatchSize     pbwire.Number = 3
	fieldBatchIndex    pbwire.Number = 4
	fieldBatchID       pbwire.Number = 5

	fieldSecret    pbwire.Number = 1
	fieldName      pbwire.Number = 2
	fieldIssuer    pbwire.Number = 3
	fieldAlgorithm pbwire.Number = 4
	fieldDigits    pbwire.Number = 5
	fieldType      pbwire.Number = 6
	fieldCounter   pbwire.Number = 7
)

// Enum values of OtpParameters. Zero is "unspecified" in each and reads as
// the default (SHA1, six digits, TOTP), as Google Authenticator reads it.
//
// Google's DigitCount has only SIX (1) and EIGHT (2); some exporters write
// SEVEN as 3. Decode reads 3 as seven digits and Encode writes seven digits
// as 3, so such accounts round-trip here; Google Authenticator itself cannot
// import them correctly.
const (
	algorithmSHA1   = 1
	algorithmSHA256 = 2
	algorithmSHA512 = 3
	algorithmMD5    = 4

	digitsSix   = 1
	digitsEight = 2
	digitsSeven = 3

	typeHOTP = 1
	typeTOTP = 2
)

// Decode parses an otpauth-migration URI.
func Decode(uri string) (*Payload, error) {
	p, bad, err := DecodeEach(uri)
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return nil, bad[0].Err
	}
	return p, nil
}

// AccountError is one account of an export that cannot be imported: its
// place in the payload (from 0) and why, an error matching ErrAccount and
// the otpauth sentinel.
type AccountError struct {
	Index int
	Err   error
}

// DecodeEach parses an otpauth-migration URI like Decode, but keeps the
// accounts that can be imported when others cannot (an MD5 account, say):
// those are returned in bad, in order, and left out of the payload. A
// payload whose wire format is broken is still an error as a whole.
func DecodeEach(uri string) (p *Payload, bad []AccountError, err error) {
	if len(uri) > MaxURILength {
		return nil, nil, ErrTooLarge
	}
	uri = strings.TrimSpace(uri)
	scheme, rest, _ := strings.Cut(uri, "://")
	host, rawQuery, _ := strings.Cut(rest, "?")
	if !strings.EqualFold(scheme, "otpauth-migration") || !strings.EqualFold(strings.TrimSuffix(host, "/"), "offline") {
		return nil, nil, ErrScheme
	}

	var data string
	found := false
	for field := range strings.SplitSeq(rawQuery, "&") {
		name, value, _ := strings.Cut(field, "=")
		if name != "data" {
			continue
		}
		if found {
			return nil, nil, fmt.Errorf("%w: data is given twice", ErrData)
		}
		data, found = value, true
	}
	raw, err := decodeBase64(data)
	if err != nil {
		return nil, nil, err
	}
	return unmarshalPayload(raw)
}

// decodeBase64 reads the data parameter as it arrives: percent-escaped or
// not, standard or URL-safe alphabet, padded or not, and with the spaces that
// a form decoder makes of "+" (base64 has no spaces, so they can only be that).
func decodeBase64(data string) ([]byte, error) {
	s, err := otpauth.Unescape(data, false) // keeps "+" as it is
	if err != nil {
		return nil, fmt.Errorf("%w: broken percent-escape", ErrData)
	}
	s = strings.TrimRight(strings.ReplaceAll(s, " ", "+"), "=")
	if s == "" {
		return nil, ErrData
	}
	enc := base64.RawStdEncoding
	if strings.ContainsAny(s, "-_") {
		if strings.ContainsAny(s, "+/") {
			return nil, fmt.Errorf("%w: it mixes the standard and URL-safe alphabets", ErrData)
		}
		enc = base64.RawURLEncoding
	}
	raw, err := enc.DecodeString(s)
	if err != nil {
		return nil, ErrData
	}
	return raw, nil
}

// unmarshalPayload reads a MigrationPayload. Unknown fields are skipped, as
// protobuf readers do, so a newer exporter's additions do not break import.
func unmarshalPayload(b []byte) (*Payload, []AccountError, error) {
	p := &Payload{}
	var raws [][]byte
	for len(b) > 0 {
		num, typ, n := pbwire.ConsumeTag(b)
		if n < 0 {
			return nil, nil, wireError(n)
		}
		b = b[n:]
		switch {
		case num == fieldOtpParameters && typ == pbwire.BytesType:
			v, n := pbwire.ConsumeBytes(b)
			if n < 0 {
				return nil, nil, wireError(n)
			}
			raws = append(raws, v)
			b = b[n:]
		case num >= fieldVersion && num <= fieldBatchID && typ == pbwire.VarintType:
			v, n := pbwire.ConsumeVarint(b)
			if n < 0 {
				return nil, nil, wireError(n)
			}
			// int32 fields: negative values arrive sign-extended to 64 bits.
			i := int32(v)
			switch num {
			case fieldVersion:
				p.Version = int(i)
			case fieldBatchSize:
				p.BatchSize = int(i)
			case fieldBatchIndex:
				p.BatchIndex = int(i)
			case fieldBatchID:
				p.BatchID = i
			}
			b = b[n:]
		case num <= fieldBatchID:
			return nil, nil, fmt.Errorf("%w: field %d has the wrong wire type", ErrPayload, num)
		default:
			n := pbwire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return nil, nil, wireError(n)
			}
			b = b[n:]
		}
	}
	if err := checkBatch(p); err != nil {
		return nil, nil, err
	}
	if len(raws) == 0 {
		return nil, nil, ErrNoAccount
	}
	var bad []AccountError
	p.Accounts = make([]otpauth.Key, 0, len(raws))
	for i, raw := range raws {
		var k otpauth.Key
		if err := unmarshalAccount(raw, &k); err != nil {
			err = accountError(i, err)
			if errors.Is(err, ErrPayload) {
				return nil, nil, err
			}
			bad = append(bad, AccountError{Index: i, Err: err})
			continue
		}
		p.Accounts = append(p.Accounts, k)
	}
	return p, bad, nil
}

func wireError(n int) error {
	return fmt.Errorf("%w: %w", ErrPayload, pbwire.ParseError(n))
}

func accountError(i int, err error) error {
	if errors.Is(err, ErrPayload) {
		return fmt.Errorf("%w (account %d)", err, i+1)
	}
	return fmt.Errorf("%w: account %d: %w", ErrAccount, i+1, err)
}

func checkBatch(p *Payload) error {
	if p.Version < 0 || p.BatchSize < 0 || p.BatchIndex < 0 ||
		p.BatchSize > 0 && p.BatchIndex >= p.BatchSize {
		return fmt.Errorf("%w: version or batch numbers out of range", ErrPayload)
	}
	return nil
}

// unmarshalAccount reads one OtpParameters into k and validates it.
func unmarshalAccount(b []byte, k *otpauth.Key) error {
	var (
		name, issuer          string
		algorithm, digits, ty uint64
		counter               int64
	)
	for len(b) > 0 {
		num, typ, n := pbwire.ConsumeTag(b)
		if n < 0 {
			return wireError(n)
		}
		b = b[n:]
		switch {
		case num >= fieldSecret && num <= fieldIssuer && typ == pbwire.BytesType:
			v, n := pbwire.ConsumeBytes(b)
			if n < 0 {
				return wireError(n)
			}
			switch num {
			case fieldSecret:
				k.Secret = append([]byte(nil), v...)
			case fieldName:
				name = string(v)
			case fieldIssuer:
				issuer = string(v)
			}
			b = b[n:]
		case num >= fieldAlgorithm && num <= fieldCounter && typ == pbwire.VarintType:
			v, n := pbwire.ConsumeVarint(b)
			if n < 0 {
				return wireError(n)
			}
			switch num {
			case fieldAlgorithm:
				algorithm = v
			case fieldDigits:
				digits = v
			case fieldType:
				ty = v
			case fieldCounter:
				counter = int64(v)
			}
			b = b[n:]
		case num <= fieldCounter:
			return fmt.Errorf("%w: field %d has the wrong wire type", ErrPayload, num)
		default:
			n := pbwire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return wireError(n)
			}
			b = b[n:]
		}
	}

	switch algorithm {
	case 0, algorithmSHA1:
		k.Algorithm = otpauth.SHA1
	case algorithmSHA256:
		k.Algorithm = otpauth.SHA256
	case algorithmSHA512:
		k.Algorithm = otpauth.SHA512
	case algorithmMD5:
		return fmt.Errorf("%w (this one uses MD5, which Twofold does not support)", otpauth.ErrAlgorithm)
	default:
		return otpauth.ErrAlgorithm
	}
	switch digits {
	case 0, digitsSix:
		k.Digits = 6
	case digitsSeven:
		k.Digits = 7
	case digitsEight:
		k.Digits = 8
	default:
		return otpauth.ErrDigits
	}
	switch ty {
	case 0, typeTOTP:
		k.Type, k.Period = otpauth.TOTP, Period
	case typeHOTP:
		if counter < 0 {
			return otpauth.ErrCounter
		}
		k.Type, k.Counter = otpauth.HOTP, uint64(counter)
	default:
		return otpauth.ErrType
	}
	k.Issuer, k.Account = splitName(name, strings.TrimSpace(issuer))
	return k.Validate()
}

// splitName reads an account name that may carry an "Issuer:" prefix, as
// otpauth labels do. A prefix that disagrees with the issuer field stays part
// of the account name: the export is Google Authenticator's own, and refusing
// it would strand the account.
func splitName(name, issuer string) (string, string) {
	prefix, account, found := strings.Cut(name, ":")
	prefix = strings.TrimSpace(prefix)
	switch {
	case !found:
		return issuer, strings.TrimSpace(name)
	case issuer == "":
		return prefix, strings.TrimSpace(account)
	case prefix == issuer:
		return issuer, strings.TrimSpace(account)
	default:
		return issuer, strings.TrimSpace(name)
	}
}

// Encode formats p as an otpauth-migration URI that Decode reads back.
// Every account must pass otpauth's Validate and fit the format: TOTP with a
// 30 s period, a counter under 2^63. Extra parameters have no place in the
// format and are left out. The data is standard padded base64,
// percent-escaped, as Google Authenticator writes it.
func Encode(p *Payload) (string, error) {
	if len(p.Accounts) == 0 {
		return "", ErrNoAccount
	}
	if p.Version > math.MaxInt32 || p.BatchSize > math.MaxInt32 || p.BatchIndex > math.MaxInt32 {
		return "", fmt.Errorf("%w: version or batch numbers out of range", ErrPayload)
	}
	if err := checkBatch(p); err != nil {
		return "", err
	}
	var b []byte
	for i := range p.Accounts {
		account, err := marshalAccount(&p.Accounts[i])
		if err != nil {
			return "", accountError(i, err)
		}
		b = pbwire.AppendTag(b, fieldOtpParameters, pbwire.BytesType)
		b = pbwire.AppendBytes(b, account)
	}
	b = appendInt32(b, fieldVersion, int32(p.Version))
	b = appendInt32(b, fieldBatchSize, int32(p.BatchSize))
	b = appendInt32(b, fieldBatchIndex, int32(p.BatchIndex))
	b = appendInt32(b, fieldBatchID, p.BatchID)

	uri := "otpauth-migration://offline?data=" + otpauth.QueryEscape(base64.StdEncoding.EncodeToString(b))
	if len(uri) > MaxURILength {
		return "", ErrTooLarge
	}
	return uri, nil
}

// appendInt32 writes a proto3 int32 field, leaving out zero as proto3 does;
// negative values are sign-extended to ten bytes, as the wire format says.
func appendInt32(b []byte, num pbwire.Number, v int32) []byte {
	if v == 0 {
		return b
	}
	b = pbwire.AppendTag(b, num, pbwire.VarintType)
	return pbwire.AppendVarint(b, uint64(int64(v)))
}

func marshalAccount(k *otpauth.Key) ([]byte, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	var algorithm, digits, ty uint64
	switch k.Algorithm {
	case otpauth.SHA1:
		algorithm = algorithmSHA1
	case otpauth.SHA256:
		algorithm = algorithmSHA256
	case otpauth.SHA512:
		algorithm = algorithmSHA512
	}
	switch k.Digits {
	case 6:
		digits = digitsSix
	case 7:
		digits = digitsSeven
	case 8:
		digits = digitsEight
	}
	switch k.Type {
	case otpauth.TOTP:
		if k.Period != Period {
			return nil, fmt.Errorf("%w (the export format has only %d s)", otpauth.ErrPeriod, Period)
		}
		ty = typeTOTP
	case otpauth.HOTP:
		if k.Counter > math.MaxInt64 {
			return nil, fmt.Errorf("%w (the export format stops at 2^63)", otpauth.ErrCounter)
		}
		ty = typeHOTP
	}

	// Google Authenticator shows the issuer field beside the name, so the
	// name is the bare account unless a colon in it would be read as an
	// issuer prefix on the way back.
	name := k.Account
	if strings.Contains(k.Account, ":") {
		name = k.Issuer + ":" + k.Account
	}
	b := pbwire.AppendTag(nil, fieldSecret, pbwire.BytesType)
	b = pbwire.AppendBytes(b, k.Secret)
	b = pbwire.AppendTag(b, fieldName, pbwire.BytesType)
	b = pbwire.AppendString(b, name)
	if k.Issuer != "" {
		b = pbwire.AppendTag(b, fieldIssuer, pbwire.BytesType)
		b = pbwire.AppendString(b, k.Issuer)
	}
	for _, field := range []struct {
		num pbwire.Number
		v   uint64
	}{{fieldAlgorithm, algorithm}, {fieldDigits, digits}, {fieldType, ty}, {fieldCounter, k.Counter}} {
		if field.num == fieldCounter && k.Type != otpauth.HOTP {
			continue
		}
		b = pbwire.AppendTag(b, field.num, pbwire.VarintType)
		b = pbwire.AppendVarint(b, field.v)
	}
	return b, nil
}
