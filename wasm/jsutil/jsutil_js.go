//go:build js && wasm

package jsutil

import (
	"errors"
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strings"
	"syscall/js"
)

// Kind is the JavaScript type a parameter must have.
type Kind int

// The kinds Check knows.
const (
	String        Kind = iota
	Number             // a finite number
	Integer            // a finite number without a fraction
	Boolean            // true or false
	Object             // a non-null object (not an array)
	Array              // an Array
	Bytes              // Uint8Array, Uint8ClampedArray or ArrayBuffer
	Function           // a function
	StringOrArray      // a string or an Array (one item or several)
)

var kindNames = [...]string{"string", "number", "integer", "boolean", "object", "array", "Uint8Array", "function", "string or array"}

func (k Kind) String() string { return kindNames[k] }

// article is the kind with "a" or "an", for messages.
func (k Kind) article() string {
	if strings.ContainsRune("aeiou", rune(kindNames[k][0])) {
		return "an " + kindNames[k]
	}
	return "a " + kindNames[k]
}

// Param describes one parameter for Check and for its error messages.
type Param struct {
	Name     string
	Kind     Kind
	Optional bool // may be absent or undefined (trailing parameters only)
}

// Is reports whether v has kind k.
func Is(v js.Value, k Kind) bool {
	switch k {
	case String:
		return v.Type() == js.TypeString
	case Number:
		return v.Type() == js.TypeNumber && !math.IsNaN(v.Float()) && !math.IsInf(v.Float(), 0)
	case Integer:
		return Is(v, Number) && v.Float() == math.Trunc(v.Float())
	case Boolean:
		return v.Type() == js.TypeBoolean
	case Object:
		return v.Type() == js.TypeObject && !js.Global().Get("Array").Call("isArray", v).Bool()
	case Array:
		return js.Global().Get("Array").Call("isArray", v).Bool()
	case Bytes:
		return v.Type() == js.TypeObject && (v.InstanceOf(js.Global().Get("Uint8Array")) ||
			v.InstanceOf(js.Global().Get("Uint8ClampedArray")) || v.InstanceOf(js.Global().Get("ArrayBuffer")))
	case Function:
		return v.Type() == js.TypeFunction
	case StringOrArray:
		return Is(v, String) || Is(v, Array)
	}
	return false
}

// Check verifies the number and types of args against params and returns an
// *ArgError naming the function, the parameter and what was passed.
func Check(fn string, args []js.Value, params ...Param) error {
	required := 0
	for _, p := range params {
		if !p.Optional {
			required++
		}
	}
	if len(args) < required || len(args) > len(params) {
		var sig []string
		for _, p := range params {
			s := p.Name + ": " + p.Kind.String()
			if p.Optional {
				s = p.Name + "?: " + p.Kind.String()
			}
			sig = append(sig, s)
		}
		want := fmt.Sprint(required)
		if required != len(params) {
			want = fmt.Sprintf("%d to %d", required, len(params))
		}
		return &ArgError{fmt.Sprintf("%s(%s) takes %s arguments, got %d", fn, strings.Join(sig, ", "), want, len(args))}
	}
	for i, a := range args {
		p := params[i]
		if p.Optional && a.IsUndefined() {
			continue
		}
		if !Is(a, p.Kind) {
			return &ArgError{fmt.Sprintf("%s: %s must be %s, got %s", fn, p.Name, p.Kind.article(), describe(a))}
		}
	}
	return nil
}

func describe(v js.Value) string {
	switch {
	case v.IsNull():
		return "null"
	case Is(v, Array):
		return "an array"
	case v.Type() == js.TypeNumber && !Is(v, Number):
		return "a non-finite number"
	case v.Type() == js.TypeNumber && !Is(v, Integer):
		return "a number with a fraction"
	}
	return "a " + v.Type().String()
}

// Field reads obj[name] and checks its kind; an absent optional field is
// returned as undefined.
func Field(fn string, obj js.Value, name string, k Kind, optional bool) (js.Value, error) {
	v := obj.Get(name)
	if v.IsUndefined() || v.IsNull() {
		if optional {
			return js.Undefined(), nil
		}
		return v, &ArgError{fmt.Sprintf("%s: %s is required", fn, name)}
	}
	if !Is(v, k) {
		return v, &ArgError{fmt.Sprintf("%s: %s must be %s, got %s", fn, name, k.article(), describe(v))}
	}
	return v, nil
}

// BytesOf copies a Uint8Array, Uint8ClampedArray or ArrayBuffer into Go.
func BytesOf(v js.Value) []byte {
	if v.InstanceOf(js.Global().Get("ArrayBuffer")) {
		v = js.Global().Get("Uint8Array").New(v)
	}
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

// Uint8Array copies b into a new Uint8Array.
func Uint8Array(b []byte) js.Value {
	a := js.Global().Get("Uint8Array").New(len(b))
	js.CopyBytesToJS(a, b)
	return a
}

// NewError makes a JavaScript Error named TwofoldError with extra properties
// (code, details), which is what every Promise rejects with.
func NewError(message string, props map[string]any) js.Value {
	e := js.Global().Get("Error").New(message)
	e.Set("name", "TwofoldError")
	for k, v := range props {
		e.Set(k, js.ValueOf(v))
	}
	return e
}

// Promise runs work in a new goroutine, so it may block on IndexedDB, Argon2
// or anything else without holding up the event loop, and returns a Promise
// of its result. Results are passed through Plain unless they are already a
// js.Value. Errors, and panics, reject with toError's value. The executor
// js.Func is released as soon as the Promise constructor has called it.
func Promise(work func() (any, error), toError func(error) js.Value) js.Value {
	executor := js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer func() {
				if r := recover(); r != nil {
					fmt.Fprintf(os.Stderr, "twofold: panic: %v\n%s", r, debug.Stack()) // the console, for the developer
					reject.Invoke(toError(fmt.Errorf("internal error: %v", r)))
				}
			}()
			v, err := work()
			if err != nil {
				reject.Invoke(toError(err))
				return
			}
			if jv, ok := v.(js.Value); ok {
				resolve.Invoke(jv)
				return
			}
			resolve.Invoke(js.ValueOf(Plain(v)))
		}()
		return nil
	})
	defer executor.Release()
	return js.Global().Get("Promise").New(executor)
}

// Error turns a thrown JavaScript value into a Go error.
func Error(v js.Value) error {
	if v.Type() == js.TypeObject && v.Get("message").Type() == js.TypeString {
		name := v.Get("name")
		if name.Type() == js.TypeString && name.String() != "Error" {
			return fmt.Errorf("%s: %s", name.String(), v.Get("message").String())
		}
		return errors.New(v.Get("message").String())
	}
	if v.IsUndefined() || v.IsNull() {
		return errors.New("unknown JavaScript error")
	}
	return errors.New(js.Global().Get("String").Invoke(v).String())
}

type settled struct {
	v   js.Value
	err error
}

// Await waits for a JavaScript Promise (or thenable). It blocks its goroutine,
// so it must never run on the event loop's own goroutine (inside a js.Func
// callback): call it from the goroutine of a Promise.
func Await(p js.Value) (js.Value, error) {
	ch := make(chan settled, 1)
	onFulfilled := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- settled{v: arg0(args)}
		return nil
	})
	onRejected := js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- settled{err: Error(arg0(args))}
		return nil
	})
	defer onFulfilled.Release()
	defer onRejected.Release()
	p.Call("then", onFulfilled, onRejected)
	r := <-ch
	return r.v, r.err
}

// AwaitEvents waits until target fires one of its ok handler (e.g. "onsuccess"
// of an IDBRequest, "oncomplete" of an IDBTransaction) or one of the failure
// handlers, whose target.error becomes the error. The handlers are set as
// properties and removed again. Same rule as Await: not on the event loop.
func AwaitEvents(target js.Value, ok string, failures ...string) (js.Value, error) {
	ch := make(chan settled, 1)
	onOK := js.FuncOf(func(js.Value, []js.Value) any {
		select {
		case ch <- settled{v: target.Get("result")}:
		default:
		}
		return nil
	})
	onFail := js.FuncOf(func(_ js.Value, args []js.Value) any {
		err := target.Get("error")
		if err.IsUndefined() || err.IsNull() {
			err = arg0(args)
		}
		if ev := arg0(args); ev.Type() == js.TypeObject && ev.Get("preventDefault").Type() == js.TypeFunction {
			ev.Call("preventDefault") // an IDB error handled here must not also abort elsewhere
		}
		select {
		case ch <- settled{err: Error(err)}:
		default:
		}
		return nil
	})
	target.Set(ok, onOK)
	for _, f := range failures {
		target.Set(f, onFail)
	}
	r := <-ch
	target.Set(ok, js.Null())
	for _, f := range failures {
		target.Set(f, js.Null())
	}
	onOK.Release()
	onFail.Release()
	return r.v, r.err
}

func arg0(args []js.Value) js.Value {
	if len(args) == 0 {
		return js.Undefined()
	}
	return args[0]
}
