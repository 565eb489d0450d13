// Package pbwire is the protobuf wire format as far as Twofold reads and
// writes it (Google Authenticator exports in shared/migration, the vault's
// plaintext in wasm/accounts): varints, tags, length-delimited fields, and
// skipping any other field, groups included, so unknown fields can be kept
// verbatim. Its functions have the names, signatures and results of
// google.golang.org/protobuf/encoding/protowire, against which the tests
// check every one of them on random and hand-picked input. It exists
// because protowire's package init (through its internal/detrand) opens the
// running executable with package os, which keeps os's file code and
// time.Time's formatting in the authenticator's WebAssembly: about 30 KB of
// its 1.2 MB brotli budget for a feature it never uses.
package pbwire
