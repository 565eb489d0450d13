package pushhub

import (
	"fmt"
	"testing"
)

// A prompt is sent once per connection, and never after the connection was
// told it is settled (the pending query can race the settlement).
func TestPromptSentOnceAndNeverAfterSettled(t *testing.T) {
	c := &conn{}
	if !c.mark("ch_a", promptSent) || c.mark("ch_a", promptSent) {
		t.Fatal("a prompt must be sendable once")
	}
	c.mark("ch_b", promptSettled)
	if c.mark("ch_b", promptSent) {
		t.Fatal("a settled prompt was sent after its Settled frame")
	}
	// A long-lived connection forgets settled challenges, not sent ones.
	for i := range maxSeen {
		c.mark(fmt.Sprintf("ch_%d", i), promptSettled)
	}
	if c.mark("ch_a", promptSent) {
		t.Fatal("an unsettled prompt was forgotten and sent again")
	}
	if len(c.seen) > maxSeen {
		t.Fatalf("seen grew to %d", len(c.seen))
	}
}
