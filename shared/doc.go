// Package shared is the root of the pure-Go code that both halves of Twofold
// use: the authenticator compiled to WebAssembly and the server. Its
// sub-packages parse and format otpauth URIs (otpauth), decode and encode
// Google Authenticator exports (migration) in the protobuf wire format
// (pbwire), generate and verify HOTP/TOTP
// codes and Steam Guard codes (otpcode), read and write other apps'
// exports and backups (transfer), and speak the push and sync protocols
// with a server (pushproto, syncproto). Nothing under shared/ may import
// syscall/js, net/http or a cgo package, so every line of it builds and is
// tested on the host and under GOOS=js GOARCH=wasm alike.
package shared
