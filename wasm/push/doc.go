// Package push is the authenticator's side of push sign-in prompts
// (docs/push.md): it makes the device's Ed25519 key, builds the registration
// request, and keeps one connection per registration to the server's device
// socket: nonce, signed hello, ready, then prompts in and signed answers out,
// reconnecting with exponential backoff and jitter until the server says
// not to (close codes 4000, 4001, 4003). It knows neither syscall/js nor
// net/http: the socket is a Transport and the HTTP call a Poster, which the
// wasm bridge implements with the browser's WebSocket and fetch and the tests
// with fakes or a real server. Time and randomness are injected.
package push
