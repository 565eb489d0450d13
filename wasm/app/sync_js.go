//go:build js && wasm

package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"syscall/js"

	"github.com/twofold-auth/twofold/wasm/jsutil"
)

// syncConfig is sync over fetch (with the page's cookies) and WebCrypto,
// on the page's own server.
func syncConfig() SyncConfig {
	origin := ""
	if loc := js.Global().Get("location"); loc.Truthy() {
		origin = loc.Get("origin").String()
	}
	return SyncConfig{Transport: fetchTransport{}, Keys: webCryptoSyncKeys{}, DH: webCryptoX25519{}, Origin: origin}
}

// fetchTransport is syncclient.Transport over fetch. Cookies go with it
// (same origin): creating an identity needs the person's session.
type fetchTransport struct{}

func (fetchTransport) Do(method, url string, header map[string]string, body []byte) (int, []byte, error) {
	if js.Global().Get("fetch").Type() != js.TypeFunction {
		return 0, nil, errors.New("this browser has no fetch")
	}
	opts := newObject()
	opts.Set("method", method)
	opts.Set("credentials", "same-origin")
	opts.Set("cache", "no-store")
	if body != nil {
		opts.Set("body", string(body))
	}
	h := newObject()
	for k, v := range header {
		h.Set(k, v)
	}
	opts.Set("headers", h)
	resp, err := jsutil.Await(js.Global().Call("fetch", url, opts))
	if err != nil {
		return 0, nil, errSyncUnreachable
	}
	buf, err := jsutil.Await(resp.Call("arrayBuffer"))
	if err != nil {
		return 0, nil, errSyncUnreachable
	}
	return resp.Get("status").Int(), jsutil.BytesOf(buf), nil
}

// webCryptoSyncKeys is the push keys' WebCrypto Ed25519 and the public key
// of a seed (imported extractable, exported as a JWK).
type webCryptoSyncKeys struct{ webCryptoKeys }

func (webCryptoSyncKeys) Public(seed []byte) ([]byte, error) {
	der := append(bytes.Clone(ed25519PKCS8Prefix), seed...)
	buf := jsutil.Uint8Array(der)
	clear(der)
	key, err := subtleCall("importKey", "pkcs8", buf, ed25519Algorithm(), true, js.ValueOf([]any{"sign"}))
	wipeBuffer(buf)
	if err != nil {
		return nil, err
	}
	jwk, err := subtleCall("exportKey", "jwk", key)
	if err != nil {
		return nil, err
	}
	jwk.Set("d", "")
	pub, err := base64.RawURLEncoding.DecodeString(jwk.Get("x").String())
	if err != nil || len(pub) != 32 {
		return nil, errors.New("the browser exported an Ed25519 key in an unexpected form")
	}
	return pub, nil
}

// syncNS is twofold.sync: sync between browsers, pairing, recovery.
func (b *bridge) syncNS(obj js.Value) {
	a := b.app
	const ns = "twofold.sync"
	b.async(obj, ns, "status", none, func([]js.Value) (any, error) { return a.SyncStatus() })
	b.async(obj, ns, "enable", []jsutil.Param{str("name")}, func(args []js.Value) (any, error) { return a.SyncEnable(args[0].String()) })
	b.async(obj, ns, "now", []jsutil.Param{{Name: "waitSeconds", Kind: jsutil.Integer}}, func(args []js.Value) (any, error) {
		return a.SyncNow(args[0].Int())
	})
	b.async(obj, ns, "dismissConflicts", none, func([]js.Value) (any, error) { return nil, a.SyncDismissConflicts() })
	b.async(obj, ns, "devices", none, func([]js.Value) (any, error) { return a.SyncDevices() })
	// remove takes one device id or an array of them: the key changes once.
	b.async(obj, ns, "remove", []jsutil.Param{{Name: "deviceIds", Kind: jsutil.StringOrArray}}, func(args []js.Value) (any, error) {
		if args[0].Type() == js.TypeString {
			return nil, a.SyncRemove([]string{args[0].String()})
		}
		ids := make([]string, args[0].Length())
		for i := range ids {
			v := args[0].Index(i)
			if v.Type() != js.TypeString {
				return nil, &jsutil.ArgError{Msg: ns + ".remove: deviceIds must be a device id or an array of them"}
			}
			ids[i] = v.String()
		}
		return nil, a.SyncRemove(ids)
	})
	b.async(obj, ns, "pairingOpen", none, func([]js.Value) (any, error) {
		p, err := a.SyncPairingOpen()
		if err != nil {
			return nil, err
		}
		out := newObject()
		out.Set("uri", p.URI)
		out.Set("size", p.Size)
		out.Set("modules", jsutil.Uint8Array(p.Modules))
		out.Set("expiresAt", p.Expires)
		return out, nil
	})
	b.async(obj, ns, "pairingPoll", none, func([]js.Value) (any, error) { return a.SyncPairingPoll() })
	b.async(obj, ns, "pairingApprove", none, func([]js.Value) (any, error) { return nil, a.SyncPairingApprove() })
	b.async(obj, ns, "join", []jsutil.Param{str("code"), str("name")}, func(args []js.Value) (any, error) {
		return a.SyncJoin(args[0].String(), args[1].String())
	})
	b.async(obj, ns, "joined", none, func([]js.Value) (any, error) { return a.SyncJoined() })
	b.async(obj, ns, "recover", []jsutil.Param{str("identity"), str("recoveryKey"), str("name")}, func(args []js.Value) (any, error) {
		return nil, a.SyncRecover(args[0].String(), args[1].String(), args[2].String())
	})
}

// x25519PKCS8Prefix is the PKCS #8 encoding of an X25519 private key
// before its 32 bytes (RFC 8410).
var x25519PKCS8Prefix = []byte{0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20}

// webCryptoX25519 is syncclient.X25519 over WebCrypto (Chromium 133,
// Firefox 130, Safari 17).
type webCryptoX25519 struct{}

func x25519Algorithm() js.Value {
	alg := newObject()
	alg.Set("name", "X25519")
	return alg
}

func (webCryptoX25519) importPrivate(priv []byte, extractable bool) (js.Value, error) {
	if len(priv) != 32 {
		return js.Value{}, errors.New("an X25519 key is 32 bytes")
	}
	der := append(bytes.Clone(x25519PKCS8Prefix), priv...)
	buf := jsutil.Uint8Array(der)
	clear(der)
	key, err := subtleCall("importKey", "pkcs8", buf, x25519Algorithm(), extractable, js.ValueOf([]any{"deriveBits"}))
	wipeBuffer(buf)
	return key, err
}

func (x webCryptoX25519) GenerateKey(io.Reader) (priv, pub []byte, err error) {
	return generateExported(x25519Algorithm(), "deriveBits", x25519PKCS8Prefix, 32, "X25519")
}

func (x webCryptoX25519) PublicKey(priv []byte) ([]byte, error) {
	key, err := x.importPrivate(priv, true)
	if err != nil {
		return nil, err
	}
	jwk, err := subtleCall("exportKey", "jwk", key)
	if err != nil {
		return nil, err
	}
	jwk.Set("d", "")
	pub, err := base64.RawURLEncoding.DecodeString(jwk.Get("x").String())
	if err != nil || len(pub) != 32 {
		return nil, errors.New("the browser exported an X25519 key in an unexpected form")
	}
	return pub, nil
}

func (x webCryptoX25519) ECDH(priv, peer []byte) ([]byte, error) {
	key, err := x.importPrivate(priv, false)
	if err != nil {
		return nil, err
	}
	pub, err := subtleCall("importKey", "raw", jsutil.Uint8Array(peer), x25519Algorithm(), true, js.ValueOf([]any{}))
	if err != nil {
		return nil, err
	}
	alg := x25519Algorithm()
	alg.Set("public", pub)
	bits, err := subtleCall("deriveBits", alg, key, 256)
	if err != nil {
		return nil, err
	}
	out := jsutil.BytesOf(bits)
	wipeBuffer(bits)
	return out, nil
}
