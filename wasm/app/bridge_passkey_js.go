//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/twofold-auth/twofold/wasm/jsutil"
)

// passkeyNS is twofold.passkey: unlocking the vault with a passkey's PRF
// output (passkey.go; the ceremonies are web/app/passkey.js's).
func (b *bridge) passkeyNS(obj js.Value) {
	a := b.app
	prf := jsutil.Param{Name: "prf", Kind: jsutil.Bytes}
	b.async(obj, "twofold.passkey", "list", none, func([]js.Value) (any, error) { return a.Passkeys() })
	b.async(obj, "twofold.passkey", "salt", []jsutil.Param{str("passphrase")}, func(args []js.Value) (any, error) {
		return a.PasskeySalt(args[0].String())
	})
	b.async(obj, "twofold.passkey", "add", []jsutil.Param{str("passphrase"), str("credentialId"), prf}, func(args []js.Value) (any, error) {
		return nil, a.AddPasskey(args[0].String(), args[1].String(), jsutil.BytesOf(args[2]))
	})
	b.async(obj, "twofold.passkey", "remove", []jsutil.Param{str("credentialId")}, func(args []js.Value) (any, error) {
		return nil, a.RemovePasskey(args[0].String())
	})
	b.async(obj, "twofold.passkey", "unlock", []jsutil.Param{str("credentialId"), prf}, func(args []js.Value) (any, error) {
		return nil, a.UnlockWithPasskey(args[0].String(), jsutil.BytesOf(args[1]))
	})
}
