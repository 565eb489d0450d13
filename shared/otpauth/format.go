package otpauth

import (
	"strconv"
	"strings"
)

// URI formats k as an otpauth URI that Parse reads back to an equal Key:
// label "Issuer:Account" percent-escaped, then secret (unpadded base32),
// issuer, algorithm, digits, period or counter, then Extra in order.
//
// Every parameter is written, defaults too, so no app has to guess. A zero
// Type, Algorithm, Digits or (TOTP) Period is written as its default (totp,
// SHA1, 6, 30). Everything but letters, digits, "-._~" and "@" is
// percent-escaped, spaces as %20 and "+" as %2B, which every authenticator
// app reads back the same way. URI does not check k; call Validate first for
// a key that did not come from Parse.
func (k *Key) URI() string {
	var b strings.Builder
	b.Grow(64 + len(k.Issuer)*2 + len(k.Account) + len(k.Secret)*8/5)

	typ := k.Type
	if typ == "" {
		typ = TOTP
	}
	b.WriteString("otpauth://")
	b.WriteString(string(typ))
	b.WriteByte('/')
	if k.Issuer != "" {
		writeEscaped(&b, k.Issuer)
		b.WriteByte(':')
	}
	writeEscaped(&b, k.Account)

	b.WriteString("?secret=")
	b.WriteString(EncodeSecret(k.Secret))
	if k.Issuer != "" {
		b.WriteString("&issuer=")
		writeEscaped(&b, k.Issuer)
	}
	b.WriteString("&algorithm=")
	b.WriteString(string(orDefault(k.Algorithm, DefaultAlgorithm)))
	b.WriteString("&digits=")
	b.WriteString(strconv.Itoa(orDefault(k.Digits, DefaultDigits)))
	if typ == HOTP {
		b.WriteString("&counter=")
		b.WriteString(strconv.FormatUint(k.Counter, 10))
	} else {
		b.WriteString("&period=")
		b.WriteString(strconv.Itoa(orDefault(k.Period, DefaultPeriod)))
	}
	for _, p := range k.Extra {
		b.WriteByte('&')
		writeEscaped(&b, p.Name)
		b.WriteByte('=')
		writeEscaped(&b, p.Value)
	}
	return b.String()
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// writeEscaped percent-escapes s for both the label and a query value.
// Escaping more than RFC 3986 requires (":", "+", "&", "=", "/") costs a few
// bytes and spares every reader from its own rules about them.
func writeEscaped(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '@' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}
