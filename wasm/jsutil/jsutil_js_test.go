//go:build js && wasm

package jsutil

import (
	"bytes"
	"errors"
	"strings"
	"syscall/js"
	"testing"
)

func vals(vs ...any) []js.Value {
	out := make([]js.Value, len(vs))
	for i, v := range vs {
		out[i] = js.ValueOf(v)
	}
	return out
}

func TestCheck(t *testing.T) {
	params := []Param{{"id", String, false}, {"n", Integer, false}, {"opts", Object, true}}
	ok := [][]js.Value{
		vals("a", 1),
		vals("a", 1, map[string]any{}),
		append(vals("a", 2), js.Undefined()),
	}
	for _, args := range ok {
		if err := Check("f", args, params...); err != nil {
			t.Errorf("Check(%v): %v", args, err)
		}
	}
	bad := map[string][]js.Value{
		"f(id: string, n: integer, opts?: object) takes 2 to 3 arguments, got 1": vals("a"),
		"f(id: string, n: integer, opts?: object) takes 2 to 3 arguments, got 4": vals("a", 1, nil, 4),
		"f: id must be a string, got a number":                                   vals(1, 1),
		"f: n must be an integer, got a number with a fraction":                  vals("a", 1.5),
		"f: n must be an integer, got a string":                                  vals("a", "1"),
		"f: opts must be an object, got an array":                                vals("a", 1, []any{}),
		"f: opts must be an object, got null":                                    vals("a", 1, nil),
	}
	for want, args := range bad {
		err := Check("f", args, params...)
		var argErr *ArgError
		if !errors.As(err, &argErr) || err.Error() != want {
			t.Errorf("Check(%v) = %v, want %q", args, err, want)
		}
	}
	one := []Param{{"ids", StringOrArray, false}}
	for _, args := range [][]js.Value{vals("a"), vals([]any{"a", "b"})} {
		if err := Check("g", args, one...); err != nil {
			t.Errorf("Check(%v): %v", args, err)
		}
	}
	if err := Check("g", vals(1), one...); err == nil || err.Error() != "g: ids must be a string or array, got a number" {
		t.Errorf("Check(1) = %v", err)
	}
	nan := js.Global().Get("NaN")
	if Is(nan, Number) || Is(js.Global().Get("Infinity"), Number) {
		t.Error("NaN and Infinity are not numbers for the API")
	}
}

func TestField(t *testing.T) {
	obj := js.ValueOf(map[string]any{"issuer": "A", "digits": "6"})
	if v, err := Field("f", obj, "issuer", String, false); err != nil || v.String() != "A" {
		t.Error(v, err)
	}
	if v, err := Field("f", obj, "period", Integer, true); err != nil || !v.IsUndefined() {
		t.Error(v, err)
	}
	if _, err := Field("f", obj, "secret", String, false); err == nil || err.Error() != "f: secret is required" {
		t.Error(err)
	}
	if _, err := Field("f", obj, "digits", Integer, true); err == nil || !strings.Contains(err.Error(), "digits must be an integer") {
		t.Error(err)
	}
}

func TestBytes(t *testing.T) {
	in := []byte{1, 2, 3, 255}
	u8 := Uint8Array(in)
	if !bytes.Equal(BytesOf(u8), in) {
		t.Error("Uint8Array round trip")
	}
	clamped := js.Global().Get("Uint8ClampedArray").New(u8)
	if !Is(clamped, Bytes) || !bytes.Equal(BytesOf(clamped), in) {
		t.Error("Uint8ClampedArray")
	}
	buf := u8.Get("buffer")
	if !Is(buf, Bytes) || !bytes.Equal(BytesOf(buf), in) {
		t.Error("ArrayBuffer")
	}
	if Is(js.ValueOf([]any{1, 2}), Bytes) {
		t.Error("an Array is not bytes")
	}
}

func toError(err error) js.Value { return NewError(err.Error(), map[string]any{"code": "test"}) }

func TestPromise(t *testing.T) {
	type result struct {
		N int `js:"n"`
	}
	v, err := Await(Promise(func() (any, error) { return result{7}, nil }, toError))
	if err != nil || v.Get("n").Int() != 7 {
		t.Fatalf("resolve: %v %v", v, err)
	}
	_, err = Await(Promise(func() (any, error) { return nil, errors.New("wrong passphrase") }, toError))
	if err == nil || err.Error() != "TwofoldError: wrong passphrase" {
		t.Fatalf("reject: %v", err)
	}
	_, err = Await(Promise(func() (any, error) { panic("boom") }, toError))
	if err == nil || !strings.Contains(err.Error(), "internal error: boom") {
		t.Fatalf("panic: %v", err)
	}
	v, err = Await(Promise(func() (any, error) { return Uint8Array([]byte{9}), nil }, toError))
	if err != nil || !bytes.Equal(BytesOf(v), []byte{9}) {
		t.Fatalf("js.Value result: %v %v", v, err)
	}
	e := NewError("m", map[string]any{"code": "c", "details": map[string]any{"position": 3}})
	if e.Get("name").String() != "TwofoldError" || e.Get("code").String() != "c" || e.Get("details").Get("position").Int() != 3 ||
		!e.InstanceOf(js.Global().Get("Error")) {
		t.Fatal("NewError properties")
	}
}

// fire calls target[handler] from a JavaScript timer, as IndexedDB does.
func fire(target js.Value, handler string, set map[string]any) {
	var cb js.Func
	cb = js.FuncOf(func(js.Value, []js.Value) any {
		for k, v := range set {
			target.Set(k, v)
		}
		target.Get(handler).Invoke(js.Global().Get("Object").New())
		cb.Release()
		return nil
	})
	js.Global().Call("setTimeout", cb, 1)
}

func TestAwaitEvents(t *testing.T) {
	req := js.Global().Get("Object").New()
	fire(req, "onsuccess", map[string]any{"result": 42})
	v, err := AwaitEvents(req, "onsuccess", "onerror")
	if err != nil || v.Int() != 42 {
		t.Fatalf("success: %v %v", v, err)
	}
	if !req.Get("onsuccess").IsNull() {
		t.Fatal("handler left installed")
	}
	tx := js.Global().Get("Object").New()
	quota := js.Global().Get("Error").New("quota exceeded")
	quota.Set("name", "QuotaExceededError")
	fire(tx, "onabort", map[string]any{"error": quota})
	if _, err := AwaitEvents(tx, "oncomplete", "onerror", "onabort"); err == nil || err.Error() != "QuotaExceededError: quota exceeded" {
		t.Fatalf("abort: %v", err)
	}
}
