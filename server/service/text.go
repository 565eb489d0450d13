package service

import (
	"strings"
	"unicode/utf8"
)

// clientText makes text a client sent outside a JSON body (a User-Agent
// header) fit for the store, whose contract is valid UTF-8 without NUL
// (PostgreSQL refuses the rest): invalid bytes become U+FFFD, NULs are
// dropped, and it is cut to at most max bytes on a character boundary.
func clientText(s string, max int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
