package otpauth

import "errors"

// Percent-encoding as URIs use it (RFC 3986), for this package's labels and
// parameters and for shared/migration's data parameter. net/url does the
// same, but importing it links net/netip and its package variables' unique
// handles, about 25 KB of WebAssembly that the authenticator's size budget
// counts (docs/import-formats.md, "Size"); Unescape and QueryEscape agree
// with url.PathUnescape, url.QueryUnescape and url.QueryEscape
// (TestEscapeAgreesWithNetURL).

// errEscape is a "%" not followed by two hexadecimal digits.
var errEscape = errors.New("invalid percent-escape")

// Unescape decodes %XX escapes; with query, "+" is a space as in a query
// (url.QueryUnescape), otherwise it stays "+" (url.PathUnescape).
func Unescape(s string, query bool) (string, error) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '%' {
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return "", errEscape
			}
			n++
			i += 2
		}
	}
	if n == 0 && (!query || !containsPlus(s)) {
		return s, nil
	}
	b := make([]byte, 0, len(s)-2*n)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%':
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		case c == '+' && query:
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return string(b), nil
}

// QueryEscape escapes s for a query value: letters, digits and "-_.~"
// stay, a space becomes "+", every other byte "%XX" (url.QueryEscape).
func QueryEscape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)*3)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~':
			b = append(b, c)
		case c == ' ':
			b = append(b, '+')
		default:
			b = append(b, '%', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return string(b)
}

func containsPlus(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '+' {
			return true
		}
	}
	return false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}
