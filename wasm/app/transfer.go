package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/twofold-auth/twofold/shared/errcode"
	"github.com/twofold-auth/twofold/wasm/accounts"
	"github.com/twofold-auth/twofold/wasm/transferwire"
	"github.com/twofold-auth/twofold/wasm/vault"
)

// Importing a file with a preview, and the plaintext exports. Twofold's own
// backups and lists of otpauth links (Google Authenticator exports among
// them) are read here; every other app's file, the Aegis and Google
// Authenticator exports and QR codes go through the transfer module, which
// the bridge loads on first use (docs/import-formats.md, "In the
// authenticator").

// TransferModule is the second module (wasm/transfermodule's Read and
// Write: accounts as otpauth URIs, the rest in wasm/transferwire's form).
// Its errors carry their codes.
type TransferModule interface {
	Read(file, password []byte, format string) ([]byte, error)
	Write(format string, accounts []byte) ([]byte, error)
	// DecodeQR returns the text of the QR code in an RGBA frame
	// (wasm/transfermodule.DecodeQR; errors no_qr and bad_frame).
	DecodeQR(rgba []byte, width, height int) ([]byte, error)
	// EncodeQR draws text as one QR code (wasm/transfermodule.EncodeQR,
	// an answer for transferwire.DecodeWritten).
	EncodeQR(text string) ([]byte, error)
}

// Errors of imports and exports made here.
var (
	errModuleUnavailable = errcode.New(CodeModuleUnavailable, "the part of Twofold that reads QR codes and other apps' files could not be loaded: check the connection and try again")
	errPasswordRequired  = errcode.New(CodePasswordRequired, "the file is encrypted; its password is needed")
	errBackupPassword    = errcode.New(CodeWrongPassword, "wrong password for this backup")
	errBackupDamaged     = errcode.New(CodeDamagedFile, "the backup file is damaged, cut short or was modified")
	errVaultFile         = errcode.New(CodeUnsupportedFile, "this is a Twofold vault, not a backup file: make a backup in the authenticator that holds it")
	errNotTwofold        = errcode.New(CodeWrongFormat, "the file is not a Twofold backup")
	errNoPreview         = errcode.New(CodeNotFound, "this preview is no longer open (another file was read, or the vault was locked): read the file again")
	errExportFormat      = errcode.New(CodeBadArgument, "the export format must be otpauth, aegis, google or qr")
	errFileTooLarge      = errcode.New(CodeTooLarge, "the file is too large (over 32 MiB)")
)

// maxImportFile bounds a file to import, as shared/transfer does.
const maxImportFile = 32 << 20

// PreviewItem is one entry of a file as an import would treat it.
type PreviewItem struct {
	Label         string `js:"label"`
	Type          string `js:"type"` // totp, hotp, steam ("" for a skipped entry)
	Status        string `js:"status"`
	Code          string `js:"code"`    // duplicate, name_conflict, or why it is skipped
	Message       string `js:"message"` // why, for a person
	Index         int    `js:"index"`   // skipped: its place in the file
	ExistingID    string `js:"existingId"`
	ExistingLabel string `js:"existingLabel"`
	InFile        bool   `js:"inFile"` // the account it meets is earlier in the file
}

// Preview statuses: new, duplicate, conflict (accounts.PlanStatus), and
// skipped (cannot be imported, with the reason).
const statusSkipped = "skipped"

// PreviewView is what a file would add, before anything is saved.
type PreviewView struct {
	ID         string        `js:"id"`
	Format     string        `js:"format"`
	FormatName string        `js:"formatName"`
	Items      []PreviewItem `js:"items"`
	Warnings   []string      `js:"warnings"`
}

// pending is the one preview open, its accounts held (opMu) until Commit,
// another Preview or Lock.
type pending struct {
	id    string
	plan  []accounts.Planned
	items int // len(view.Items): plan first, then skipped entries
}

// Preview reads a file (format "auto" or "" detects it; password empty:
// none given) and says what importing it would do, saving nothing.
func (a *App) Preview(file []byte, format, password string) (PreviewView, error) {
	if err := a.read(func(*accounts.State) error { return nil }); err != nil {
		return PreviewView{}, err
	}
	if len(file) > maxImportFile {
		return PreviewView{}, errFileTooLarge
	}
	var pw []byte
	if password != "" {
		pw = []byte(password)
		defer clear(pw)
	}
	r, err := a.readFile(file, format, pw)
	if err != nil {
		return PreviewView{}, err
	}
	var plan []accounts.Planned
	err = a.read(func(s *accounts.State) (err error) { plan, err = s.Plan(r.entries, a.rand, a.now()); return err })
	if err != nil {
		return PreviewView{}, err
	}
	view := PreviewView{Format: r.format, FormatName: r.formatName, Warnings: r.warnings, Items: []PreviewItem{}}
	for _, p := range plan {
		view.Items = append(view.Items, plannedItem(p))
	}
	view.Items = append(view.Items, r.skipped...)
	id := make([]byte, 8)
	if _, err := io.ReadFull(a.rand, id); err != nil {
		accounts.WipePlan(plan)
		return PreviewView{}, err
	}
	view.ID = hex.EncodeToString(id)
	a.opMu.Lock()
	a.dropPending()
	a.pending = &pending{id: view.ID, plan: plan, items: len(view.Items)}
	a.opMu.Unlock()
	return view, nil
}

func plannedItem(p accounts.Planned) PreviewItem {
	v := p.Account.View()
	it := PreviewItem{Label: v.Label(), Type: string(v.Type), Status: string(p.Status),
		ExistingID: p.Existing.ID, ExistingLabel: p.Existing.Label, InFile: p.InFile}
	switch p.Status {
	case accounts.PlanDuplicate:
		it.Code, it.Message = CodeDuplicate, p.Err.Error()
		if p.InFile {
			it.Message = "this key is in the file twice: it is added once, as " + p.Existing.Label
		}
	case accounts.PlanConflict:
		it.Code, it.Message = CodeNameConflict, "an account named "+p.Existing.Label+" is already in your list, with another key"
	case accounts.PlanInvalid:
		e := toAPIError(accounts.KeyError(p.Err))
		it.Status, it.Code, it.Message = statusSkipped, e.Code, e.Message
	}
	return it
}

// dropPending wipes the open preview's accounts; the caller holds opMu.
func (a *App) dropPending() {
	if a.pending != nil {
		accounts.WipePlan(a.pending.plan)
		a.pending = nil
	}
}

// fileContents is what a file gave, in the form the preview needs.
type fileContents struct {
	format, formatName string
	entries            []accounts.Entry
	skipped            []PreviewItem
	warnings           []string
}

// readFile reads a Twofold backup or an otpauth list here, anything else
// through the transfer module.
func (a *App) readFile(file []byte, format string, password []byte) (*fileContents, error) {
	switch {
	case format == "twofold" || (format == "" || format == "auto") && bytes.HasPrefix(file, []byte("TWFD")):
		return readBackup(file, password)
	case format == "" || format == "auto" || format == "otpauth" || format == "google":
		if r := a.readList(file); r != nil {
			return r, nil
		}
	}
	if a.transfer == nil {
		return nil, errModuleUnavailable
	}
	b, err := a.transfer.Read(file, password, format)
	if err != nil {
		return nil, err
	}
	defer clear(b)
	text := string(b) // the module's answer: otpauth URIs and "#" lines (wasm/transferwire)
	meta, err := transferwire.ParseMeta(text)
	if err != nil {
		return nil, err
	}
	entries, problems, _, err := accounts.ParseList(text, nil)
	if errors.Is(err, accounts.ErrNoKeys) {
		err = nil // every entry of the file is skipped
	}
	if err != nil || len(problems) > 0 {
		return nil, transferwire.ErrMessage
	}
	out := &fileContents{format: meta.Format, formatName: meta.FormatName, warnings: meta.Warnings, entries: entries}
	for _, s := range meta.Skipped {
		out.skipped = append(out.skipped, PreviewItem{Label: labelOf(s.Issuer, s.Account), Status: statusSkipped,
			Code: s.Code, Message: s.Message, Index: s.Index})
	}
	return out, nil
}

// labelOf names an entry as the list does: "Issuer (account)".
func labelOf(issuer, account string) string {
	if issuer == "" || issuer == account {
		return account
	}
	return issuer + " (" + account + ")"
}

// readBackup opens a Twofold backup.
func readBackup(file, password []byte) (*fileContents, error) {
	if !bytes.HasPrefix(file, []byte("TWFD")) {
		return nil, errNotTwofold
	}
	if password == nil {
		return nil, errPasswordRequired
	}
	plain, err := vault.OpenBackup(file, password)
	switch {
	case errors.Is(err, vault.ErrWrongPassphrase), errors.Is(err, vault.ErrEmptyPassphrase):
		return nil, errBackupPassword
	case errors.Is(err, vault.ErrNotBackup):
		return nil, errVaultFile
	case errors.Is(err, vault.ErrUnsupportedVersion):
		return nil, err
	case err != nil:
		return nil, errBackupDamaged
	}
	defer clear(plain)
	st, err := accounts.Unmarshal(plain)
	if err != nil {
		return nil, errBackupDamaged
	}
	return &fileContents{format: "twofold", formatName: "Twofold backup", entries: st.Entries()}, nil
}

// readList reads a text of otpauth links when every line reads here; nil
// otherwise (the transfer module then reads it, and says what is wrong).
func (a *App) readList(file []byte) *fileContents {
	text := strings.TrimPrefix(string(file), "\ufeff")
	if !utf8.ValidString(text) || len(text) > accounts.MaxImportBytes {
		return nil
	}
	var batches accounts.Batches
	entries, problems, progress, err := accounts.ParseList(text, &batches)
	if err != nil || len(problems) > 0 {
		return nil
	}
	out := &fileContents{format: "otpauth", formatName: "otpauth URI list", entries: entries}
	if len(progress) > 0 {
		out.format, out.formatName = "google", "Google Authenticator"
	}
	for _, p := range progress {
		if !p.Complete() {
			out.warnings = append(out.warnings, "a Google Authenticator export: "+p.Message())
		}
	}
	return out
}

// Commit adds the chosen entries of the open preview in one save: choices
// has one entry per preview item ("add", "keep", "replace"; anything else
// skips it). The preview closes once saved; a save refused because another
// tab saved first (vault_changed) leaves it open, to be chosen again on
// the current list.
func (a *App) Commit(previewID string, choices []string) (ImportResult, error) {
	a.opMu.Lock()
	p := a.pending
	a.opMu.Unlock()
	if p == nil || p.id != previewID {
		return ImportResult{}, errNoPreview
	}
	if len(choices) != p.items {
		return ImportResult{}, errArgument("transfer.commit: choices must have one entry per preview item")
	}
	cs := make([]accounts.Choice, len(p.plan))
	for i := range cs {
		cs[i] = accounts.Choice(choices[i])
	}
	var res accounts.Applied
	err := a.mutate(func(s *accounts.State) (*accounts.State, error) {
		n, r, err := s.Apply(p.plan, cs)
		res = r
		return n, err
	})
	if err != nil {
		return ImportResult{}, err
	}
	a.opMu.Lock()
	if a.pending == p {
		for i, used := range res.Used {
			if !used {
				wipeAccount(p.plan[i].Account)
			}
		}
		a.pending = nil
	}
	a.opMu.Unlock()
	for _, old := range res.Replaced {
		a.stopPushFor(old.ID)
		wipeAccount(old)
	}
	return importResultOf(accounts.ImportResult{Added: res.Added, Problems: res.Problems}, nil), nil
}

// CancelPreview closes the open preview and wipes its accounts.
func (a *App) CancelPreview() {
	a.opMu.Lock()
	a.dropPending()
	a.opMu.Unlock()
}

// Export is a plaintext export: a file (otpauth, aegis) or QR codes
// (google: the transfer batches, one after the other; qr: one account's).
// Every form holds the secrets.
type Export struct {
	Format  string
	File    []byte
	Codes   []transferwire.QRCode
	Skipped []Problem // accounts the format has no place for
	Count   int       // accounts exported
}

// Proof confirms a plaintext export: the vault's passphrase, or a
// passkey's credential id (base64url) with its PRF output on the vault's
// salt. Every export takes one, and check is the one place it is judged.
type Proof struct {
	passphrase   string
	credentialID string
	prf          []byte
	passkey      bool
}

// PassphraseProof is the vault's passphrase, typed again.
func PassphraseProof(passphrase string) Proof { return Proof{passphrase: passphrase} }

// PasskeyProof is a passkey's id and PRF output (wiped once checked).
func PasskeyProof(credentialID string, prf []byte) Proof {
	return Proof{credentialID: credentialID, prf: prf, passkey: true}
}

// check reports whether p opens the unlocked vault v: the passphrase's
// wrap (vault.CheckPassphrase, "wrong_passphrase") or the passkey's slot
// (vault.CheckPasskey, "passkey_unknown" or "passkey_refused"). It wipes
// the PRF output.
func (p Proof) check(v *vault.Vault) error {
	defer clear(p.prf)
	if !p.passkey {
		return v.CheckPassphrase([]byte(p.passphrase))
	}
	cred, err := credentialID(p.credentialID)
	if err != nil {
		return err
	}
	return v.CheckPasskey(cred, p.prf)
}

// ExportPlain checks proof (the passphrase again, or a passkey), then
// writes every account (for "qr", the one account id) in format:
// "otpauth" (a list of links), "aegis" (Aegis's plain JSON vault),
// "google" (Google Authenticator transfer QR codes) or "qr" (one account's
// QR code, for a second device).
func (a *App) ExportPlain(proof Proof, format, id string) (Export, error) {
	defer clear(proof.prf)
	if format != "otpauth" && format != "aegis" && format != "google" && format != "qr" {
		return Export{}, errExportFormat
	}
	v, _, err := a.session()
	if err != nil {
		return Export{}, err
	}
	if err := proof.check(v); err != nil {
		return Export{}, err
	}
	var text string
	n := 1
	err = a.read(func(s *accounts.State) error {
		if format != "qr" {
			text, n = s.ExportURIs(), s.Len()
			return nil
		}
		acct, ok := s.Find(id)
		if !ok {
			return accounts.ErrNotFound
		}
		text = acct.URI() + "\n"
		return nil
	})
	if err != nil {
		return Export{}, err
	}
	if format == "otpauth" {
		return Export{Format: format, File: []byte(text), Count: n}, nil
	}
	return a.exportThroughModule(format, []byte(text), n)
}

// exportThroughModule has the module write the accounts of list (their
// otpauth URIs), and wipes the list.
func (a *App) exportThroughModule(format string, list []byte, n int) (Export, error) {
	defer clear(list)
	if a.transfer == nil {
		return Export{}, errModuleUnavailable
	}
	b, err := a.transfer.Write(format, list)
	if err != nil {
		return Export{}, err
	}
	defer clear(b)
	w, err := transferwire.DecodeWritten(b)
	if err != nil {
		return Export{}, err
	}
	out := Export{Format: format, File: w.File, Codes: w.Codes, Skipped: []Problem{}, Count: n - len(w.Skipped)}
	for _, s := range w.Skipped {
		out.Skipped = append(out.Skipped, Problem{Label: labelOf(s.Issuer, s.Account), Code: s.Code, Message: s.Message})
	}
	return out, nil
}
