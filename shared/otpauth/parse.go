package otpauth

// Parse reads an otpauth://totp/... or otpauth://hotp/... URI. Defaults fill
// parameters that are absent (SHA1, 6 digits, 30 s). The issuer parameter
// wins over the label prefix when only one is present or they agree; when both
// are present and differ, Parse returns ErrIssuerConflict.
func Parse(uri string) (*Key, error) { panic("otpauth: implement") }

// URI formats k as an otpauth URI that Parse reads back to an equal Key:
// label "Issuer:Account" percent-escaped, then secret (unpadded base32),
// issuer, algorithm, digits, period or counter, then Extra in order.
func (k *Key) URI() string { panic("otpauth: implement") }

// Validate checks the fields of a Key built by hand (manual entry) against the
// same rules Parse applies.
func (k *Key) Validate() error { panic("otpauth: implement") }

// Warnings lists what is allowed but worth showing (a short secret).
func (k *Key) Warnings() []Warning { panic("otpauth: implement") }

// Param returns the value of an unknown (Extra) parameter and whether it was
// present.
func (k *Key) Param(name string) (string, bool) { panic("otpauth: implement") }
