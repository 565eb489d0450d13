package accounts

import (
	"fmt"
	"testing"
)

// benchState is a list of n accounts with varied names, a few pinned and
// in groups, as a person with many accounts has.
func benchState(b *testing.B, n int) *State {
	r := rnd()
	s := &State{}
	for i := range n {
		k := totpKey(fmt.Sprintf("Service %03d", (i*37)%n), fmt.Sprintf("user%d@example.com", i), []byte(fmt.Sprintf("secret-%05d-0123456789", i)))
		a, err := New(k, r, epoch)
		if err != nil {
			b.Fatal(err)
		}
		a.Pinned = i%17 == 0
		if i%3 == 0 {
			a.Tags = []string{"Work"}
		}
		if s, err = s.Add(a); err != nil {
			b.Fatal(err)
		}
	}
	return s
}

// BenchmarkList prints how long the page's list calls take at 50 and 500
// accounts: the list in display order (sorted by issuer, pinned first), a
// search, and every account's codes (once a second while the list shows).
func BenchmarkList(b *testing.B) {
	for _, n := range []int{50, 500} {
		s, err := benchState(b, n).WithSettings(Settings{Sort: SortIssuer})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("display/%d", n), func(b *testing.B) {
			for b.Loop() {
				s.Display()
			}
		})
		b.Run(fmt.Sprintf("search/%d", n), func(b *testing.B) {
			for b.Loop() {
				s.Search("work user1")
			}
		})
		b.Run(fmt.Sprintf("codes/%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Codes(epoch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
