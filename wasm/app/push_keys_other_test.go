//go:build !(js && wasm)

package main

import "github.com/twofold-auth/twofold/wasm/push"

// testKeys: crypto/ed25519 on the host; push_keys_js_test.go has WebCrypto.
var testKeys push.Keys = push.HostKeys{}
