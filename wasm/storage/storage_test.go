package storage

import (
	"bytes"
	"errors"
	"os"
	"testing"
)

// backends runs each test against every host implementation, so they keep
// the same contract as the IndexedDB adapter is held to.
func backends(t *testing.T) map[string]Storage {
	dir, err := NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return map[string]Storage{"memory": NewMemory(), "dir": dir}
}

func TestContract(t *testing.T) {
	for name, st := range backends(t) {
		t.Run(name, func(t *testing.T) {
			if _, err := st.Get("vault"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get missing: err = %v, want ErrNotFound", err)
			}
			data := []byte("first")
			if err := st.Put("vault", data); err != nil {
				t.Fatal(err)
			}
			data[0] = 'X' // the store must have kept its own copy
			got, err := st.Get("vault")
			if err != nil || string(got) != "first" {
				t.Fatalf("Get = %q, %v; want first", got, err)
			}
			got[0] = 'Y'
			if again, _ := st.Get("vault"); string(again) != "first" {
				t.Fatalf("Get returned the store's own slice: now %q", again)
			}
			if err := st.Put("vault", []byte("second")); err != nil {
				t.Fatal(err)
			}
			if got, _ := st.Get("vault"); !bytes.Equal(got, []byte("second")) {
				t.Fatalf("after overwrite Get = %q", got)
			}
			if err := st.Delete("vault"); err != nil {
				t.Fatal(err)
			}
			if err := st.Delete("vault"); err != nil {
				t.Fatalf("second Delete: %v", err)
			}
			if _, err := st.Get("vault"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get after Delete: %v", err)
			}
		})
	}
}

func TestBadNames(t *testing.T) {
	for name, st := range backends(t) {
		for _, bad := range []string{"", ".", "..", "../x", "a/b", ".hidden", "sp ace", string(make([]byte, MaxNameLength+1))} {
			if err := st.Put(bad, nil); !errors.Is(err, ErrName) {
				t.Errorf("%s: Put(%q) = %v, want ErrName", name, bad, err)
			}
			if _, err := st.Get(bad); !errors.Is(err, ErrName) {
				t.Errorf("%s: Get(%q) = %v, want ErrName", name, bad, err)
			}
		}
	}
}

func TestDirLeavesNoTemporaryFiles(t *testing.T) {
	path := t.TempDir()
	d, err := NewDir(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := d.Put("blob", []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(path)
	if len(entries) != 1 || entries[0].Name() != "blob" {
		t.Fatalf("directory holds %v, want only blob", entries)
	}
}
