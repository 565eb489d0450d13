// Package store defines Twofold's server state and the contract every
// storage engine keeps: the records (users, sessions, TOTP devices with
// their secrets sealed by package secrets before they get here, recovery
// code hashes, the per-account failure records, known browsers, the audit
// log, application tokens, push registrations and challenges, sync
// identities with their devices, ciphertexts and pairings), one reader
// and writer interface per aggregate, and Store, whose Update runs a
// function in one serializable transaction (store.go states what callers
// may rely on, and nothing more). The engines live in subpackages (sqlite,
// the embedded default); storetest is the conformance suite each must pass.
package store
