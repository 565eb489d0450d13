//go:build !(js && wasm)

package main

import "github.com/twofold-auth/twofold/wasm/pushclient"

// testKeys: crypto/ed25519 on the host; push_keys_js_test.go has WebCrypto.
var testKeys pushclient.Keys = pushclient.HostKeys{}
