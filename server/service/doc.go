// Package service is the verification server's core, free of HTTP: one
// service per concern (Accounts: sign-up, two-step sign-in, sessions and
// the password; Devices: TOTP devices with their seeds, MFA on and off,
// recovery codes; Tokens; Push; Audit; Admin; Sync: the authenticator's
// vault sync between browsers, which checks each browser's signature and
// counter and stores what it cannot read) over a small shared core (the store,
// the master keyring, the injected clock and randomness, the log). The core
// holds the rules that must exist once: attempt (attempt.go), the one path
// of every second-factor check (TOTP code, recovery code, push approval,
// push redemption), which owns the timing, metric, log line, lockout check,
// throttle booking, failure and lockout audits and the one generic answer;
// authorize (authorize.go), the one rule for every power over an account;
// completeSignIn, the one place a sign-in completes; and the views
// (views.go), the one place store records become the auth types callers
// see, without sealed secrets or hashes.
package service
