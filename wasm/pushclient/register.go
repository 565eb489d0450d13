package pushclient

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/twofold-auth/twofold/shared/otpauth"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// Registration is one account's device key registered with one server.
// The key's seed lives in the encrypted vault; here it is a Signer (Keys.Load)
// and, for registering, its public key.
type Registration struct {
	Server    string // canonical origin, e.g. https://id.example.com
	DeviceID  string
	PublicKey []byte // needed by RegisterRequest only
	Signer    Signer // needed by Start only
}

// Endpoint reads the server origin and device id that an enrollment URI
// carried (twofold_push, twofold_device); ok is false when it carried none
// or they are malformed.
func Endpoint(k otpauth.Key) (origin, deviceID string, ok bool) { return pushproto.Endpoint(k) }

// Request is an HTTP request to the server, JSON body.
type Request struct {
	URL  string
	Body []byte
}

// Response is what the Poster read back: the status and, for an error, the
// server's {"error":{"code","message"}} fields.
type Response struct {
	Status  int
	Code    string
	Message string
}

// Poster sends a POST with a JSON body (fetch in the browser).
type Poster interface {
	Post(r Request) (Response, error)
}

// RegisterRequest builds POST /api/v1/push/registrations for reg, proved
// by the TOTP device's seed at time at (shared/pushproto's registration proof:
// no code is computed, so no time step is spent). The JSON is written by
// hand (the wasm has no encoding/json): every value is checked to need no
// escaping.
func RegisterRequest(reg Registration, seed []byte, at time.Time) (Request, error) {
	if len(reg.PublicKey) != PublicKeySize {
		return Request{}, ErrKeySize
	}
	if !plain(reg.DeviceID) || reg.DeviceID == "" || len(seed) == 0 {
		return Request{}, ErrNotOffered
	}
	origin, err := pushproto.CanonicalOrigin(reg.Server)
	if err != nil {
		return Request{}, ErrNotOffered
	}
	proof := pushproto.RegistrationProof(seed, origin, reg.DeviceID, reg.PublicKey, at.Unix())
	enc := base64.RawURLEncoding
	body := `{"device_id":"` + reg.DeviceID + `","public_key":"` + enc.EncodeToString(reg.PublicKey) +
		`","at":` + strconv.FormatInt(at.Unix(), 10) + `,"proof":"` + enc.EncodeToString(proof) + `"}`
	return Request{URL: origin + registerPath, Body: []byte(body)}, nil
}

// plain reports whether s is printable ASCII without JSON's special
// characters.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

const registerPath = "/api/v1/push/registrations"

// Register sends the registration and classifies the answer.
func Register(p Poster, reg Registration, seed []byte, at time.Time) error {
	req, err := RegisterRequest(reg, seed, at)
	if err != nil {
		return err
	}
	resp, err := p.Post(req)
	if err != nil {
		// The browser's reason ("TypeError: Failed to fetch") tells a
		// person nothing; where and what to do does.
		host := strings.TrimPrefix(strings.TrimPrefix(req.URL[:len(req.URL)-len(registerPath)], "https://"), "http://")
		return &ServerError{Message: "could not reach " + host + ": check the connection and try again", Err: err}
	}
	if resp.Status == 201 || resp.Status == 200 {
		return nil
	}
	msg := resp.Message
	if msg == "" {
		msg = "the server refused the registration"
	}
	return &ServerError{Status: resp.Status, Code: resp.Code, Message: msg}
}

// ServerError is a refused or failed registration; Message is the server's
// sentence for people.
type ServerError struct {
	Status  int
	Code    string
	Message string
	Err     error // why the server could not be reached (Status 0), for the console
}

func (e *ServerError) Error() string { return e.Message }

// Unwrap is the transport's error, when the server could not be reached.
func (e *ServerError) Unwrap() error { return e.Err }

// ErrorCode is push_unavailable when the server could not be reached
// (Status 0), push_refused when it answered with an error.
func (e *ServerError) ErrorCode() string {
	if e.Status == 0 {
		return "push_unavailable"
	}
	return "push_refused"
}

// ErrorDetails are the server's status and error code, when it answered.
func (e *ServerError) ErrorDetails() map[string]any {
	if e.Status == 0 {
		return nil
	}
	return map[string]any{"status": e.Status, "serverCode": e.Code}
}

// SocketURL is the device socket of an origin: ws(s)://host/api/v1/push/ws.
func SocketURL(origin string) string {
	if rest, ok := strings.CutPrefix(origin, "https://"); ok {
		return "wss://" + rest + "/api/v1/push/ws"
	}
	return "ws://" + strings.TrimPrefix(origin, "http://") + "/api/v1/push/ws"
}
