// Command app is the browser authenticator compiled to WebAssembly
// (GOOS=js GOARCH=wasm; `make wasm` writes web/app/twofold.wasm). api.go is
// the whole behaviour behind the page, in plain Go that the host tests run:
// an App over a storage.Storage that creates, unlocks and locks the vault,
// keeps the unlocked accounts.State, persists every change before publishing
// it, and turns every failure into an APIError with a stable code and a
// sentence for people. bridge_js.go exposes it as globalThis.twofold
// (mirrored by web/app/twofold.d.ts) with an IndexedDB-backed storage, and
// transfer_js.go loads the transfer module (twofold-transfer.wasm) on first
// use; they are the only files that import syscall/js. Built for the host
// it only says so and exits.
package main
