package transfer

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
)

// Text lists, one account or export per line, blank lines and lines
// starting with # ignored: otpauth:// URIs (what Aegis, andOTP and many
// others export as "URI list", and Ente Auth's plain text export, whose
// URIs may carry Ente's own codeDisplay parameter), and Google
// Authenticator's otpauth-migration://offline?data=... exports, decoded by
// shared/migration. A list has no integrity check: a line that does not
// parse as a URI (a cut, a broken escape, bad base32, a broken export
// payload) makes the whole file ErrDamaged, while a well-formed URI of a
// kind Twofold does not support is skipped with its reason. A list cut
// exactly between two parameters cannot be told from a whole one.

func parseURIList(data []byte, opt *Options) (*Result, error) {
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("%w (not UTF-8 text)", ErrNotFormat)
	}
	var (
		c         collector
		onlyGA    = true
		ente      = false
		batches   = map[int32]*gaBatch{}
		batchKeys []int32
	)
	for i, line := range strings.Split(string(trimBOM(data)), "\n") {
		n := i + 1
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lower := strings.ToLower(line)
		switch {
		case strings.HasPrefix(lower, "otpauth-migration:"):
			p, bad, err := migration.DecodeEach(line)
			if err != nil {
				return nil, lineDamage(n, err)
			}
			for _, b := range bad {
				c.res.Skipped = append(c.res.Skipped, Skipped{Index: n, Err: entryError(b.Err)})
			}
			b := batches[p.BatchID]
			if b == nil {
				b = &gaBatch{size: max(p.BatchSize, 1), seen: map[int]bool{}}
				batches[p.BatchID] = b
				batchKeys = append(batchKeys, p.BatchID)
			}
			b.seen[p.BatchIndex] = true
			for k := range p.Accounts {
				c.n = n - 1
				c.add(FromKey(&p.Accounts[k]).fields(), nil)
			}
		case strings.HasPrefix(lower, "otpauth:"):
			onlyGA = false
			ente = ente || strings.Contains(lower, "codedisplay=")
			f, err := parseOTPAuth(line, "", "")
			if err != nil && !entryLevel(err) {
				return nil, lineDamage(n, err)
			}
			c.n = n - 1
			c.add(f, err)
		default:
			if c.n == 0 && len(c.res.Entries) == 0 && len(c.res.Skipped) == 0 {
				return nil, fmt.Errorf("%w (not a list of otpauth URIs)", ErrNotFormat)
			}
			return nil, lineDamage(n, errors.New("not an otpauth:// or otpauth-migration:// URI"))
		}
	}
	// Entries of a list are numbered by line, so Skipped.Index is a line.
	c.res.Format = FormatOTPAuth
	switch {
	case ente:
		c.res.Format = FormatEnte
	case onlyGA && len(batches) > 0:
		c.res.Format = FormatGoogle
	}
	for _, id := range batchKeys {
		if w := batches[id].missing(); w != "" {
			c.res.Warnings = append(c.res.Warnings, w)
		}
	}
	return &c.res, nil
}

// gaBatch tracks which parts of one Google Authenticator export were given.
type gaBatch struct {
	size int
	seen map[int]bool
}

func (b *gaBatch) missing() string {
	var parts []string
	for i := range b.size {
		if !b.seen[i] {
			parts = append(parts, fmt.Sprint(i+1))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return fmt.Sprintf("a Google Authenticator export of %d QR codes is missing code %s: scan it too, or its accounts are left behind", b.size, strings.Join(parts, ", "))
}

// entryLevel tells a well-formed URI of an unsupported kind (skipped) from
// a broken line (damage).
func entryLevel(err error) bool {
	for _, target := range []error{ErrUnsupportedType, ErrUnsupportedAlgorithm, otpauth.ErrDigits,
		otpauth.ErrPeriod, otpauth.ErrLabel, otpauth.ErrIssuerConflict, otpauth.ErrSecretLength, otpauth.ErrCounter} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

func lineDamage(n int, err error) error {
	msg := strings.TrimPrefix(err.Error(), ErrInvalidEntry.Error()+": ")
	return fmt.Errorf("%w (line %d: %s)", ErrDamaged, n, msg)
}

// fields is e as parser fields (for entries that come already checked).
func (e Entry) fields() fields {
	return fields{typ: e.Type, issuer: e.Issuer, account: e.Account, secret: e.Secret,
		algorithm: e.Algorithm, digits: e.Digits, period: e.Period, counter: e.Counter}
}
