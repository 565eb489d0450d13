package jsutil

import (
	"reflect"
	"testing"
)

type kind string

type inner struct {
	N int `js:"n"`
}

type sample struct {
	Name     string         `js:"name"`
	Kind     kind           `js:"kind"`
	Count    uint64         `js:"count"`
	Ratio    float64        `js:"ratio"`
	OK       bool           `js:"ok"`
	List     []int          `js:"list"`
	Nil      []string       `js:"nil"`
	Ptr      *inner         `js:"ptr"`
	NilPtr   *inner         `js:"nilPtr"`
	Omitted  *inner         `js:"omitted,omitempty"`
	Kept     string         `js:"kept,omitempty"`
	Details  map[string]any `js:"details"`
	Hidden   string         `js:"-"`
	Untagged string
}

func TestPlain(t *testing.T) {
	got := Plain(sample{
		Name: "a", Kind: "totp", Count: 7, Ratio: 0.5, OK: true, List: []int{1, 2}, Ptr: &inner{3}, Kept: "k",
		Details: map[string]any{"pos": 7, "inner": inner{4}}, Hidden: "h", Untagged: "u",
	})
	want := map[string]any{
		"name": "a", "kind": "totp", "count": float64(7), "ratio": 0.5, "ok": true, "list": []any{1, 2},
		"nil": []any{}, "ptr": map[string]any{"n": 3}, "nilPtr": nil, "kept": "k",
		"details": map[string]any{"pos": 7, "inner": map[string]any{"n": 4}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Plain =\n%#v\nwant\n%#v", got, want)
	}
	if Plain(nil) != nil || Plain([]sample(nil)) == nil {
		t.Fatal("nil handling")
	}
}

func TestPlainPanicsOnUnsupported(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("a channel was converted")
		}
	}()
	Plain(make(chan int))
}
