// Package pushproto is Twofold's push sign-in protocol, shared by the server and
// the authenticator: the frames that travel over the device's websocket and
// the exact bytes each side signs with the device's Ed25519 key. Every signed
// message starts with its own domain string and encodes each field with a
// 4-byte big-endian length, so no two different messages (of one kind or of
// two kinds) have the same bytes, and no JSON canonicalisation question
// arises. Frames use the same length-prefixed fields behind a one-byte type;
// the package imports neither encoding/json nor reflection, which keeps the
// authenticator's WebAssembly small. For the same reason the Ed25519 helpers
// (Sign, Verify, PublicKey in sign.go) are not built for GOOS=js: the
// authenticator signs with the browser's WebCrypto instead of linking
// crypto/ed25519 (wasm/pushclient.Keys). docs/push.md describes the protocol.
package pushproto
