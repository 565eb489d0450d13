package errcode

import (
	"errors"
	"fmt"
	"testing"
)

type withDetails struct{ pos int }

func (e *withDetails) Error() string                { return "bad character" }
func (e *withDetails) ErrorCode() string            { return "bad_key" }
func (e *withDetails) ErrorDetails() map[string]any { return map[string]any{"position": e.pos} }

func TestCodeAndDetailsThroughWrapping(t *testing.T) {
	errLocked := New("locked", "the vault is locked")
	if Code(errLocked) != "locked" || errLocked.Error() != "the vault is locked" || Details(errLocked) != nil {
		t.Fatal(errLocked)
	}
	wrapped := fmt.Errorf("saving: %w", errLocked)
	if Code(wrapped) != "locked" || !errors.Is(wrapped, errLocked) {
		t.Fatal(wrapped)
	}
	// The first coded error in the tree wins, joined trees included.
	joined := errors.Join(errors.New("plain"), fmt.Errorf("key: %w", &withDetails{pos: 3}), errLocked)
	if Code(joined) != "bad_key" || Details(joined)["position"] != 3 {
		t.Fatalf("%q %v", Code(joined), Details(joined))
	}
	if Code(errors.New("plain")) != "" || Details(errors.New("plain")) != nil || Code(nil) != "" {
		t.Fatal("an uncoded error has a code")
	}
}
