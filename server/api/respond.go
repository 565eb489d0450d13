package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/twofold-auth/twofold/server/api/wire"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"
)

// MaxBodyBytes bounds every request body.
const MaxBodyBytes = 64 << 10

// handlerFunc is a handler that returns its error to the adapter.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle adapts a handlerFunc: the one place errors become responses.
func (a *api) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			a.writeError(w, r, err)
		}
	}
}

// writeError writes err's public face; an unexpected error is logged with
// its detail and answered with a bare 500.
func (a *api) writeError(w http.ResponseWriter, r *http.Request, err error) {
	pub := publicError(err)
	switch {
	case pub == nil:
		a.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		pub = errInternal
	case pub.Err != nil || pub.Status >= 500:
		a.log.InfoContext(r.Context(), "request refused", "method", r.Method, "path", r.URL.Path, "code", pub.Code, "err", err)
	}
	if pub.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "60")
	}
	if err := writeJSON(w, pub.Status, wire.ErrorBody{Error: wire.Error{Code: pub.Code, Message: pub.Message}}); err != nil {
		a.log.ErrorContext(r.Context(), "writing an error", "err", err) // cannot happen: two strings
	}
}

// writeJSON writes v as the response body (without HTML escaping, so
// otpauth URIs keep their "&"). It encodes before writing anything, so an
// encoding failure is returned to the adapter, which logs it and answers a
// bare 500.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("api: encoding a %d response: %w", status, err)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(buf.Bytes()) // a failed write is the client gone; nothing to do
	return nil
}

// decodeJSON reads a required JSON object into v: application/json only,
// unknown fields refused, nothing after the object.
func decodeJSON(r *http.Request, v any) error {
	_, err := decodeJSONBody(r, v)
	return err
}

// decodeJSONBody is decodeJSON that also returns the body as it came (a
// sync request's signature covers it).
func decodeJSONBody(r *http.Request, v any) ([]byte, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if err := checkContentType(r); err != nil {
			return nil, err
		}
		return nil, errEmptyBody
	}
	return body, decodeBytes(r, body, v)
}

// decodeOptionalJSON is decodeJSON for bodies that may be left out
// entirely (DELETE with an optional second factor).
func decodeOptionalJSON(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if len(body) == 0 {
		return nil
	}
	// A JSON null is no body too: a client that marshals a nil value sends
	// one (the CLI did, for a device delete without a factor, before it
	// used server/api/client).
	if string(bytes.Trim(body, " \t\r\n")) == "null" {
		return checkContentType(r)
	}
	return decodeBytes(r, body, v)
}

func readBody(r *http.Request) ([]byte, error) {
	limit := bodyLimit(r)
	body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	var tooBig *http.MaxBytesError
	switch {
	case (errors.As(err, &tooBig) || int64(len(body)) > limit) && limit == MaxBodyBytes:
		return nil, errBodyTooLarge
	case errors.As(err, &tooBig) || int64(len(body)) > limit:
		return nil, &APIError{Status: errBodyTooLarge.Status, Code: errBodyTooLarge.Code,
			Message: fmt.Sprintf("The request body is larger than this endpoint takes (%d KiB).", limit>>10)}
	case err != nil:
		return nil, &APIError{Status: http.StatusBadRequest, Code: "malformed_body", Message: "The request body could not be read.", Err: err}
	}
	return body, nil
}

func checkContentType(r *http.Request) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return errUnsupportedMedia
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return errUnsupportedMedia
	}
	return nil
}

func decodeBytes(r *http.Request, body []byte, v any) error {
	if err := checkContentType(r); err != nil {
		return err
	}
	// encoding/json would turn invalid UTF-8 and lone surrogate escapes into
	// U+FFFD, so two different byte strings (two passwords) would become
	// one: refuse them instead.
	if !utf8.Valid(body) || !pairedSurrogates(body) {
		return errInvalidUTF8
	}
	// encoding/json decodes null into a struct as nothing at all, so a body
	// of null would pass for {}: only an object is a body.
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return errMalformedJSON
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if strings.HasPrefix(err.Error(), "json: unknown field ") {
			return &APIError{Status: http.StatusBadRequest, Code: "unknown_field",
				Message: "The request has a field this endpoint does not accept (see /api/v1/openapi.json).", Err: err}
		}
		return &APIError{Status: errMalformedJSON.Status, Code: errMalformedJSON.Code, Message: errMalformedJSON.Message, Err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &APIError{Status: errMalformedJSON.Status, Code: errMalformedJSON.Code,
			Message: "The request body has data after the JSON object."}
	}
	return nil
}

// pairedSurrogates reports whether every \u escape of a UTF-16 surrogate
// in a JSON text is a high surrogate followed by a low one.
func pairedSurrogates(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			continue
		}
		if b[i+1] != 'u' {
			i++ // an escaped character, perhaps a backslash
			continue
		}
		r, ok := hex4(b, i+2)
		switch {
		case !ok:
			return true // not an escape the decoder takes: it reports the syntax error
		case r >= 0xDC00 && r <= 0xDFFF:
			return false
		case r >= 0xD800 && r <= 0xDBFF:
			if i+11 >= len(b) || b[i+6] != '\\' || b[i+7] != 'u' {
				return false
			}
			if lo, ok := hex4(b, i+8); !ok || lo < 0xDC00 || lo > 0xDFFF {
				return false
			}
			i += 11
		default:
			i += 5
		}
	}
	return true
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

// jsonOnly refuses a state-changing request whose body is not JSON: with a
// Content-Type other than application/json, or with a body and no
// Content-Type. A browser form (urlencoded, multipart, text/plain) can
// thus never reach a handler, even with an empty body that the handler
// would not read.
func jsonOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		if r.Header.Get("Content-Type") != "" {
			if checkContentType(r) != nil {
				writePlainError(w, errUnsupportedMedia)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		var first [1]byte
		n, _ := io.ReadFull(r.Body, first[:])
		if n > 0 {
			writePlainError(w, errUnsupportedMedia)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// writePlainError writes a public error where no api (and so no logger) is at
// hand: only for errors that need no logging.
func writePlainError(w http.ResponseWriter, e *APIError) {
	_ = writeJSON(w, e.Status, wire.ErrorBody{Error: wire.Error{Code: e.Code, Message: e.Message}}) // two strings always encode
}
