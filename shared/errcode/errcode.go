// Package errcode gives an error a stable code for programs beside its
// sentence for people. Each package of the authenticator (and the shared
// packages it uses) declares its errors with New, so the code travels with
// the error from where it is made; wasm/app hands the page the code and
// the sentence as they are, and anything without a code as "internal",
// without its text. Sentences are plain, with no "pkg: " prefix.
package errcode

import "errors"

// Error is an error with a code.
type Error struct{ code, msg string }

// New makes an error with a code (snake_case, stable: the page branches on
// it) and a sentence a person can read.
func New(code, sentence string) *Error { return &Error{code: code, msg: sentence} }

func (e *Error) Error() string { return e.msg }

// ErrorCode is the error's code.
func (e *Error) ErrorCode() string { return e.code }

// Coded is any error that carries a code: an *Error, or a type of its own
// (one that holds details, such as the bad character of a key).
type Coded interface {
	error
	ErrorCode() string
}

// Detailed is a coded error with details for the page (for example
// {"position": 3, "char": "1"}).
type Detailed interface {
	Coded
	ErrorDetails() map[string]any
}

// Code is the code of the first coded error in err's tree, or "" when none
// has one.
func Code(err error) string {
	var c Coded
	if errors.As(err, &c) {
		return c.ErrorCode()
	}
	return ""
}

// Details are the details of the first coded error in err's tree, if it
// has any.
func Details(err error) map[string]any {
	var c Coded
	if !errors.As(err, &c) {
		return nil
	}
	if d, ok := c.(Detailed); ok {
		return d.ErrorDetails()
	}
	return nil
}
