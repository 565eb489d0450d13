// Package syncproto is what the server and the authenticator must agree on
// to sync a vault through a Twofold server (docs/vault-format.md, "Sync
// between browsers"): the request headers and the exact bytes a device
// signs, how identity and device ids follow from signing keys, and the
// sizes and limits both sides check. The server never reads a change, a
// snapshot or an envelope, so their formats are not here. Like pushproto,
// the Ed25519 helper (Sign) is left out of GOOS=js builds: the
// authenticator signs with the browser's WebCrypto.
package syncproto
