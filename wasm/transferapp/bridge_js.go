//go:build js && wasm

package main

import (
	"syscall/js"

	"github.com/twofold-auth/twofold/shared/errcode"
	"github.com/twofold-auth/twofold/wasm/jsutil"
	"github.com/twofold-auth/twofold/wasm/qrtext"
	"github.com/twofold-auth/twofold/wasm/transfermodule"
)

// version is twofoldTransfer.version; the authenticator refuses a module of
// another version (a page and a module of two different builds).
const version = "1"

// main installs globalThis.twofoldTransfer and runs until the page goes:
//
//	read(file: Uint8Array, format: string, password?: Uint8Array): Promise<Uint8Array>
//	write(format: string, accounts: Uint8Array): Promise<Uint8Array>
//	decodeQR(rgba: Uint8Array, width: number, height: number): Promise<Uint8Array>
//	encodeQR(text: string): Promise<Uint8Array>
//
// Accounts go in and out as otpauth URIs, the rest as wasm/transferwire
// says; a failure rejects with an Error
// carrying code and message, as the authenticator's own bridge does.
func main() {
	ns := js.Global().Get("Object").New()
	ns.Set("version", version)
	ns.Set("read", fn("twofoldTransfer.read", []jsutil.Param{{Name: "file", Kind: jsutil.Bytes}, {Name: "format", Kind: jsutil.String},
		{Name: "password", Kind: jsutil.Bytes, Optional: true}}, func(args []js.Value) ([]byte, error) {
		var password []byte
		if len(args) > 2 && !args[2].IsUndefined() {
			password = jsutil.BytesOf(args[2])
			defer clear(password)
		}
		file := jsutil.BytesOf(args[0])
		defer clear(file)
		return transfermodule.Read(file, password, args[1].String())
	}))
	ns.Set("write", fn("twofoldTransfer.write", []jsutil.Param{{Name: "format", Kind: jsutil.String}, {Name: "accounts", Kind: jsutil.Bytes}}, func(args []js.Value) ([]byte, error) {
		list := jsutil.BytesOf(args[1])
		defer clear(list)
		return transfermodule.Write(args[0].String(), list, nil)
	}))
	ns.Set("decodeQR", fn("twofoldTransfer.decodeQR", []jsutil.Param{{Name: "rgba", Kind: jsutil.Bytes},
		{Name: "width", Kind: jsutil.Integer}, {Name: "height", Kind: jsutil.Integer}}, func(args []js.Value) ([]byte, error) {
		w, h := args[1].Int(), args[2].Int()
		if !qrtext.Fits(w, h) || args[0].Get("byteLength").Int() != w*h*4 {
			return nil, qrtext.ErrFrame // before copying a frame that is not one
		}
		return transfermodule.DecodeQR(jsutil.BytesOf(args[0]), w, h)
	}))
	ns.Set("encodeQR", fn("twofoldTransfer.encodeQR", []jsutil.Param{{Name: "text", Kind: jsutil.String}}, func(args []js.Value) ([]byte, error) {
		return transfermodule.EncodeQR(args[0].String())
	}))
	js.Global().Set("twofoldTransfer", ns)
	select {} // the functions above run on the page's calls
}

// fn makes a JavaScript function that checks its arguments and returns a
// Promise of work's bytes as a Uint8Array (the Go copy cleared).
func fn(name string, params []jsutil.Param, work func(args []js.Value) ([]byte, error)) js.Func {
	return js.FuncOf(func(_ js.Value, args []js.Value) any {
		if err := jsutil.Check(name, args, params...); err != nil {
			return jsutil.Promise(func() (any, error) { return nil, err }, reject)
		}
		return jsutil.Promise(func() (any, error) {
			b, err := work(args)
			if err != nil {
				return nil, err
			}
			defer clear(b)
			return jsutil.Uint8Array(b), nil
		}, reject)
	})
}

// reject is an Error with the error's code and sentence; an error without
// a code is a bug, reported as internal without its text.
func reject(err error) js.Value {
	code := errcode.Code(err)
	msg := err.Error()
	if code == "" {
		js.Global().Get("console").Call("warn", "twofold transfer module: internal error: "+msg)
		code, msg = "internal", "something went wrong inside the authenticator's transfer module; reload the page and try again"
	}
	return jsutil.NewError(msg, map[string]any{"code": code})
}
