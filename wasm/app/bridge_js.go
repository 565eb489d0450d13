//go:build js && wasm

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"syscall/js"

	"github.com/twofold-auth/twofold/shared/errcode"
	"github.com/twofold-auth/twofold/shared/pushproto"
	"github.com/twofold-auth/twofold/wasm/accounts"
	"github.com/twofold-auth/twofold/wasm/jsutil"
	"github.com/twofold-auth/twofold/wasm/pushclient"
	"github.com/twofold-auth/twofold/wasm/qrtext"
	"github.com/twofold-auth/twofold/wasm/storage"
)

// version is reported as twofold.version; web/app/twofold.d.ts documents
// the API of this version.
const version = "1"

func main() {
	b := &bridge{done: make(chan struct{})}
	b.app = NewApp(Config{Storage: &idbStore{}, Push: PushConfig{HTTP: fetchPoster{}, Dial: dialWebSocket, Keys: webCryptoKeys{}, OnEvent: dispatchPush},
		Tabs: webTabs{}, Transfer: &webTransfer{}, Sync: syncConfig()})
	js.Global().Set("twofold", b.namespace())
	if ev := js.Global().Get("Event"); ev.Truthy() && js.Global().Get("dispatchEvent").Truthy() {
		js.Global().Call("dispatchEvent", ev.New("twofold-ready"))
	}
	<-b.done // until twofold.shutdown(): the Go program must outlive main's setup
}

// bridge owns the js.Funcs of the namespace so shutdown can release them.
type bridge struct {
	app   *App
	funcs []js.Func
	done  chan struct{}
	once  sync.Once
}

func rejectWith(err error) js.Value {
	e := toAPIError(err)
	if e.Code == CodeInternal {
		// A bug: its text is for the developer's console, not the page.
		js.Global().Get("console").Call("warn", "twofold: internal error: "+err.Error())
	}
	props := map[string]any{"code": e.Code}
	if e.Details != nil {
		props["details"] = jsutil.Plain(e.Details)
	}
	return jsutil.NewError(e.Message, props)
}

// async registers name on obj: a function that checks its arguments, then
// returns a Promise of work run in its own goroutine.
func (b *bridge) async(obj js.Value, path, name string, params []jsutil.Param, work func(args []js.Value) (any, error)) {
	fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
		if err := jsutil.Check(path+"."+name, args, params...); err != nil {
			return jsutil.Promise(func() (any, error) { return nil, err }, rejectWith)
		}
		return jsutil.Promise(func() (any, error) { return work(args) }, rejectWith)
	})
	b.funcs = append(b.funcs, fn)
	obj.Set(name, fn)
}

func str(name string) jsutil.Param { return jsutil.Param{Name: name, Kind: jsutil.String} }
func num(name string) jsutil.Param { return jsutil.Param{Name: name, Kind: jsutil.Number} }

// namespace builds window.twofold: one object per concern, each filled by
// its own function below.
func (b *bridge) namespace() js.Value {
	ns := newObject()
	ns.Set("version", version)
	for name, fill := range map[string]func(js.Value){
		"vault": b.vaultNS, "accounts": b.accountsNS, "qr": b.qrNS, "transfer": b.transferNS,
		"storage": b.storageNS, "push": b.pushNS, "passkey": b.passkeyNS, "sync": b.syncNS,
	} {
		obj := newObject()
		fill(obj)
		ns.Set(name, obj)
	}
	shutdown := js.FuncOf(func(js.Value, []js.Value) any {
		return jsutil.Promise(func() (any, error) { b.shutdown(); return nil, nil }, rejectWith)
	})
	b.funcs = append(b.funcs, shutdown)
	ns.Set("shutdown", shutdown)
	return ns
}

func newObject() js.Value { return js.Global().Get("Object").New() }

var none = []jsutil.Param{}

// vaultNS is twofold.vault: creating, unlocking, locking and re-keying the vault.
func (b *bridge) vaultNS(obj js.Value) {
	a := b.app
	b.async(obj, "twofold.vault", "status", none, func([]js.Value) (any, error) { return a.Status() })
	b.async(obj, "twofold.vault", "exists", none, func([]js.Value) (any, error) {
		s, err := a.Status()
		return s.Exists, err
	})
	b.async(obj, "twofold.vault", "create", []jsutil.Param{str("passphrase")}, func(args []js.Value) (any, error) {
		return nil, a.Create(args[0].String())
	})
	b.async(obj, "twofold.vault", "unlock", []jsutil.Param{str("passphrase")}, func(args []js.Value) (any, error) {
		return nil, a.Unlock(args[0].String())
	})
	b.async(obj, "twofold.vault", "lock", none, func([]js.Value) (any, error) { a.Lock(); return nil, nil })
	b.async(obj, "twofold.vault", "reload", none, func([]js.Value) (any, error) { return a.Reload() })
	b.async(obj, "twofold.vault", "changePassphrase", []jsutil.Param{str("oldPassphrase"), str("newPassphrase")}, func(args []js.Value) (any, error) {
		return nil, a.ChangePassphrase(args[0].String(), args[1].String())
	})
}

// accountsNS is twofold.accounts: the accounts and their codes.
func (b *bridge) accountsNS(obj js.Value) {
	a := b.app
	b.async(obj, "twofold.accounts", "list", none, func([]js.Value) (any, error) { return a.List() })
	b.async(obj, "twofold.accounts", "search", []jsutil.Param{str("query")}, func(args []js.Value) (any, error) {
		return a.Search(args[0].String())
	})
	b.async(obj, "twofold.accounts", "add", []jsutil.Param{str("uri")}, func(args []js.Value) (any, error) {
		return a.AddURI(args[0].String())
	})
	b.async(obj, "twofold.accounts", "addManual", []jsutil.Param{{Name: "entry", Kind: jsutil.Object}}, func(args []js.Value) (any, error) {
		m, err := manualEntryOf(args[0])
		if err != nil {
			return nil, err
		}
		return a.AddManual(m)
	})
	validate := js.FuncOf(func(_ js.Value, args []js.Value) any {
		// Synchronous: called on every keystroke, and it cannot fail.
		if len(args) != 1 || args[0].Type() != js.TypeString {
			return js.ValueOf(jsutil.Plain(KeyCheck{Message: "twofold.accounts.validateKey(typed: string) takes 1 string"}))
		}
		return js.ValueOf(jsutil.Plain(a.ValidateKey(args[0].String())))
	})
	b.funcs = append(b.funcs, validate)
	obj.Set("validateKey", validate)
	b.async(obj, "twofold.accounts", "rename", []jsutil.Param{str("id"), str("issuer"), str("account")}, func(args []js.Value) (any, error) {
		return a.Rename(args[0].String(), args[1].String(), args[2].String())
	})
	b.async(obj, "twofold.accounts", "resolve", []jsutil.Param{str("conflictId"), str("choice")}, func(args []js.Value) (any, error) {
		v, err := a.Resolve(args[0].String(), args[1].String())
		if err != nil || v.ID == "" {
			return nil, err
		}
		return v, nil
	})
	b.async(obj, "twofold.accounts", "delete", []jsutil.Param{str("id")}, func(args []js.Value) (any, error) {
		return nil, a.Delete(args[0].String())
	})
	b.async(obj, "twofold.accounts", "trash", none, func([]js.Value) (any, error) { return a.Trash() })
	b.async(obj, "twofold.accounts", "restore", []jsutil.Param{str("id")}, func(args []js.Value) (any, error) {
		return a.Restore(args[0].String())
	})
	b.async(obj, "twofold.accounts", "purge", []jsutil.Param{str("id")}, func(args []js.Value) (any, error) {
		return nil, a.Purge(args[0].String())
	})
	b.async(obj, "twofold.accounts", "reorder", []jsutil.Param{{Name: "ids", Kind: jsutil.Array}}, func(args []js.Value) (any, error) {
		ids := make([]string, args[0].Length())
		for i := range ids {
			v := args[0].Index(i)
			if v.Type() != js.TypeString {
				return nil, &jsutil.ArgError{Msg: "twofold.accounts.reorder: ids must be an array of strings"}
			}
			ids[i] = v.String()
		}
		return nil, a.Reorder(ids)
	})
	b.async(obj, "twofold.accounts", "nextHOTP", []jsutil.Param{str("id")}, func(args []js.Value) (any, error) {
		return a.NextHOTP(args[0].String())
	})
	b.async(obj, "twofold.accounts", "codes", []jsutil.Param{num("nowMs")}, func(args []js.Value) (any, error) {
		return a.Codes(args[0].Float())
	})
	b.async(obj, "twofold.accounts", "setClockOffset", []jsutil.Param{num("offsetMs")}, func(args []js.Value) (any, error) {
		return nil, a.SetClockOffset(args[0].Float())
	})
	b.listNS(obj)
}

// listNS adds to twofold.accounts the list's calls: edit, pin, the list's
// settings, the HOTP counter and resync, and the last use.
func (b *bridge) listNS(obj js.Value) {
	a := b.app
	const ns = "twofold.accounts"
	b.async(obj, ns, "edit", []jsutil.Param{str("id"), {Name: "fields", Kind: jsutil.Object}}, func(args []js.Value) (any, error) {
		e, err := editOf(args[1])
		if err != nil {
			return nil, err
		}
		return a.Edit(args[0].String(), e)
	})
	b.async(obj, ns, "setPinned", []jsutil.Param{str("id"), {Name: "pinned", Kind: jsutil.Boolean}}, func(args []js.Value) (any, error) {
		return a.SetPinned(args[0].String(), args[1].Bool())
	})
	b.async(obj, ns, "settings", none, func([]js.Value) (any, error) { return a.Settings() })
	b.async(obj, ns, "setSettings", []jsutil.Param{{Name: "settings", Kind: jsutil.Object}}, func(args []js.Value) (any, error) {
		sort, err := jsutil.Field(ns+".setSettings", args[0], "sort", jsutil.String, false)
		if err != nil {
			return nil, err
		}
		hide, err := jsutil.Field(ns+".setSettings", args[0], "hideCodes", jsutil.Boolean, false)
		if err != nil {
			return nil, err
		}
		return nil, a.SetSettings(SettingsView{Sort: sort.String(), HideCodes: hide.Bool()})
	})
	b.async(obj, ns, "setCounter", []jsutil.Param{str("id"), {Name: "counter", Kind: jsutil.Integer}}, func(args []js.Value) (any, error) {
		return a.SetCounter(args[0].String(), args[1].Float())
	})
	b.async(obj, ns, "resync", []jsutil.Param{str("id"), str("code1"), str("code2")}, func(args []js.Value) (any, error) {
		return a.Resync(args[0].String(), args[1].String(), args[2].String())
	})
	b.async(obj, ns, "markUsed", []jsutil.Param{str("id")}, func(args []js.Value) (any, error) {
		return nil, a.MarkUsed(args[0].String())
	})
}

// editOf reads accounts.edit's fields: issuer, account, icon (strings)
// and tags (an array of strings).
func editOf(obj js.Value) (accounts.Edit, error) {
	const fn = "twofold.accounts.edit"
	var e accounts.Edit
	for _, f := range []struct {
		name string
		to   *string
	}{{"issuer", &e.Issuer}, {"account", &e.Account}, {"icon", &e.Icon}} {
		v, err := jsutil.Field(fn, obj, f.name, jsutil.String, f.name != "account")
		if err != nil {
			return e, err
		}
		if v.Type() == js.TypeString {
			*f.to = v.String()
		}
	}
	tags, err := jsutil.Field(fn, obj, "tags", jsutil.Array, true)
	if err != nil || tags.IsUndefined() {
		return e, err
	}
	for i := range tags.Length() {
		t := tags.Index(i)
		if t.Type() != js.TypeString {
			return e, &jsutil.ArgError{Msg: fn + ": tags must be an array of strings"}
		}
		e.Tags = append(e.Tags, t.String())
	}
	return e, nil
}

// qrNS is twofold.qr: decoding QR codes from camera, screen or image frames.
func (b *bridge) qrNS(obj js.Value) {
	a := b.app
	b.async(obj, "twofold.qr", "decode", []jsutil.Param{{Name: "rgba", Kind: jsutil.Bytes},
		{Name: "width", Kind: jsutil.Integer}, {Name: "height", Kind: jsutil.Integer}}, func(args []js.Value) (any, error) {
		w, h := args[1].Int(), args[2].Int()
		if n := args[0].Get("byteLength").Int(); n != w*h*4 || w <= 0 || h <= 0 {
			return nil, qrtext.ErrFrame // before copying a frame that is not one
		}
		return a.DecodeQR(jsutil.BytesOf(args[0]), w, h)
	})
}

// transferNS is twofold.transfer: imports and exports.
func (b *bridge) transferNS(obj js.Value) {
	a := b.app
	b.async(obj, "twofold.transfer", "importGA", []jsutil.Param{str("uri")}, func(args []js.Value) (any, error) {
		return a.ImportGA(args[0].String())
	})
	b.async(obj, "twofold.transfer", "exportBackup", []jsutil.Param{str("passphrase")}, func(args []js.Value) (any, error) {
		blob, err := a.ExportBackup(args[0].String())
		if err != nil {
			return nil, err
		}
		return jsutil.Uint8Array(blob), nil
	})
	b.previewNS(obj)
}

// previewNS adds to twofold.transfer the import with a preview and the
// plaintext exports.
func (b *bridge) previewNS(obj js.Value) {
	a := b.app
	const ns = "twofold.transfer"
	b.async(obj, ns, "preview", []jsutil.Param{{Name: "file", Kind: jsutil.Bytes}, str("format"), str("password")}, func(args []js.Value) (any, error) {
		file := jsutil.BytesOf(args[0])
		defer clear(file)
		return a.Preview(file, args[1].String(), args[2].String())
	})
	b.async(obj, ns, "commit", []jsutil.Param{str("previewId"), {Name: "choices", Kind: jsutil.Array}}, func(args []js.Value) (any, error) {
		choices := make([]string, args[1].Length())
		for i := range choices {
			v := args[1].Index(i)
			if v.Type() != js.TypeString {
				return nil, &jsutil.ArgError{Msg: ns + ".commit: choices must be an array of strings"}
			}
			choices[i] = v.String()
		}
		return a.Commit(args[0].String(), choices)
	})
	b.async(obj, ns, "cancelPreview", none, func([]js.Value) (any, error) { a.CancelPreview(); return nil, nil })
	// exportPlain and exportPlainWithPasskey differ only in the proof that
	// confirms the export (transfer.go, Proof).
	exportAs := func(proof Proof, args []js.Value) (any, error) {
		id := ""
		if len(args) > 1 && args[1].Type() == js.TypeString {
			id = args[1].String()
		}
		out, err := a.ExportPlain(proof, args[0].String(), id)
		if err != nil {
			return nil, err
		}
		return exportValue(out), nil
	}
	format := []jsutil.Param{str("format"), {Name: "accountId", Kind: jsutil.String, Optional: true}}
	b.async(obj, ns, "exportPlain", append([]jsutil.Param{str("passphrase")}, format...), func(args []js.Value) (any, error) {
		return exportAs(PassphraseProof(args[0].String()), args[1:])
	})
	b.async(obj, ns, "exportPlainWithPasskey", append([]jsutil.Param{str("credentialId"), {Name: "prf", Kind: jsutil.Bytes}}, format...),
		func(args []js.Value) (any, error) {
			return exportAs(PasskeyProof(args[0].String(), jsutil.BytesOf(args[1])), args[2:])
		})
}

// exportValue is an Export for the page: the file and each QR code's
// modules as Uint8Arrays (the Go copies cleared).
func exportValue(out Export) js.Value {
	v := js.ValueOf(jsutil.Plain(struct {
		Format  string    `js:"format"`
		Skipped []Problem `js:"skipped"`
		Count   int       `js:"count"`
	}{out.Format, out.Skipped, out.Count}))
	v.Set("file", js.Null())
	if out.File != nil {
		v.Set("file", jsutil.Uint8Array(out.File))
		clear(out.File)
	}
	codes := js.Global().Get("Array").New()
	for _, c := range out.Codes {
		code := js.Global().Get("Object").New()
		code.Set("size", c.Size)
		code.Set("modules", jsutil.Uint8Array(c.Modules))
		clear(c.Modules)
		codes.Call("push", code)
	}
	v.Set("codes", codes)
	return v
}

// storageNS is twofold.storage: asking the browser to keep the storage.
func (b *bridge) storageNS(obj js.Value) {
	b.async(obj, "twofold.storage", "persist", none, func([]js.Value) (any, error) { return persistStorage("persist") })
	b.async(obj, "twofold.storage", "persisted", none, func([]js.Value) (any, error) { return persistStorage("persisted") })
}

// pushNS is twofold.push: sign-in prompts.
func (b *bridge) pushNS(obj js.Value) {
	a := b.app
	b.async(obj, "twofold.push", "enable", []jsutil.Param{str("accountId")}, func(args []js.Value) (any, error) {
		return a.PushEnable(args[0].String())
	})
	b.async(obj, "twofold.push", "disable", []jsutil.Param{str("accountId")}, func(args []js.Value) (any, error) {
		return nil, a.PushDisable(args[0].String())
	})
	b.async(obj, "twofold.push", "status", none, func([]js.Value) (any, error) {
		st, err := a.PushStatuses()
		if st == nil {
			st = []PushStatus{}
		}
		return st, err
	})
	b.async(obj, "twofold.push", "start", none, func([]js.Value) (any, error) { return nil, a.PushStart() })
	b.async(obj, "twofold.push", "stop", none, func([]js.Value) (any, error) { a.PushStop(); return nil, nil })
	b.async(obj, "twofold.push", "prompts", none, func([]js.Value) (any, error) { return a.PushPrompts() })
	b.async(obj, "twofold.push", "answer", []jsutil.Param{str("promptId"), str("decision"), {Name: "number", Kind: jsutil.Integer}},
		func(args []js.Value) (any, error) {
			return a.PushAnswer(args[0].String(), args[1].String(), args[2].Int())
		})
}

// shutdown locks the vault, removes the namespace and releases every js.Func
// (the page calls it on pagehide, tests between runs). main returns from a
// later timer task, after the shutdown Promise has resolved: a Go program that
// exits first leaves that Promise's resolution calling into a dead instance.
func (b *bridge) shutdown() {
	b.once.Do(func() {
		b.app.Lock()
		js.Global().Delete("twofold")
		for _, f := range b.funcs {
			f.Release()
		}
		var exit js.Func
		exit = js.FuncOf(func(js.Value, []js.Value) any {
			exit.Release()
			close(b.done)
			return nil
		})
		js.Global().Call("setTimeout", exit, 0)
	})
}

// manualEntryOf reads the addManual argument, checking every field's type.
func manualEntryOf(obj js.Value) (ManualEntry, error) {
	const fn = "twofold.accounts.addManual"
	var m ManualEntry
	var err error
	field := func(name string, k jsutil.Kind, optional bool) js.Value {
		if err != nil {
			return js.Undefined()
		}
		var v js.Value
		v, err = jsutil.Field(fn, obj, name, k, optional)
		return v
	}
	strField := func(name string, optional bool) string {
		if v := field(name, jsutil.String, optional); v.Type() == js.TypeString {
			return v.String()
		}
		return ""
	}
	intField := func(name string) int {
		if v := field(name, jsutil.Integer, true); v.Type() == js.TypeNumber {
			return v.Int()
		}
		return 0
	}
	m.Issuer = strField("issuer", true)
	m.Account = strField("account", false)
	m.Secret = strField("secret", false)
	m.Type = strField("type", true)
	m.Algorithm = strField("algorithm", true)
	m.Digits = intField("digits")
	m.Period = intField("period")
	counter := intField("counter")
	if counter < 0 {
		return m, &jsutil.ArgError{Msg: fn + ": counter must not be negative"}
	}
	m.Counter = uint64(counter)
	return m, err
}

// PersistResult says whether the browser keeps the vault under storage
// pressure (navigator.storage.persist / persisted).
type PersistResult struct {
	Supported bool `js:"supported"`
	Persisted bool `js:"persisted"`
}

func persistStorage(method string) (PersistResult, error) {
	nav := js.Global().Get("navigator")
	if !nav.Truthy() || !nav.Get("storage").Truthy() || nav.Get("storage").Get(method).Type() != js.TypeFunction {
		return PersistResult{}, nil
	}
	st := nav.Get("storage")
	v, err := jsutil.Await(st.Call(method))
	if err != nil {
		return PersistResult{}, err
	}
	return PersistResult{Supported: true, Persisted: v.Truthy()}, nil
}

// idbStore is the storage.Storage of the browser: one IndexedDB database
// "twofold" with one object store "blobs" holding Uint8Arrays by name. Each
// Put or Delete is its own readwrite transaction with strict durability, so
// it is atomic and on disk when it returns. Methods block their goroutine
// until IndexedDB answers; App calls them only from Promise goroutines.
type idbStore struct {
	mu sync.Mutex
	db js.Value
}

var _ storage.Storage = (*idbStore)(nil)

const (
	idbName        = "twofold"
	idbVersion     = 1
	idbObjectStore = "blobs"
)

func (s *idbStore) open() (js.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db.Truthy() {
		return s.db, nil
	}
	idb := js.Global().Get("indexedDB")
	if !idb.Truthy() {
		return js.Value{}, errcode.New(CodeStorage, "this browser offers no IndexedDB storage (is it a private window?)")
	}
	req := idb.Call("open", idbName, idbVersion)
	upgrade := js.FuncOf(func(js.Value, []js.Value) any {
		db := req.Get("result")
		if !db.Get("objectStoreNames").Call("contains", idbObjectStore).Bool() {
			db.Call("createObjectStore", idbObjectStore)
		}
		return nil
	})
	defer upgrade.Release()
	req.Set("onupgradeneeded", upgrade)
	db, err := jsutil.AwaitEvents(req, "onsuccess", "onerror", "onblocked")
	req.Set("onupgradeneeded", js.Null())
	if err != nil {
		return js.Value{}, err
	}
	s.db = db
	return db, nil
}

// tx starts a transaction on the blobs store; a failure to start (the
// database was closed by a version change) drops the handle so the next call
// reopens it.
func (s *idbStore) tx(mode string) (js.Value, js.Value, error) {
	db, err := s.open()
	if err != nil {
		return js.Value{}, js.Value{}, err
	}
	var tx js.Value
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = errcode.New(CodeStorage, "the browser storage is closed; reload the page")
				s.mu.Lock()
				s.db = js.Value{}
				s.mu.Unlock()
			}
		}()
		opts := js.Global().Get("Object").New()
		opts.Set("durability", "strict")
		tx = db.Call("transaction", idbObjectStore, mode, opts)
	}()
	if err != nil {
		return js.Value{}, js.Value{}, err
	}
	return tx, tx.Call("objectStore", idbObjectStore), nil
}

func (s *idbStore) Get(name string) ([]byte, error) {
	if err := storage.CheckName(name); err != nil {
		return nil, err
	}
	_, st, err := s.tx("readonly")
	if err != nil {
		return nil, err
	}
	v, err := jsutil.AwaitEvents(st.Call("get", name), "onsuccess", "onerror")
	if err != nil {
		return nil, err
	}
	if v.IsUndefined() || !jsutil.Is(v, jsutil.Bytes) {
		return nil, storage.ErrNotFound
	}
	return jsutil.BytesOf(v), nil
}

func (s *idbStore) Put(name string, data []byte) error {
	if err := storage.CheckName(name); err != nil {
		return err
	}
	tx, st, err := s.tx("readwrite")
	if err != nil {
		return err
	}
	st.Call("put", jsutil.Uint8Array(data), name)
	_, err = jsutil.AwaitEvents(tx, "oncomplete", "onerror", "onabort")
	return err
}

func (s *idbStore) Delete(name string) error {
	if err := storage.CheckName(name); err != nil {
		return err
	}
	tx, st, err := s.tx("readwrite")
	if err != nil {
		return err
	}
	st.Call("delete", name)
	_, err = jsutil.AwaitEvents(tx, "oncomplete", "onerror", "onabort")
	return err
}

// dispatchPush hands a push event to the page as a "twofold-push"
// CustomEvent on globalThis, detail = the PushEvent.
func dispatchPush(e PushEvent) { dispatch("twofold-push", jsutil.Plain(e)) }

func dispatch(name string, detail any) {
	ce := js.Global().Get("CustomEvent")
	if !ce.Truthy() || js.Global().Get("dispatchEvent").Type() != js.TypeFunction {
		return
	}
	init := js.Global().Get("Object").New()
	init.Set("detail", detail)
	js.Global().Call("dispatchEvent", ce.New(name, init))
}

// webTabs is Tabs between browser tabs: each save holds the Web Lock
// "twofold-vault" (navigator.locks), so no other tab saves between its
// compare and its pointer flip; after a save a "twofold-saved" event tells
// the page, which tells its other tabs (BroadcastChannel) to reload. Without
// Web Locks (browsers before 2022) the save runs unguarded: the
// compare-and-swap still refuses a stale write, short of an exact race.
type webTabs struct{}

func (webTabs) Exclusive(work func() error) error {
	nav := js.Global().Get("navigator")
	if !nav.Truthy() || !nav.Get("locks").Truthy() {
		return work()
	}
	var err error
	held := js.FuncOf(func(js.Value, []js.Value) any {
		// The lock is held until this Promise settles, after work.
		return jsutil.Promise(func() (any, error) { err = work(); return nil, nil }, rejectWith)
	})
	defer held.Release()
	if _, lerr := jsutil.Await(nav.Get("locks").Call("request", "twofold-vault", held)); lerr != nil {
		return lerr
	}
	return err
}

func (webTabs) Saved() { dispatch("twofold-saved", nil) }

// fetchPoster is pushclient.Poster over fetch: a JSON POST without cookies; an
// error answer's {"error":{"code","message"}} is read back.
type fetchPoster struct{}

func (fetchPoster) Post(r pushclient.Request) (pushclient.Response, error) {
	if js.Global().Get("fetch").Type() != js.TypeFunction {
		return pushclient.Response{}, errPushUnavailable
	}
	opts := js.Global().Get("Object").New()
	opts.Set("method", "POST")
	opts.Set("credentials", "omit")
	opts.Set("body", string(r.Body))
	headers := js.Global().Get("Object").New()
	headers.Set("Content-Type", "application/json")
	opts.Set("headers", headers)
	resp, err := jsutil.Await(js.Global().Call("fetch", r.URL, opts))
	if err != nil {
		return pushclient.Response{}, err
	}
	out := pushclient.Response{Status: resp.Get("status").Int()}
	if out.Status >= 300 {
		if body, err := jsutil.Await(resp.Call("json")); err == nil && body.Truthy() && body.Get("error").Truthy() {
			if c := body.Get("error").Get("code"); c.Type() == js.TypeString {
				out.Code = c.String()
			}
			if m := body.Get("error").Get("message"); m.Type() == js.TypeString {
				out.Message = m.String()
			}
		}
	}
	return out, nil
}

// wsTransport is pushclient.Transport over the browser's WebSocket (binary
// frames as ArrayBuffers). The handlers only queue or mark; the Client's
// goroutine does the work. The js.Funcs are released when the socket's
// close event has run.
type wsTransport struct {
	ws     js.Value
	frames chan []byte
	closed chan struct{}
	once   sync.Once
	err    *pushclient.CloseError
	funcs  []js.Func
}

// maxQueued frames wait for the Client; a server that sends more is
// misbehaving and the connection is dropped.
const maxQueued = 64

func dialWebSocket(url string) (tr pushclient.Transport, err error) {
	ctor := js.Global().Get("WebSocket")
	if ctor.Type() != js.TypeFunction {
		return nil, errPushUnavailable
	}
	t := &wsTransport{frames: make(chan []byte, maxQueued), closed: make(chan struct{})}
	defer func() {
		if r := recover(); r != nil { // new WebSocket throws on a bad URL
			err = errcode.New(CodePushUnavailable, "cannot open a connection to "+url)
		}
	}()
	t.ws = ctor.New(url)
	t.ws.Set("binaryType", "arraybuffer")
	opened := make(chan struct{})
	var openOnce sync.Once
	on := func(name string, f func(ev js.Value)) {
		fn := js.FuncOf(func(_ js.Value, args []js.Value) any {
			ev := js.Undefined()
			if len(args) > 0 {
				ev = args[0]
			}
			f(ev)
			return nil
		})
		t.funcs = append(t.funcs, fn)
		t.ws.Set(name, fn)
	}
	on("onopen", func(js.Value) { openOnce.Do(func() { close(opened) }) })
	on("onmessage", func(ev js.Value) {
		data := ev.Get("data")
		if !data.InstanceOf(js.Global().Get("ArrayBuffer")) || data.Get("byteLength").Int() > pushproto.MaxFrame {
			return // text or oversized: not a frame of this protocol
		}
		select {
		case t.frames <- jsutil.BytesOf(data):
		default:
			t.finish(1008, "too many frames")
			t.ws.Call("close", 1000)
		}
	})
	on("onerror", func(js.Value) {}) // a close event follows, with the code
	on("onclose", func(ev js.Value) {
		code, reason := 1006, ""
		if ev.Truthy() {
			code, reason = ev.Get("code").Int(), ev.Get("reason").String()
		}
		t.finish(code, reason)
		for _, name := range []string{"onopen", "onmessage", "onerror", "onclose"} {
			t.ws.Set(name, js.Null())
		}
		for _, fn := range t.funcs {
			fn.Release()
		}
	})
	select {
	case <-opened:
		return t, nil
	case <-t.closed:
		return nil, t.err
	}
}

func (t *wsTransport) finish(code int, reason string) {
	t.once.Do(func() {
		t.err = &pushclient.CloseError{Code: code, Reason: reason}
		close(t.closed)
	})
}

func (t *wsTransport) Send(b []byte) error {
	select {
	case <-t.closed:
		return t.err
	default:
	}
	if t.ws.Get("readyState").Int() != 1 { // OPEN
		return &pushclient.CloseError{Code: 1006, Reason: "not open"}
	}
	t.ws.Call("send", jsutil.Uint8Array(b))
	return nil
}

func (t *wsTransport) Receive() ([]byte, error) {
	select {
	case b := <-t.frames: // frames that arrived before the close first
		return b, nil
	default:
	}
	select {
	case b := <-t.frames:
		return b, nil
	case <-t.closed:
		return nil, t.err
	}
}

// Close closes the socket. Scripts may only send 1000 or 3000–4999; the
// code the Client passes is 1000.
func (t *wsTransport) Close(code int, reason string) {
	if code != 1000 && (code < 3000 || code > 4999) {
		code = 1000
	}
	t.finish(code, reason)
	if rs := t.ws.Get("readyState").Int(); rs == 0 || rs == 1 {
		t.ws.Call("close", code, reason)
	}
}

// webCryptoKeys is pushclient.Keys over the browser's own Ed25519 (WebCrypto:
// Chrome 137, Firefox 129, Safari 17 and later, in secure contexts), so the
// wasm does not link crypto/ed25519 (about 34 KB of brotli). The vault keeps
// the key's 32-byte RFC 8032 seed as before: WebCrypto exports an Ed25519
// private key as PKCS#8 (RFC 8410), 48 bytes, which are the fixed 16-byte
// prefix ed25519PKCS8Prefix (SEQUENCE, version 0, the algorithm id 1.3.101.112,
// OCTET STRING of an OCTET STRING of 32 bytes) followed by the seed; to sign,
// the seed is put back behind the same prefix and imported, not extractable.
// Every call waits for a Promise, so none runs on the event loop.
type webCryptoKeys struct{}

var ed25519PKCS8Prefix = []byte{0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20}

// subtleCall calls crypto.subtle[method](args...) and waits for its Promise.
// A browser without WebCrypto (an http page) or without Ed25519 gives an
// error that wraps errPushUnavailable.
func subtleCall(method string, args ...any) (v js.Value, err error) {
	c := js.Global().Get("crypto")
	if !c.Truthy() || !c.Get("subtle").Truthy() {
		return js.Value{}, errPushUnavailable
	}
	defer func() {
		if r := recover(); r != nil { // a synchronous throw
			err = fmt.Errorf("%w (crypto.subtle.%s: %v)", errPushUnavailable, method, r)
		}
	}()
	v, err = jsutil.Await(c.Get("subtle").Call(method, args...))
	if err != nil {
		return js.Value{}, fmt.Errorf("%w (crypto.subtle.%s: %v)", errPushUnavailable, method, err)
	}
	return v, nil
}

func ed25519Algorithm() js.Value {
	alg := js.Global().Get("Object").New()
	alg.Set("name", "Ed25519")
	return alg
}

// wipeBuffer zeroes an ArrayBuffer or Uint8Array that held key bytes.
func wipeBuffer(v js.Value) {
	if v.InstanceOf(js.Global().Get("ArrayBuffer")) {
		v = js.Global().Get("Uint8Array").New(v)
	}
	v.Call("fill", 0)
}

// Generate makes the key with WebCrypto's generator (rand is not used) and
// exports it once, to keep its seed in the vault.
func (webCryptoKeys) Generate(io.Reader) (seed, public []byte, err error) {
	return generateExported(ed25519Algorithm(), "sign", ed25519PKCS8Prefix, pushclient.PublicKeySize, "Ed25519")
}

// generateExported makes a key pair with WebCrypto's generator and
// exports it once: the private key's 32 bytes (PKCS #8 behind prefix) and
// the raw public key of pubSize bytes. Push's Ed25519 and sync's X25519
// keys both come from it.
func generateExported(alg js.Value, usage string, prefix []byte, pubSize int, name string) (priv, pub []byte, err error) {
	pair, err := subtleCall("generateKey", alg, true, js.ValueOf([]any{usage}))
	if err != nil {
		return nil, nil, err
	}
	pkcs8, err := subtleCall("exportKey", "pkcs8", pair.Get("privateKey"))
	if err != nil {
		return nil, nil, err
	}
	der := jsutil.BytesOf(pkcs8)
	wipeBuffer(pkcs8)
	defer clear(der)
	raw, err := subtleCall("exportKey", "raw", pair.Get("publicKey"))
	if err != nil {
		return nil, nil, err
	}
	pub = jsutil.BytesOf(raw)
	if len(der) != len(prefix)+32 || !bytes.HasPrefix(der, prefix) || len(pub) != pubSize {
		return nil, nil, errors.New("the browser exported an " + name + " key in an unexpected form")
	}
	return bytes.Clone(der[len(prefix):]), pub, nil
}

// Load imports seed as a non-extractable CryptoKey that can only sign. The
// Client keeps it while it runs and drops it when it stops (lock, disable).
func (webCryptoKeys) Load(seed []byte) (pushclient.Signer, error) {
	if len(seed) != pushclient.SeedSize {
		return nil, pushclient.ErrKeySize
	}
	der := append(bytes.Clone(ed25519PKCS8Prefix), seed...)
	buf := jsutil.Uint8Array(der)
	clear(der)
	key, err := subtleCall("importKey", "pkcs8", buf, ed25519Algorithm(), false, js.ValueOf([]any{"sign"}))
	wipeBuffer(buf)
	if err != nil {
		return nil, err
	}
	return webCryptoKey{key}, nil
}

// webCryptoKey is a pushclient.Signer over one CryptoKey.
type webCryptoKey struct{ key js.Value }

func (k webCryptoKey) Sign(message []byte) ([]byte, error) {
	sig, err := subtleCall("sign", "Ed25519", k.key, jsutil.Uint8Array(message))
	if err != nil {
		return nil, err
	}
	b := jsutil.BytesOf(sig)
	if len(b) != pushclient.SignatureSize {
		return nil, errors.New("the browser made an Ed25519 signature of the wrong size")
	}
	return b, nil
}
