// Command transferapp is the authenticator's second WebAssembly module,
// web/app/twofold-transfer.wasm (`make wasm` builds it beside
// twofold.wasm): package wasm/transfermodule behind a syscall/js bridge,
// globalThis.twofoldTransfer. The authenticator (wasm/app) fetches and
// starts it only when a person imports or exports a file of another app,
// and is its only caller: files, accounts and answers pass as Uint8Arrays
// (wasm/transferwire), so no secret is ever a JavaScript string. Built for the host it only says so and exits.
package main
