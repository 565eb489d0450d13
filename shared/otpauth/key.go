package otpauth

// Type says whether a key is time based (TOTP, RFC 6238) or counter based
// (HOTP, RFC 4226). It is the URI's host part.
type Type string

// The two key types.
const (
	TOTP Type = "totp"
	HOTP Type = "hotp"
)

// Algorithm is the HMAC hash a key uses, spelled as in the URI.
type Algorithm string

// The algorithms of RFC 6238.
const (
	SHA1   Algorithm = "SHA1"
	SHA256 Algorithm = "SHA256"
	SHA512 Algorithm = "SHA512"
)

// Defaults that apply when a URI leaves a parameter out; every authenticator
// app supports these, so enrollment uses them unless told otherwise.
const (
	DefaultAlgorithm = SHA1
	DefaultDigits    = 6
	DefaultPeriod    = 30
)

// Limits on what Parse, Validate and DecodeSecret accept. Going over a length
// limit is ErrTooLong, except for the secret (ErrSecretLength).
const (
	MaxURILength    = 4096 // bytes of a whole URI, as read and as URI writes it
	MaxLabelLength  = 256  // bytes of the decoded label "Issuer:Account"
	MaxSecretLength = 128  // bytes of a decoded secret (1024 bits)
	MinSecretBits   = 128  // below this, Warnings reports WarnShortSecret (RFC 4226 §4 R6)
	// MinTypedSecretBits: a key typed by hand shorter than this is refused
	// (CheckTypedSecret). RFC 4226 §4 R6 asks for 128 bits; 80 bits (16
	// base32 characters) is what many services still issue, so from 80 to
	// 127 bits a key is accepted with WarnShortSecret, and below 80 it is
	// far more likely a key typed in part than one a service issued.
	MinTypedSecretBits = 80
	MinDigits          = 6
	MaxDigits          = 8
	MaxPeriod          = 3600 // seconds
)

// Param is one URI query parameter that this package does not interpret. Kept
// in the order it appeared so that a round trip reproduces it.
type Param struct {
	Name  string
	Value string
}

// Key is one authenticator account: who issued it, whose it is, the shared
// secret and the code parameters.
type Key struct {
	Type      Type
	Issuer    string // from the issuer parameter, else the label prefix
	Account   string // the label after "Issuer:" (or the whole label)
	Secret    []byte // raw key bytes, never base32
	Algorithm Algorithm
	Digits    int
	Period    int    // seconds; TOTP only (0 for HOTP)
	Counter   uint64 // HOTP only
	Extra     []Param
}

// Warning is a property of a key that is allowed but worth showing a person.
type Warning string

// The warnings Key.Warnings can return.
const (
	WarnShortSecret Warning = "the key is shorter than 128 bits; the service should issue a longer one"
)
