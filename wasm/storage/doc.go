// Package storage is the authenticator's view of persistent browser storage:
// a flat namespace of named blobs with Get, Put and Delete. The vault writes
// through this interface only, so the same vault code runs against IndexedDB
// in the browser (the adapter lives in the js/wasm bridge), a directory on the
// host (Dir) and memory in tests (Memory). Each Put replaces one blob as a
// whole or not at all; the vault builds crash-safe saves on top of that.
package storage
