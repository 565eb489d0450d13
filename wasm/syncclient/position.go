package syncclient

// Positions place accounts in the display order: each live account has a
// position key, and the list is the accounts sorted by (key, id). A key
// is a fraction in base 62 written with the digits 0-9A-Za-z (in ASCII
// order, so keys compare as strings) and no trailing 0, so that there is
// always a key between two others. A move sends only the accounts that
// moved, with new keys between their neighbours' (not the whole order),
// and moves of different accounts on two browsers both survive.

const posDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

const posBase = len(posDigits)

// digitValue is the value of a key's character, -1 for a character that
// is not a digit.
func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
}

// validPos reports whether p is a key: digits only, not ending in 0.
func validPos(p string) bool {
	if p == "" || p[len(p)-1] == '0' || len(p) > maxPosLen {
		return false
	}
	for i := 0; i < len(p); i++ {
		if digitValue(p[i]) < 0 {
			return false
		}
	}
	return true
}

// maxPosLen bounds a key read from a change.
const maxPosLen = 64

// fraction is a key as digits at a precision: d[0] is the units digit
// (1 only for the upper bound 1.0), d[1:] the fraction's digits.
type fraction []int

func toFraction(p string, prec int, one bool) fraction {
	f := make(fraction, prec+1)
	if one {
		f[0] = 1
		return f
	}
	for i := 0; i < len(p) && i < prec; i++ {
		f[i+1] = digitValue(p[i])
	}
	return f
}

func (f fraction) String() string {
	b := make([]byte, 0, len(f)-1)
	for _, d := range f[1:] {
		b = append(b, posDigits[d])
	}
	for len(b) > 0 && b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	return string(b)
}

// sub is f - g (f >= g).
func (f fraction) sub(g fraction) fraction {
	out := make(fraction, len(f))
	borrow := 0
	for i := len(f) - 1; i >= 0; i-- {
		d := f[i] - g[i] - borrow
		borrow = 0
		if d < 0 {
			d += posBase
			borrow = 1
		}
		out[i] = d
	}
	return out
}

// add is f + g (no overflow past the units digit here).
func (f fraction) add(g fraction) fraction {
	out := make(fraction, len(f))
	carry := 0
	for i := len(f) - 1; i >= 0; i-- {
		d := f[i] + g[i] + carry
		carry = d / posBase
		out[i] = d % posBase
	}
	return out
}

// div is f / n, rounded down.
func (f fraction) div(n int) fraction {
	out := make(fraction, len(f))
	rem := 0
	for i := range f {
		cur := rem*posBase + f[i]
		out[i] = cur / n
		rem = cur % n
	}
	return out
}

// atLeast reports whether f, read as an integer of its digits, is >= n.
func (f fraction) atLeast(n int) bool {
	v := 0
	for _, d := range f {
		v = v*posBase + d
		if v >= n {
			return true
		}
	}
	return false
}

func unit(prec int) fraction {
	f := make(fraction, prec+1)
	f[prec] = 1
	return f
}

// positionsBetween returns n increasing keys strictly between lo and hi
// ("" for lo: 0; "" for hi: 1). After lo alone they follow it one step
// apart, and before hi alone they end one step before it, so that
// adding at an end again and again keeps keys short; between two keys
// they are spread evenly. The precision grows in levels (1, 3, 7, 15 …
// digits) only when the room runs out.
//
// It returns nil when lo is not below hi.
func positionsBetween(lo, hi string, n int) []string {
	if n <= 0 || lo != "" && hi != "" && lo >= hi {
		return nil
	}
	prec := 1
	for prec < len(lo) || prec < len(hi) {
		prec = prec*2 + 1
	}
	for {
		a, b := toFraction(lo, prec, false), toFraction(hi, prec, hi == "")
		diff := b.sub(a)
		if diff.atLeast(n + 1) {
			step := unit(prec)
			start := a
			switch {
			case hi == "":
				// After lo: the first key is one step above it.
			case lo == "":
				// Before hi: the last key is one step below it.
				start = b.sub(unit(prec).mul(n + 1))
			default:
				step = diff.div(n + 1)
			}
			out := make([]string, n)
			cur := start
			for i := range out {
				cur = cur.add(step)
				out[i] = cur.String()
			}
			return out
		}
		prec = prec*2 + 1
	}
}

// mul is f * n.
func (f fraction) mul(n int) fraction {
	out := make(fraction, len(f))
	carry := 0
	for i := len(f) - 1; i >= 0; i-- {
		d := f[i]*n + carry
		carry = d / posBase
		out[i] = d % posBase
	}
	return out
}
