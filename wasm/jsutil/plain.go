package jsutil

import (
	"fmt"
	"reflect"
	"strings"
)

// ArgError is a call from JavaScript with missing or mistyped arguments.
type ArgError struct{ Msg string }

func (e *ArgError) Error() string { return e.Msg }

// ErrorCode is bad_argument (shared/errcode).
func (e *ArgError) ErrorCode() string { return "bad_argument" }

// Plain converts v into values syscall/js.ValueOf accepts: structs become
// map[string]any keyed by their `js` tags (fields without a tag are left
// out; ",omitempty" drops zero values), slices become []any (nil ones empty
// arrays, so the page never meets null where it expects a list), named
// string and number types their base values, and nil pointers nil.
func Plain(v any) any {
	if v == nil {
		return nil
	}
	return plain(reflect.ValueOf(v))
}

func plain(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Bool:
		return v.Bool()
	case reflect.String:
		return v.String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return int(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(v.Uint()) // JavaScript numbers; counters stay exact below 2^53
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return plain(v.Elem())
	case reflect.Slice, reflect.Array:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = plain(v.Index(i))
		}
		return out
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			panic(fmt.Sprintf("jsutil.Plain: map key %s", v.Type().Key()))
		}
		out := make(map[string]any, v.Len())
		for it := v.MapRange(); it.Next(); {
			out[it.Key().String()] = plain(it.Value())
		}
		return out
	case reflect.Struct:
		out := map[string]any{}
		t := v.Type()
		for i := range t.NumField() {
			tag, ok := t.Field(i).Tag.Lookup("js")
			if !ok || tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			if opts == "omitempty" && v.Field(i).IsZero() {
				continue
			}
			out[name] = plain(v.Field(i))
		}
		return out
	}
	panic(fmt.Sprintf("jsutil.Plain: unsupported %s", v.Type())) // a bug in a result type
}
