// Package jsutil holds the bridge's helpers, so that wasm/app/bridge_js.go
// stays a thin list of exported functions. Plain (built everywhere, tested on
// the host) turns the App's result structs into the maps and slices that
// syscall/js.ValueOf accepts, by their `js` field tags. The js/wasm half checks
// argument counts and types with messages a page developer can act on, wraps
// slow Go work in a Promise whose goroutine never blocks the event loop,
// recovers panics into rejections, awaits JavaScript Promises and IndexedDB
// requests from Go through channels, and releases every js.Func it makes.
package jsutil
