// Package syncclient is the authenticator's side of vault sync between
// browsers (docs/vault-format.md, "Sync between browsers"): the keys and the
// recovery key, the envelopes, changes and snapshots sealed as the document
// says, the per-account merge with its 30-day trash, signed requests with
// counters, pairing, removal with key rotation, and recovery. It is pure Go
// over three interfaces the bridge implements (Transport, over fetch; Keys
// and X25519, over WebCrypto's Ed25519 and X25519), so it is tested on the
// host against the real server (HostKeys, HostX25519).
package syncclient
