// Package auth is the verification server's core, free of HTTP: sign-up,
// two-step sign-in and sessions, TOTP device enrollment and activation,
// recovery codes, and the one verification path every second factor goes
// through. That path normalises the input, checks the account's throttle,
// finds the matching device and time step, and then, in one store
// transaction, consumes the step with a conditional update (the replay
// protection), books the success or failure in the throttle, applies the
// caller's change and writes the audit event. Every failed verification,
// whether wrong, replayed or refused by the lockout, returns the same
// ErrVerificationFailed; the reason goes only to the log. Time and randomness
// are injected.
package auth
