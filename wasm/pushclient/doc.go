// Package pushclient is the authenticator's side of push sign-in prompts
// (docs/push.md): it builds the registration request for the device's
// Ed25519 key, and keeps one connection per registration to the server's
// device socket: nonce, signed hello, ready, then prompts in and signed
// answers out, reconnecting with exponential backoff and jitter until the
// server says not to (close codes 4000, 4001, 4003). It knows neither
// syscall/js nor net/http nor, in the wasm, crypto/ed25519: the socket is a
// Transport, the HTTP call a Poster and the key a Signer made by Keys, which
// the wasm bridge implements with the browser's WebSocket, fetch and
// WebCrypto, and the tests with fakes, a real server and HostKeys
// (crypto/ed25519, host builds only). Time and randomness are injected.
package pushclient
