//go:build js && wasm

package main

import (
	"slices"
	"sync"
	"syscall/js"

	"github.com/twofold-auth/twofold/wasm/jsutil"
)

// transferURL is the transfer module, beside twofold.wasm (relative to the
// page, as the page fetches twofold.wasm).
const transferURL = "twofold-transfer.wasm"

// webTransfer is the TransferModule of the browser: on first use it fetches
// twofold-transfer.wasm and starts it with its own Go runtime (the Go class
// of wasm_exec.js), which installs globalThis.twofoldTransfer; then each
// call hands it a Uint8Array and waits for the Promise of its answer. The
// arrays that held secrets on the way (files, passwords, accounts) are
// zeroed once the other side has copied them.
type webTransfer struct {
	mu sync.Mutex // one load at a time
	ns js.Value
}

var _ TransferModule = (*webTransfer)(nil)

// moduleVersion is the transfer module's API version this bridge speaks.
const moduleVersion = "1"

func (w *webTransfer) module() (js.Value, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.ns.Truthy() {
		return w.ns, nil
	}
	if ns := js.Global().Get("twofoldTransfer"); !ns.Truthy() {
		if err := loadTransfer(); err != nil {
			return js.Value{}, err
		}
	}
	ns := js.Global().Get("twofoldTransfer")
	if !ns.Truthy() || ns.Get("version").Type() != js.TypeString || ns.Get("version").String() != moduleVersion {
		return js.Value{}, errModuleUnavailable
	}
	w.ns = ns
	return ns, nil
}

// loadTransfer fetches, compiles and starts the module. go.run installs the
// namespace before it returns (the module's main sets it, then waits).
func loadTransfer() (err error) {
	g := js.Global()
	if g.Get("Go").Type() != js.TypeFunction || g.Get("fetch").Type() != js.TypeFunction || !g.Get("WebAssembly").Truthy() {
		return errModuleUnavailable
	}
	defer func() {
		if r := recover(); r != nil { // a synchronous throw from a JS call
			err = errModuleUnavailable
		}
	}()
	resp, err := jsutil.Await(g.Call("fetch", transferURL))
	if err != nil || !resp.Get("ok").Truthy() {
		return errModuleUnavailable
	}
	buf, err := jsutil.Await(resp.Call("arrayBuffer"))
	if err != nil {
		return errModuleUnavailable
	}
	runtime := g.Get("Go").New()
	res, err := jsutil.Await(g.Get("WebAssembly").Call("instantiate", buf, runtime.Get("importObject")))
	if err != nil {
		return errModuleUnavailable
	}
	runtime.Call("run", res.Get("instance")) // a Promise of its exit: never awaited
	return nil
}

func (w *webTransfer) Read(file, password []byte, format string) ([]byte, error) {
	ns, err := w.module()
	if err != nil {
		return nil, err
	}
	args := []any{jsutil.Uint8Array(file), format}
	if password != nil {
		args = append(args, jsutil.Uint8Array(password))
	}
	return call(ns, "read", args...)
}

func (w *webTransfer) Write(format string, accounts []byte) ([]byte, error) {
	ns, err := w.module()
	if err != nil {
		return nil, err
	}
	return call(ns, "write", format, jsutil.Uint8Array(accounts))
}

func (w *webTransfer) DecodeQR(rgba []byte, width, height int) ([]byte, error) {
	ns, err := w.module()
	if err != nil {
		return nil, err
	}
	return call(ns, "decodeQR", jsutil.Uint8Array(rgba), width, height)
}

func (w *webTransfer) EncodeQR(text string) ([]byte, error) {
	ns, err := w.module()
	if err != nil {
		return nil, err
	}
	return call(ns, "encodeQR", text)
}

// call calls the module, zeroes the arrays it was given and the one it
// answered with, and returns the answer's bytes. A rejection keeps the
// module's code when it is one the page knows.
func call(ns js.Value, method string, args ...any) ([]byte, error) {
	defer func() {
		for _, a := range args {
			if v, ok := a.(js.Value); ok {
				v.Call("fill", 0)
			}
		}
	}()
	v, err := awaitCoded(ns.Call(method, args...))
	if err != nil {
		return nil, err
	}
	b := jsutil.BytesOf(v)
	v.Call("fill", 0)
	return b, nil
}

// moduleCodes are the codes the transfer module's errors carry.
var moduleCodes = []string{CodeUnknownFormat, CodeWrongFormat, CodePasswordRequired, CodeWrongPassword, CodeDamagedFile,
	CodeUnsupportedFile, CodeTooLarge, CodeNoKeys, CodeBadArgument, CodeInvalidAccount, CodeUnsupportedAccount, CodeNotExportable, CodeNoQR, CodeBadFrame}

// awaitCoded waits for a Promise of the module; its rejection, an Error
// with code and message, becomes an APIError.
func awaitCoded(p js.Value) (js.Value, error) {
	type settled struct {
		v   js.Value
		err error
	}
	ch := make(chan settled, 1)
	arg := func(args []js.Value) js.Value {
		if len(args) == 0 {
			return js.Undefined()
		}
		return args[0]
	}
	ok := js.FuncOf(func(_ js.Value, args []js.Value) any {
		v := arg(args)
		if !jsutil.Is(v, jsutil.Bytes) {
			ch <- settled{err: errModuleUnavailable}
			return nil
		}
		ch <- settled{v: v}
		return nil
	})
	fail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		e := arg(args)
		if e.Type() == js.TypeObject && e.Get("code").Type() == js.TypeString && slices.Contains(moduleCodes, e.Get("code").String()) {
			ch <- settled{err: &APIError{Code: e.Get("code").String(), Message: e.Get("message").String()}}
		} else {
			ch <- settled{err: &APIError{Code: CodeInternal, Message: internalMessage}}
		}
		return nil
	})
	defer ok.Release()
	defer fail.Release()
	p.Call("then", ok, fail)
	r := <-ch
	return r.v, r.err
}
