package syncclient

import (
	"math/rand/v2"
	"testing"
)

func checkBetween(t testing.TB, lo, hi string, n int) []string {
	t.Helper()
	got := positionsBetween(lo, hi, n)
	if len(got) != n {
		t.Fatalf("positionsBetween(%q, %q, %d) gave %d keys", lo, hi, n, len(got))
	}
	prev := lo
	for _, k := range got {
		if !validPos(k) || k <= prev || hi != "" && k >= hi {
			t.Fatalf("positionsBetween(%q, %q, %d): key %q after %q (all: %q)", lo, hi, n, k, prev, got)
		}
		prev = k
	}
	return got
}

func TestPositionsBetween(t *testing.T) {
	for _, tc := range []struct {
		lo, hi string
		n      int
	}{
		{"", "", 1}, {"", "", 100}, {"", "", 5000}, {"V", "", 1}, {"z", "", 1}, {"zzz", "", 3},
		{"", "1", 1}, {"", "01", 2}, {"A", "B", 1}, {"A", "A1", 1}, {"A", "A01", 70}, {"Az", "B", 3},
		{"1", "z", 200},
	} {
		checkBetween(t, tc.lo, tc.hi, tc.n)
	}
	if positionsBetween("B", "A", 1) != nil || positionsBetween("A", "A", 1) != nil {
		t.Fatal("keys between a higher and a lower bound")
	}
	// Adding at the end one by one, 10,000 times, keeps keys short.
	last := ""
	for range 10000 {
		last = checkBetween(t, last, "", 1)[0]
	}
	if len(last) > 7 {
		t.Fatalf("after 10,000 appends the key is %q", last)
	}
	// Moving to the top one by one grows keys slowly too.
	first := "V"
	for range 1000 {
		first = checkBetween(t, "", first, 1)[0]
	}
	if len(first) > 15 {
		t.Fatalf("after 1,000 moves to the top the key is %q", first)
	}
}

func FuzzPositionsBetween(f *testing.F) {
	f.Add(uint64(1), uint8(3))
	f.Fuzz(func(t *testing.T, seed uint64, n uint8) {
		r := rand.New(rand.NewPCG(seed, 0))
		key := func() string {
			for {
				b := make([]byte, 1+r.IntN(8))
				for i := range b {
					b[i] = posDigits[r.IntN(posBase)]
				}
				if k := string(b); validPos(k) {
					return k
				}
			}
		}
		lo, hi := key(), key()
		if lo > hi {
			lo, hi = hi, lo
		}
		if r.IntN(4) == 0 {
			lo = ""
		}
		if r.IntN(4) == 0 {
			hi = ""
		}
		if lo == hi && lo != "" {
			return
		}
		checkBetween(t, lo, hi, int(n)+1)
	})
}
