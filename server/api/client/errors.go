package client

import (
	"errors"
	"fmt"
)

// Error is the server's refusal of a request: the body
// {"error":{"code","message"}} with the response's status. Code is stable
// (scripts and programs branch on it); Message is a sentence for the person
// who made the request. When the body is not a Twofold error (a proxy's 502
// page, say), Code is empty and Message says what the status was.
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string {
	if e.Code == "" {
		return e.Message
	}
	return fmt.Sprintf("%s (%s)", e.Message, e.Code)
}

// IsCode reports whether err is (or wraps) the server's refusal with this
// code, e.g. IsCode(err, "fresh_factor_required").
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code != "" && e.Code == code
}

// StatusOf is the HTTP status of the server's refusal err, or 0 when err is
// not one (nil, or the server was not reached).
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}
