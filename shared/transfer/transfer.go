package transfer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// Format names a kind of file. The names are the CLI's --format values.
type Format string

// The formats Import reads.
const (
	FormatAuto        Format = "auto" // detect (also the zero value)
	FormatAegis       Format = "aegis"
	Format2FAS        Format = "2fas"
	FormatAndOTP      Format = "andotp"
	FormatBitwarden   Format = "bitwarden"
	FormatFreeOTPPlus Format = "freeotp-plus"
	FormatEnte        Format = "ente"
	FormatProton      Format = "proton"
	FormatStratum     Format = "stratum"
	FormatSteam       Format = "steam"
	FormatGoogle      Format = "google"
	FormatOTPAuth     Format = "otpauth"
	FormatTwofold     Format = "twofold"
)

// Formats lists the formats Import reads, FormatAuto first.
func Formats() []Format {
	return []Format{FormatAuto, FormatAegis, Format2FAS, FormatAndOTP, FormatBitwarden, FormatFreeOTPPlus,
		FormatEnte, FormatProton, FormatStratum, FormatSteam, FormatGoogle, FormatOTPAuth, FormatTwofold}
}

// Name is the format as people know it ("Aegis", "2FAS", ...).
func (f Format) Name() string {
	switch f {
	case FormatAegis:
		return "Aegis"
	case Format2FAS:
		return "2FAS"
	case FormatAndOTP:
		return "andOTP"
	case FormatBitwarden:
		return "Bitwarden"
	case FormatFreeOTPPlus:
		return "FreeOTP+"
	case FormatEnte:
		return "Ente Auth"
	case FormatProton:
		return "Proton Authenticator"
	case FormatStratum:
		return "Authenticator Pro / Stratum"
	case FormatSteam:
		return "Steam Desktop Authenticator"
	case FormatGoogle:
		return "Google Authenticator"
	case FormatOTPAuth:
		return "otpauth URI list"
	case FormatTwofold:
		return "Twofold backup"
	}
	return "automatic"
}

// ParseFormat reads a format name as Formats spells it, ignoring case.
func ParseFormat(name string) (Format, bool) {
	for _, f := range Formats() {
		if strings.EqualFold(name, string(f)) {
			return f, true
		}
	}
	return "", false
}

// MaxFileSize bounds what Import reads. An Aegis vault with an icon per
// account stays well under it.
const MaxFileSize = 32 << 20

// Options tell Import how to read a file.
type Options struct {
	// Format is the file's format; FormatAuto or "" detects it.
	Format Format
	// Password opens an encrypted file. Nil means none was given: an
	// encrypted file then gives ErrPasswordRequired.
	Password []byte
	// OpenTwofold opens a Twofold backup; see TwofoldOpener.
	OpenTwofold TwofoldOpener
}

// TwofoldOpener decrypts a Twofold backup file (docs/vault-format.md) and
// returns its accounts. The backup's envelope and contents are the
// authenticator's own (wasm/vault, wasm/accounts), so this package detects
// the file but leaves opening it to the caller. Its errors must match
// ErrWrongPassword, ErrDamaged or ErrUnsupported.
type TwofoldOpener func(file, password []byte) ([]otpauth.Key, error)

// Result is what a file holds: the entries that can be imported, in file
// order, and those that cannot, each with its reason.
type Result struct {
	Format   Format
	Entries  []Entry
	Skipped  []Skipped
	Warnings []string // what a person should know, e.g. a Google export part not given
}

// parser reads one format. It returns ErrNotFormat when data is plainly not
// of its format (for an explicit Options.Format).
type parser func(data []byte, opt *Options) (*Result, error)

var parsers = map[Format]parser{
	FormatAegis:       parseAegis,
	Format2FAS:        parse2FAS,
	FormatAndOTP:      parseAndOTP,
	FormatBitwarden:   parseBitwarden,
	FormatFreeOTPPlus: parseFreeOTPPlus,
	FormatEnte:        parseURIList,
	FormatProton:      parseProton,
	FormatStratum:     parseStratum,
	FormatSteam:       parseSteam,
	FormatGoogle:      parseURIList,
	FormatOTPAuth:     parseURIList,
	FormatTwofold:     parseTwofold,
}

// Import reads the accounts of a file. It detects the format unless
// opt.Format names one. An encrypted file needs opt.Password
// (ErrPasswordRequired otherwise; ErrWrongPassword when it does not fit).
// A file that is damaged, cut short or modified gives an error matching
// ErrDamaged and no entries. Entries the file holds but Twofold cannot use
// (a Yandex or mOTP account, MD5, ...) are listed in Result.Skipped with
// the reason, and the rest are imported.
func Import(data []byte, opt Options) (*Result, error) {
	if len(data) > MaxFileSize {
		return nil, ErrTooLarge
	}
	format := opt.Format
	if format == "" || format == FormatAuto {
		var err error
		if format, err = Detect(data); err != nil {
			return nil, err
		}
	}
	parse, ok := parsers[format]
	if !ok {
		return nil, fmt.Errorf("%w (format)", ErrUnknownFormat)
	}
	res, err := parse(data, &opt)
	if err != nil {
		return nil, err
	}
	if len(res.Entries) == 0 && len(res.Skipped) == 0 {
		return nil, ErrNoAccounts
	}
	if format == FormatOTPAuth || format == FormatEnte || format == FormatGoogle {
		if opt.Format == "" || opt.Format == FormatAuto {
			format = res.Format // the list says which it is
		}
	}
	res.Format = format
	return res, nil
}

// Detect names the format of a file from its content: the magic bytes of
// the binary formats, the top-level keys of the JSON ones, the first line
// of the text ones. A JSON file cut short before its distinctive keys is
// ErrDamaged; anything else unknown is ErrUnknownFormat.
func Detect(data []byte) (Format, error) {
	if len(data) > MaxFileSize {
		return "", ErrTooLarge
	}
	switch {
	case bytes.HasPrefix(data, []byte(twofoldMagic)):
		return FormatTwofold, nil
	case bytes.HasPrefix(data, []byte(stratumMagic)), bytes.HasPrefix(data, []byte(stratumLegacyMagic)):
		return FormatStratum, nil
	}
	text := trimBOM(data)
	trimmed := bytes.TrimLeft(text, " \t\r\n")
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && utf8.Valid(trimmed) {
		return detectJSON(trimmed)
	}
	if utf8.Valid(text) {
		if f, ok := detectText(string(text)); ok {
			return f, nil
		}
		return "", ErrUnknownFormat
	}
	if looksLikeAndOTP(data) {
		return FormatAndOTP, nil
	}
	return "", fmt.Errorf("%w (if it is an andOTP backup from before andOTP 0.6.3, name the format andotp)", ErrUnknownFormat)
}

func trimBOM(b []byte) []byte { return bytes.TrimPrefix(b, []byte("\ufeff")) }

// detectJSON names a JSON format by its top-level keys (andOTP's plain
// export is the one top-level array).
func detectJSON(data []byte) (Format, error) {
	if data[0] == '[' {
		return FormatAndOTP, nil
	}
	keys, complete := topLevelKeys(data)
	has := func(names ...string) bool {
		for _, n := range names {
			if keys[n] {
				return true
			}
		}
		return false
	}
	switch {
	case has("header") && has("db"):
		return FormatAegis, nil
	case has("servicesEncrypted") || has("services") && has("schemaVersion"):
		return Format2FAS, nil
	case has("items") && has("encrypted", "folders", "collections"), has("encKeyValidation_DO_NOT_EDIT", "passwordProtected"):
		return FormatBitwarden, nil
	case has("tokens") && has("tokenOrder"):
		return FormatFreeOTPPlus, nil
	case has("Authenticators"):
		return FormatStratum, nil
	case has("entries") && has("version"):
		return FormatProton, nil
	case has("shared_secret"):
		return FormatSteam, nil
	case has("tokens"):
		return FormatFreeOTPPlus, nil
	}
	if !complete {
		return "", fmt.Errorf("%w (the JSON is not complete)", ErrDamaged)
	}
	return "", ErrUnknownFormat
}

// topLevelKeys returns the keys of a JSON object as far as it can be read,
// and whether it was read to its end.
func topLevelKeys(data []byte) (map[string]bool, bool) {
	keys := map[string]bool{}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return keys, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return keys, false
		}
		key, _ := tok.(string)
		keys[key] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys, false
		}
	}
	if _, err := dec.Token(); err != nil {
		return keys, false
	}
	return keys, true
}

// detectText names a text format by its first line that is not blank or a
// comment.
func detectText(text string) (Format, bool) {
	for line := range strings.SplitSeq(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lower := strings.ToLower(line)
		switch {
		case strings.HasPrefix(lower, "otpauth-migration:"):
			return FormatGoogle, true
		case strings.HasPrefix(lower, "otpauth:"):
			return FormatOTPAuth, true
		case strings.Contains(lower, "login_totp"):
			return FormatBitwarden, true
		}
		return "", false
	}
	return "", false
}

// decodeJSON unmarshals data into v. Its errors match ErrDamaged and say
// where the JSON broke, never what it holds (json's own messages quote
// input).
func decodeJSON(data []byte, v any) error {
	err := json.Unmarshal(trimBOM(data), v)
	if err == nil {
		return nil
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax) && syntax.Offset >= int64(len(data)):
		return fmt.Errorf("%w (the JSON is not complete)", ErrDamaged)
	case errors.As(err, &syntax):
		return fmt.Errorf("%w (not valid JSON at byte %d)", ErrDamaged, syntax.Offset)
	case errors.As(err, &typ):
		return fmt.Errorf("%w (a value of the wrong type in field %q)", ErrDamaged, typ.Field)
	}
	return fmt.Errorf("%w (not valid JSON)", ErrDamaged)
}

// collector gathers a parser's entries and skipped entries.
type collector struct {
	res Result
	n   int
}

// add records the next entry of the file: imported when err is nil and
// f makes a valid entry, else skipped with the reason.
func (c *collector) add(f fields, err error) {
	c.n++
	if err == nil {
		var e Entry
		if e, err = f.entry(); err == nil {
			c.res.Entries = append(c.res.Entries, e)
			return
		}
	}
	c.res.Skipped = append(c.res.Skipped, Skipped{Index: c.n, Issuer: cleanName(f.issuer), Account: cleanName(f.account), Err: err})
}

// cleanName keeps a name for a Skipped only when it can be shown safely.
func cleanName(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > otpauth.MaxLabelLength || !utf8.ValidString(s) {
		return ""
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || '\u202A' <= r && r <= '\u202E' || '\u2066' <= r && r <= '\u2069' {
			return ""
		}
	}
	return s
}
