package pbwire

import (
	"errors"
	"io"
	"math"
)

// Number is a field number.
type Number int32

// MinValidNumber is the smallest field number a tag may carry.
const MinValidNumber Number = 1

// Type is a wire type.
type Type int8

// The wire types.
const (
	VarintType     Type = 0
	Fixed32Type    Type = 5
	Fixed64Type    Type = 1
	BytesType      Type = 2
	StartGroupType Type = 3
	EndGroupType   Type = 4
)

// Error codes, returned as negative lengths (ParseError turns them into
// errors), the same as protowire's.
const (
	_ = -iota
	errCodeTruncated
	errCodeFieldNumber
	errCodeOverflow
	errCodeReserved
	errCodeEndGroup
	errCodeRecursionDepth
)

// recursionLimit bounds nested groups, as protowire's DefaultRecursionLimit.
const recursionLimit = 10000

var (
	errFieldNumber = errors.New("invalid field number")
	errOverflow    = errors.New("variable length integer overflow")
	errReserved    = errors.New("cannot parse reserved wire type")
	errEndGroup    = errors.New("mismatching end group marker")
	errParse       = errors.New("parse error")
)

// ParseError converts a negative length into an error; nil for n >= 0.
func ParseError(n int) error {
	switch {
	case n >= 0:
		return nil
	case n == errCodeTruncated:
		return io.ErrUnexpectedEOF
	case n == errCodeFieldNumber:
		return errFieldNumber
	case n == errCodeOverflow:
		return errOverflow
	case n == errCodeReserved:
		return errReserved
	case n == errCodeEndGroup:
		return errEndGroup
	}
	return errParse
}

// AppendVarint appends v as a varint.
func AppendVarint(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// ConsumeVarint reads a varint of at most 10 bytes and reports its length,
// negative on error.
func ConsumeVarint(b []byte) (v uint64, n int) {
	for i := range 10 {
		if i >= len(b) {
			return 0, errCodeTruncated
		}
		c := b[i]
		if i == 9 && c > 1 {
			return 0, errCodeOverflow // beyond 64 bits
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, errCodeOverflow // not reached: the tenth byte ends or overflows
}

// AppendTag appends the tag of field num with wire type typ.
func AppendTag(b []byte, num Number, typ Type) []byte {
	return AppendVarint(b, uint64(num)<<3|uint64(typ&7))
}

// ConsumeTag reads a tag and reports its length, negative on error (a field
// number below 1, or beyond int32, is an error).
func ConsumeTag(b []byte) (Number, Type, int) {
	v, n := ConsumeVarint(b)
	if n < 0 {
		return 0, 0, n
	}
	if v>>3 > math.MaxInt32 || Number(v>>3) < MinValidNumber {
		return 0, 0, errCodeFieldNumber
	}
	return Number(v >> 3), Type(v & 7), n
}

// AppendBytes appends v with its length.
func AppendBytes(b []byte, v []byte) []byte {
	return append(AppendVarint(b, uint64(len(v))), v...)
}

// AppendString appends v with its length.
func AppendString(b []byte, v string) []byte {
	return append(AppendVarint(b, uint64(len(v))), v...)
}

// ConsumeBytes reads a length-delimited value (a slice of b) and reports the
// length it took, negative on error.
func ConsumeBytes(b []byte) (v []byte, n int) {
	m, n := ConsumeVarint(b)
	if n < 0 {
		return nil, n
	}
	if m > uint64(len(b)-n) {
		return nil, errCodeTruncated
	}
	return b[n : n+int(m)], n + int(m)
}

// ConsumeFieldValue reports the length of the value of field num, of wire
// type typ, at the start of b (its tag already read), negative on error. A
// group's length includes its end marker, which must name num.
func ConsumeFieldValue(num Number, typ Type, b []byte) int {
	return consumeFieldValue(num, typ, b, recursionLimit)
}

func consumeFieldValue(num Number, typ Type, b []byte, depth int) int {
	switch typ {
	case VarintType:
		_, n := ConsumeVarint(b)
		return n
	case Fixed32Type, Fixed64Type:
		size := 4
		if typ == Fixed64Type {
			size = 8
		}
		if len(b) < size {
			return errCodeTruncated
		}
		return size
	case BytesType:
		_, n := ConsumeBytes(b)
		return n
	case StartGroupType:
		if depth < 0 {
			return errCodeRecursionDepth
		}
		start := len(b)
		for {
			num2, typ2, n := ConsumeTag(b)
			if n < 0 {
				return n
			}
			b = b[n:]
			if typ2 == EndGroupType {
				if num2 != num {
					return errCodeEndGroup
				}
				return start - len(b)
			}
			if n = consumeFieldValue(num2, typ2, b, depth-1); n < 0 {
				return n
			}
			b = b[n:]
		}
	case EndGroupType:
		return errCodeEndGroup
	}
	return errCodeReserved
}

// EncodeZigZag maps signed to unsigned so small magnitudes stay small.
func EncodeZigZag(x int64) uint64 { return uint64(x<<1) ^ uint64(x>>63) }

// DecodeZigZag reverses EncodeZigZag.
func DecodeZigZag(x uint64) int64 { return int64(x>>1) ^ int64(x)<<63>>63 }
