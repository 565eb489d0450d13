package pushproto

import "github.com/twofold-auth/twofold/shared/otpauth"

// Enrollment URI parameters. An otpauth URI from a Twofold server carries
// its push endpoint as two extra query parameters, which other
// authenticator apps ignore (an unknown parameter is not an error in any
// widespread app) and shared/otpauth keeps in Key.Extra:
//
//	twofold_push=<server origin>   e.g. https://id.example.com
//	twofold_device=<device id>     the server's id of this TOTP device
const (
	ParamOrigin = "twofold_push"
	ParamDevice = "twofold_device"
)

// EnrollmentParams are the parameters to append to an enrollment URI.
func EnrollmentParams(origin, deviceID string) []otpauth.Param {
	return []otpauth.Param{{Name: ParamOrigin, Value: origin}, {Name: ParamDevice, Value: deviceID}}
}

// Endpoint reads a key's push endpoint. ok is false when the key has none
// or it is malformed.
func Endpoint(k otpauth.Key) (origin, deviceID string, ok bool) {
	for _, p := range k.Extra {
		switch p.Name {
		case ParamOrigin:
			origin = p.Value
		case ParamDevice:
			deviceID = p.Value
		}
	}
	o, err := CanonicalOrigin(origin)
	if err != nil || deviceID == "" || len(deviceID) > 64 {
		return "", "", false
	}
	return o, deviceID, true
}
