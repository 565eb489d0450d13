package pbwire

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// Every function is checked against protowire, whose behaviour this package
// promises: the same values, lengths and error codes (and error texts).

// same checks one input against protowire's consumers.
func same(t *testing.T, b []byte) {
	t.Helper()
	if v, n := ConsumeVarint(b); true {
		pv, pn := protowire.ConsumeVarint(b)
		if v != pv || n != pn {
			t.Fatalf("ConsumeVarint(%x) = %d, %d; protowire %d, %d", b, v, n, pv, pn)
		}
	}
	num, typ, n := ConsumeTag(b)
	pnum, ptyp, pn := protowire.ConsumeTag(b)
	if int32(num) != int32(pnum) || int8(typ) != int8(ptyp) || n != pn {
		t.Fatalf("ConsumeTag(%x) = %d, %d, %d; protowire %d, %d, %d", b, num, typ, n, pnum, ptyp, pn)
	}
	v, n := ConsumeBytes(b)
	pv, pn := protowire.ConsumeBytes(b)
	if !bytes.Equal(v, pv) || n != pn {
		t.Fatalf("ConsumeBytes(%x) = %x, %d; protowire %x, %d", b, v, n, pv, pn)
	}
	for typ := range Type(8) {
		for _, num := range []Number{1, 2, 5, math.MaxInt32} {
			n, pn := ConsumeFieldValue(num, typ, b), protowire.ConsumeFieldValue(protowire.Number(num), protowire.Type(typ), b)
			if n != pn {
				t.Fatalf("ConsumeFieldValue(%d, %d, %x) = %d; protowire %d", num, typ, b, n, pn)
			}
			sameError(t, n)
		}
	}
}

// sameError compares ParseError's texts without protowire's "proto: "
// prefix (whose space protowire varies on purpose, per binary).
func sameError(t *testing.T, n int) {
	t.Helper()
	err, perr := ParseError(n), protowire.ParseError(n)
	if (err == nil) != (perr == nil) {
		t.Fatalf("ParseError(%d) = %v; protowire %v", n, err, perr)
	}
	if err != nil {
		want := strings.TrimPrefix(strings.TrimPrefix(perr.Error(), "proto: "), "proto:\u00a0")
		if err.Error() != want {
			t.Fatalf("ParseError(%d) = %q; protowire %q", n, err, perr)
		}
	}
}

// Hand-picked edges: truncation, the 10-byte varint limit, field numbers
// 0 and beyond int32, reserved wire types, groups (nested, mismatched,
// unterminated, too deep).
func TestAgainstProtowireEdges(t *testing.T) {
	group := func(num Number, inner []byte) []byte {
		b := AppendTag(nil, num, StartGroupType)
		b = append(b, inner...)
		return AppendTag(b, num, EndGroupType)
	}
	deep := []byte{}
	for range recursionLimit + 2 {
		deep = AppendTag(deep, 1, StartGroupType)
	}
	for _, b := range [][]byte{
		nil, {0}, {0x80}, {0x80, 0x80}, {0x7f},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},
		{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x81, 0x00},
		{0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00},
		{0x80, 0x00}, // a varint written long
		AppendTag(nil, 0, VarintType),
		AppendVarint(nil, uint64(math.MaxInt32)<<3|2),
		AppendVarint(nil, (uint64(math.MaxInt32)+1)<<3|2),
		{0x0e}, {0x0f}, // wire types 6 and 7
		AppendBytes(nil, []byte("hello")),
		AppendBytes(nil, []byte("hello"))[:4],
		append(AppendVarint(nil, math.MaxUint64), 1, 2, 3),
		group(1, nil), group(1, group(2, AppendBytes(AppendTag(nil, 3, BytesType), []byte("x")))),
		group(1, nil)[:1],
		append(AppendTag(nil, 1, StartGroupType), AppendTag(nil, 2, EndGroupType)...),
		append(AppendTag(nil, 1, StartGroupType), 0x0d, 1, 2, 3, 4, 0x0c),
		deep,
		{1, 2, 3}, {1, 2, 3, 4, 5, 6, 7, 8},
	} {
		same(t, b)
		if len(b) > 0 {
			same(t, b[1:])
		}
	}
	for n := -8; n <= 1; n++ {
		sameError(t, n)
	}
}

func TestAppendAgainstProtowire(t *testing.T) {
	r := rand.New(rand.NewChaCha8([32]byte{9}))
	for range 5000 {
		v := r.Uint64() >> r.IntN(64)
		num := Number(1 + r.Int32N(math.MaxInt32))
		typ := Type(r.IntN(8))
		s := make([]byte, r.IntN(300))
		for i := range s {
			s[i] = byte(r.Uint32())
		}
		prefix := []byte{0xaa}
		for _, c := range []struct{ got, want []byte }{
			{AppendVarint(prefix, v), protowire.AppendVarint(prefix, v)},
			{AppendTag(prefix, num, typ), protowire.AppendTag(prefix, protowire.Number(num), protowire.Type(typ))},
			{AppendBytes(prefix, s), protowire.AppendBytes(prefix, s)},
			{AppendString(prefix, string(s)), protowire.AppendString(prefix, string(s))},
		} {
			if !bytes.Equal(c.got, c.want) {
				t.Fatalf("v=%d num=%d typ=%d: %x, protowire %x", v, num, typ, c.got, c.want)
			}
		}
		x := int64(v)
		if EncodeZigZag(x) != protowire.EncodeZigZag(x) || DecodeZigZag(v) != protowire.DecodeZigZag(v) || DecodeZigZag(EncodeZigZag(x)) != x {
			t.Fatalf("zig-zag %d", x)
		}
		// What was appended reads back the same both ways.
		same(t, AppendVarint(nil, v))
		same(t, AppendTag(nil, num, typ))
		same(t, AppendBytes(nil, s))
		same(t, s)
	}
}

// FuzzAgainstProtowire feeds any bytes to every consumer of both packages.
func FuzzAgainstProtowire(f *testing.F) {
	f.Add([]byte{0x0a, 0x03, 'a', 'b', 'c'})
	f.Add([]byte{0x0b, 0x10, 0x01, 0x0c})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) { same(t, b) })
}
