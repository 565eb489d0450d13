package syncclient

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/twofold-auth/twofold/shared/errcode"
)

// A small JSON writer and reader for the sync routes' bodies: the wasm has
// no encoding/json (about 120 KB), and these bodies are flat objects of
// strings and integers.

// jsonObject writes an object of key, value pairs (values: string, int64,
// uint64, uint32, or a nested jsonObject as rawJSON).
type rawJSON string

func jsonObject(kv ...any) rawJSON {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(jsonString(kv[i].(string)))
		b.WriteByte(':')
		switch v := kv[i+1].(type) {
		case string:
			b.WriteString(jsonString(v))
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		case uint64:
			b.WriteString(strconv.FormatUint(v, 10))
		case uint32:
			b.WriteString(strconv.FormatUint(uint64(v), 10))
		case rawJSON:
			b.WriteString(string(v))
		default:
			panic("syncclient: jsonObject of an unexpected type")
		}
	}
	b.WriteByte('}')
	return rawJSON(b.String())
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

var errJSON = errcode.New("sync_server", "the sync server's answer was not what this page expects")

// parseJSON reads one JSON value: map[string]any, []any, string, int64,
// bool or nil.
func parseJSON(b []byte) (any, error) {
	p := &jsonParser{s: b}
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, errJSON
	}
	return v, nil
}

type jsonParser struct {
	s []byte
	i int
}

func (p *jsonParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\n' || p.s[p.i] == '\r' || p.s[p.i] == '\t') {
		p.i++
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	if depth > 16 {
		return nil, errJSON
	}
	p.space()
	if p.i >= len(p.s) {
		return nil, errJSON
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		m := map[string]any{}
		p.space()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return m, nil
		}
		for {
			p.space()
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.space()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, errJSON
			}
			p.i++
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			m[k] = v
			p.space()
			if p.i >= len(p.s) {
				return nil, errJSON
			}
			if p.s[p.i] == '}' {
				p.i++
				return m, nil
			}
			if p.s[p.i] != ',' {
				return nil, errJSON
			}
			p.i++
		}
	case c == '[':
		p.i++
		var a []any
		p.space()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return a, nil
		}
		for {
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
			p.space()
			if p.i >= len(p.s) {
				return nil, errJSON
			}
			if p.s[p.i] == ']' {
				p.i++
				return a, nil
			}
			if p.s[p.i] != ',' {
				return nil, errJSON
			}
			p.i++
		}
	case c == '"':
		return p.str()
	case c == 't' || c == 'f' || c == 'n':
		for _, w := range []string{"true", "false", "null"} {
			if strings.HasPrefix(string(p.s[p.i:min(len(p.s), p.i+5)]), w) {
				p.i += len(w)
				switch w {
				case "true":
					return true, nil
				case "false":
					return false, nil
				}
				return nil, nil
			}
		}
		return nil, errJSON
	default:
		// Integers only (every number of the sync routes is one):
		// strconv.ParseFloat's tables would cost the wasm for nothing.
		j := p.i
		for j < len(p.s) && strings.IndexByte("-0123456789", p.s[j]) >= 0 {
			j++
		}
		n, err := strconv.ParseInt(string(p.s[p.i:j]), 10, 64)
		if err != nil {
			return nil, errJSON
		}
		p.i = j
		return n, nil
	}
}

func (p *jsonParser) str() (string, error) {
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", errJSON
	}
	p.i++
	var b strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", errJSON
			}
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				if p.i+4 > len(p.s) {
					return "", errJSON
				}
				n, err := strconv.ParseUint(string(p.s[p.i:p.i+4]), 16, 16)
				if err != nil {
					return "", errJSON
				}
				p.i += 4
				b.WriteRune(rune(n)) // surrogates become U+FFFD: the routes send none
			default:
				return "", errJSON
			}
		case c < 0x20:
			return "", errJSON
		default:
			r, size := utf8.DecodeRune(p.s[p.i:])
			if r == utf8.RuneError && size == 1 {
				return "", errJSON
			}
			b.WriteRune(r)
			p.i += size
		}
	}
	return "", errJSON
}

// jv reads fields of a parsed JSON value without panicking.
type jv struct{ v any }

func (j jv) get(k string) jv {
	m, _ := j.v.(map[string]any)
	return jv{m[k]}
}
func (j jv) str() string { s, _ := j.v.(string); return s }
func (j jv) int() int64  { n, _ := j.v.(int64); return n }
func (j jv) boolean() bool {
	b, _ := j.v.(bool)
	return b
}
func (j jv) list() []jv {
	a, _ := j.v.([]any)
	out := make([]jv, len(a))
	for i, v := range a {
		out[i] = jv{v}
	}
	return out
}
