// Twofold authenticator: the API that twofold.wasm (wasm/app/bridge_js.go)
// installs as globalThis.twofold. Hand-written; keep it in step with the
// bridge (the Go side is the source of truth, wasm/app/api.go).
//
// Loading:
//   const go = new Go();                                  // wasm_exec.js
//   const { instance } = await WebAssembly.instantiateStreaming(fetch("twofold.wasm"), go.importObject);
//   go.run(instance);                                     // do not await: it runs until shutdown()
//   // globalThis.twofold is set synchronously by go.run; a "twofold-ready"
//   // event is also dispatched on globalThis.
//
// Conventions:
// - Every function returns a Promise, except accounts.validateKey (called on
//   each keystroke; it cannot fail). Work runs in a Go goroutine, never
//   blocking the page; Argon2 (create, unlock, changePassphrase, backups)
//   takes about half a second.
// - A rejected Promise always carries a TwofoldError: `message` is a sentence
//   to show to the person as is; branch on `code`.
// - Wrong argument count or types reject with code "bad_argument".
// - Seeds never cross into JavaScript, except from transfer.exportPlain() and
//   exportPlainWithPasskey() (the explicit plaintext exports, after the
//   passphrase or a passkey again) and inside the encrypted exportBackup()
//   file.
//   Codes are computed in Go.
// - Times are Unix milliseconds (Date.now()), durations milliseconds.

export {};

declare global {
  // eslint-disable-next-line no-var
  var twofold: Twofold | undefined;
  interface GlobalEventHandlersEventMap {
    "twofold-ready": Event;
    "twofold-push": CustomEvent<PushEvent>;
    /**
     * A save of this tab landed (under the Web Lock "twofold-vault"): tell
     * the other tabs of the profile (the page posts {type: "changed"} on the
     * BroadcastChannel "twofold-vault"), which then call vault.reload().
     */
    "twofold-saved": CustomEvent<null>;
  }
}

export interface Twofold {
  /** API version of the bridge ("1"). */
  readonly version: string;
  readonly vault: VaultAPI;
  readonly accounts: AccountsAPI;
  readonly qr: QRAPI;
  readonly transfer: TransferAPI;
  readonly storage: StorageAPI;
  readonly push: PushAPI;
  readonly passkey: PasskeyAPI;
  readonly sync: SyncAPI;
  /**
   * Locks the vault (wiping keys), removes globalThis.twofold, releases every
   * Go callback and lets the Go program exit. Call on `pagehide` if you like;
   * after it the page must load twofold.wasm again.
   */
  shutdown(): Promise<void>;
}

// ---------------------------------------------------------------- vault

export interface VaultStatus {
  /** A vault is stored in this browser profile (IndexedDB "twofold"). */
  exists: boolean;
  unlocked: boolean;
  /** Number of accounts; 0 while locked. */
  accounts: number;
  /** Correction added to the device clock for codes; 0 while locked. */
  clockOffsetMs: number;
}

export interface VaultAPI {
  status(): Promise<VaultStatus>;
  exists(): Promise<boolean>;
  /**
   * Creates an empty vault and leaves it unlocked. Passphrase: at least 8
   * characters ("weak_passphrase"). "vault_exists" if there is one already.
   */
  create(passphrase: string): Promise<void>;
  /**
   * "wrong_passphrase", "no_vault", "tampered" (damaged storage),
   * "unsupported_version" (written by a newer Twofold). Unlocking while
   * unlocked checks the passphrase and replaces the session.
   */
  unlock(passphrase: string): Promise<void>;
  /**
   * Hides the accounts at once (other calls reject with "locked" from now on),
   * waits for a save in progress, then zeroes the master key and decrypted
   * seeds in Go memory. Use it for the lock button and the idle auto-lock.
   */
  lock(): Promise<void>;
  /** Re-wraps the vault key. "wrong_passphrase" for a wrong old one. */
  changePassphrase(oldPassphrase: string, newPassphrase: string): Promise<void>;
  /**
   * Catches up with a save made by another tab (docs/vault-format.md,
   * "Versions and tabs"): resolves true if the accounts changed (redraw the
   * list), false if this tab was current. "passphrase_changed" if the other
   * tab changed the passphrase: this tab is then locked. "locked".
   *
   * Every call that saves (create, changePassphrase, accounts.add, addManual,
   * rename, edit, setPinned, setSettings, setCounter, resync, delete,
   * reorder, nextHOTP, setClockOffset, qr.decode, importGA, commit,
   * push.enable and disable) rejects with "vault_changed"
   * if another tab saved since this one last read: nothing was written, and
   * this tab already shows the current vault; show the message, redraw, and
   * let the person decide again.
   */
  reload(): Promise<boolean>;
}

// ---------------------------------------------------------------- passkey

/**
 * Passkey unlock (docs/vault-format.md, "Passkey unlock"). The page runs the
 * WebAuthn ceremonies with the PRF extension and passes the credential's
 * PRF output (32 bytes, evaluated on `salt`) to Go, then zeroes its copy; Go
 * wipes its own after use. Credential ids and the salt are base64url
 * without padding.
 */
export interface PasskeyInfo {
  /** The vault's PRF salt; "" before its first passkey. */
  salt: string;
  passkeys: { id: string; addedMs: number }[];
}

export interface PasskeyAPI {
  /** The stored vault's passkeys; works while locked. "no_vault". */
  list(): Promise<PasskeyInfo>;
  /**
   * The salt to evaluate a new credential's PRF on (unlocked), after
   * checking the passphrase ("wrong_passphrase"), so that no passkey is made
   * that add would refuse.
   */
  salt(passphrase: string): Promise<string>;
  /**
   * Lets the credential open the vault; asks the passphrase again
   * ("wrong_passphrase"). "passkey_exists", "passkey_limit", "vault_changed".
   */
  add(passphrase: string, credentialId: string, prf: Uint8Array): Promise<void>;
  /** Stops the credential from opening the vault. "passkey_unknown". */
  remove(credentialId: string): Promise<void>;
  /**
   * Opens the vault as unlock does. "passkey_unknown" (removed or not this
   * vault's), "passkey_refused" (the output does not open it): fall back to
   * the passphrase.
   */
  unlock(credentialId: string, prf: Uint8Array): Promise<void>;
}

// ---------------------------------------------------------------- accounts

/** "steam": Steam Guard (5 characters of Steam's alphabet, SHA1, 30 s). */
export type OTPType = "totp" | "hotp" | "steam";
export type Algorithm = "SHA1" | "SHA256" | "SHA512";

/** An account as the page sees it: never the secret. */
export interface Account {
  /** Random, stable across renames and reorders. */
  id: string;
  issuer: string;
  account: string;
  /** "Issuer (account)", or the account alone when there is no issuer. */
  label: string;
  type: OTPType;
  algorithm: Algorithm;
  digits: number;
  /** Seconds; TOTP only (0 for HOTP). */
  period: number;
  /** HOTP: the counter the next nextHOTP() will use. */
  counter: number;
  addedMs: number;
  /** Pinned accounts come first in every order. */
  pinned: boolean;
  /** Group names (1–32 characters, no commas; at most 10). */
  tags: string[];
  /** The avatar's letter; "" for the first letter of the issuer (or name). */
  icon: string;
  /** When a code was last copied (the "recent use" order); 0 if never. */
  lastUsedMs: number;
  /** Registered for push sign-in prompts (a key in the vault). */
  push: boolean;
  /** The enrollment URI named a Twofold server for prompts (twofold_push). */
  pushOffered: boolean;
  /** That server's origin ("" if none). */
  pushServer: string;
}

/** Manual entry. Omitted advanced fields mean TOTP, SHA1, 6 digits, 30 s, counter 0. */
export interface ManualEntry {
  issuer?: string;
  /** Required ("invalid_account" if empty). */
  account: string;
  /** Base32 as typed: any case; spaces, dashes and missing padding are fine. */
  secret: string;
  type?: OTPType;
  algorithm?: Algorithm | Lowercase<Algorithm>;
  /** 6, 7 or 8. */
  digits?: number;
  /** 1..3600 seconds (TOTP). */
  period?: number;
  /** Initial counter (HOTP). */
  counter?: number;
}

/** Live validation of a key being typed. */
export interface KeyCheck {
  ok: boolean;
  /** e.g. "the key cannot have '1' (character 7): a key has only the letters A to Z and the digits 2 to 7; did you mean I or L?"; "" when ok. */
  message: string;
  /** 1-based character position of the bad character in the typed text; 0 if none. */
  position: number;
  /** The bad character; "" if none. */
  char: string;
  /** Key length in bits when ok. */
  bits: number;
  /** Allowed but worth showing, e.g. a key shorter than 128 bits. */
  warnings: string[];
  /**
   * When ok, the sentence to show under the field: "Looks right: a 160-bit
   * key.", the warning for an 80-to-127-bit key, or what a pasted link does.
   * Keys under 80 bits are not ok.
   */
  summary: string;
  /**
   * The field holds an otpauth:// (or otpauth-migration://) link, not a key:
   * add it with accounts.add (or transfer.importGA), which take the link's
   * own names and settings.
   */
  link: boolean;
  /** For an otpauth link: "Issuer (account)". */
  label: string;
}

/** One account's codes at the instant asked for. */
export interface Codes {
  id: string;
  type: OTPType;
  /** TOTP and Steam: the current code (digits, or Steam's 5 characters; group digits for display). HOTP: "". */
  current: string;
  /** TOTP: the code of the next period, to show near the end of this one. */
  next: string;
  /** TOTP: how long `current` stays valid. */
  remainingMs: number;
  period: number;
  /** HOTP: the counter nextHOTP() will use. */
  counter: number;
}

export interface HOTPCode {
  id: string;
  code: string;
  /** The counter this code was made for (already saved as used). */
  counter: number;
}

export interface AccountsAPI {
  /** Every account in display order. "locked" while locked. */
  list(): Promise<Account[]>;
  /** Accounts whose issuer or name contains every word of query, any case. */
  search(query: string): Promise<Account[]>;
  /**
   * Adds the account of an otpauth:// URI. Errors: "bad_uri", "bad_key",
   * "invalid_account", "duplicate" (this key is in the list already:
   * details.existingId; skip it), "name_conflict" (an account with this
   * issuer and name and another key is in the list: details.conflictId,
   * label, existingId, existingLabel; ask "Replace the old key" or "Keep
   * both", then call resolve()).
   */
  add(uri: string): Promise<Account>;
  /** Adds a manually entered account. Same errors as add(). */
  addManual(entry: ManualEntry): Promise<Account>;
  /** Synchronous; needs no vault. */
  validateKey(typed: string): KeyCheck;
  /** "name_conflict" if another account has this issuer and name, "not_found". */
  rename(id: string, issuer: string, account: string): Promise<Account>;
  /**
   * Changes the names, icon letter and groups (omitted fields: issuer and
   * icon ""; tags none). rename()'s errors, and "invalid_account" for an
   * icon of more than one letter or a bad group name.
   */
  edit(id: string, fields: { issuer?: string; account: string; icon?: string; tags?: string[] }): Promise<Account>;
  /** Pins an account to the top of the list (in every order), or unpins it. */
  setPinned(id: string, pinned: boolean): Promise<Account>;
  /** The list's settings, kept in the vault. */
  settings(): Promise<ListSettings>;
  /** Saves them; list() returns the accounts in the new order. "bad_argument". */
  setSettings(settings: ListSettings): Promise<void>;
  /** HOTP: sets the counter of the next code. "not_hotp", "invalid_account" (not 0 to 2^53−1). */
  setCounter(id: string, counter: number): Promise<Account>;
  /**
   * HOTP: finds the counter from two consecutive codes another device shows
   * (looking at most 1,000 codes ahead) and saves the one after them.
   * "not_hotp", "bad_code", "resync_failed" (nothing changed).
   */
  resync(id: string, code1: string, code2: string): Promise<Account>;
  /** Records that a code was copied now (the "recent" order). */
  markUsed(id: string): Promise<void>;
  /**
   * Applies the person's choice for an account held back by a name conflict
   * (add, addManual, qr.decode: the error's details.conflictId; imports:
   * ImportResult.conflicts[].id): "replace" puts the new key in the old
   * account's place (same id and position; the old key is wiped, its push
   * connection stops), "keep" adds it as "name #2" (the first free number),
   * "skip" drops it. Resolves with the account as stored, or null for skip.
   * "not_found" if nothing is held under that id (locked since, or over a
   * thousand conflicts waiting), "bad_argument", "vault_changed" (still
   * held: ask again on the current list).
   */
  resolve(conflictId: string, choice: "replace" | "keep" | "skip"): Promise<Account | null>;
  /** Moves the account to the trash (restorable for 30 days; with sync on,
   *  on every browser). "not_found". */
  delete(id: string): Promise<void>;
  /** Accounts deleted in the last 30 days, the latest first. */
  trash(): Promise<{ id: string; label: string; deletedMs: number }[]>;
  /** Takes an account out of the trash, at the end of the list. "not_found",
   *  or "duplicate"/"name_conflict" when the key or name is in the list again. */
  restore(id: string): Promise<Account>;
  /** Deletes a trashed account for good (with sync on, from every browser's
   *  trash). "not_found". */
  purge(id: string): Promise<void>;
  /** ids must list every account exactly once ("bad_order"). */
  reorder(ids: string[]): Promise<void>;
  /**
   * HOTP "next code": returns the code for the current counter and saves the
   * counter + 1 before resolving, so a code is never shown twice. "not_hotp".
   */
  nextHOTP(id: string): Promise<HOTPCode>;
  /**
   * Current and next codes of every account at nowMs (pass Date.now()),
   * corrected by the clock offset. Call it once a second, or when
   * remainingMs runs out.
   */
  codes(nowMs: number): Promise<Codes[]>;
  /**
   * Milliseconds added to the device clock for codes (server time − device
   * time); 0 turns the correction off. Within ±1 day ("clock_offset"). Saved.
   */
  setClockOffset(offsetMs: number): Promise<void>;
}

// ---------------------------------------------------------------- QR and transfer

export interface Problem {
  /** 1-based line of a text import; 0 for QR codes, exports and backups. */
  line: number;
  /** "Issuer (account)" when known. */
  label: string;
  code: ErrorCode;
  /** e.g. "line 4: this key has a character that is not base32: '1' at position 5" */
  message: string;
  /** For code "duplicate": the account already in the vault with this key. */
  existingId?: string;
}

/** An entry held back: its issuer and name are another account's, its key is not. */
export interface Conflict {
  /** Pass it to accounts.resolve(). */
  id: string;
  /** 1-based line of a text import; 0 otherwise. */
  line: number;
  /** The entry, "Issuer (account)". */
  label: string;
  existingId: string;
  existingLabel: string;
}

/** Progress of a Google Authenticator export split over several QR codes. */
export interface BatchProgress {
  batchId: number;
  /** Number of parts (QR codes) in the export. */
  size: number;
  /** 0-based index of the part just read. */
  index: number;
  /** 0-based indexes read so far this session (forgotten on lock). */
  received: number[];
  /** 0-based indexes still to scan. */
  missing: number[];
  complete: boolean;
  /** For people, parts numbered from 1: "part 2 of 3 read; still missing: 1, 3". */
  message: string;
}

/** What an import did; good entries are saved even when others fail. */
export interface ImportResult {
  added: Account[];
  /** Entries skipped: bad lines, invalid keys, keys in the list already. */
  problems: Problem[];
  /** Entries held back for the person to choose (accounts.resolve). */
  conflicts: Conflict[];
  /** Export parts seen by this import (empty for plain URIs and backups). */
  batches: BatchProgress[];
}

export type QRResult =
  | { kind: "otpauth"; account: Account }
  | { kind: "otpauth-migration"; import: ImportResult }
  /** A sync pairing code: nothing is added; pass `pairing` to sync.join. */
  | { kind: "twofold-pair"; pairing: string };

export interface QRAPI {
  /**
   * Reads the QR code in an RGBA frame (ImageData.data, ImageData.width,
   * ImageData.height) and imports it: an otpauth:// key is added, a Google
   * Authenticator export part is imported (see import.batches for the parts
   * still missing). Needs an unlocked vault.
   *
   * Rejects with "no_qr" ("no QR code found in this image") — for camera
   * frames simply try the next frame —, "not_authenticator" ("this QR code is
   * not an authenticator key"; the text is not returned), "duplicate",
   * "name_conflict",
   * "bad_frame" (data length ≠ width × height × 4), "module_unavailable"
   * (the decoder is in the transfer module, fetched on the first scan), or
   * add()'s errors.
   *
   * Camera frames: draw them scaled to about 800 px on the long side before
   * getImageData (cheaper than any scaling in Go). Image files, pastes and
   * screen captures: pass full size; frames over 2000 px are tried
   * downscaled, then at full size.
   */
  decode(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): Promise<QRResult>;
}

/** The list's settings. */
export interface ListSettings {
  /** Pinned accounts first, then: the person's order (reorder()), by account name, by issuer, or most recently used first. */
  sort: "manual" | "name" | "issuer" | "recent";
  /** Codes are hidden until the person selects one (the page does the hiding). */
  hideCodes: boolean;
}

/** One entry of a file, as an import would treat it. */
export interface PreviewItem {
  /** "Issuer (account)"; "" when the file names nothing. */
  label: string;
  /** "" for a skipped entry. */
  type: OTPType | "";
  /**
   * new: added; duplicate: its key is in the list already (or earlier in
   * the file: inFile), not added again; conflict: named like an account of
   * the list, with another key (a choice); skipped: cannot be imported.
   */
  status: "new" | "duplicate" | "conflict" | "skipped";
  /** duplicate: "duplicate"; conflict: "name_conflict"; skipped: why (an ErrorCode). */
  code: string;
  /** Why, for a person. */
  message: string;
  /** skipped: the entry's place in the file, from 1. */
  index: number;
  existingId: string;
  existingLabel: string;
  inFile: boolean;
}

/** What a file would add; nothing is saved until commit(). */
export interface Preview {
  /** Pass it to commit(). Only the latest preview is open. */
  id: string;
  /** The format read: "twofold", "otpauth", "google", "aegis", "2fas", ... */
  format: string;
  /** e.g. "Aegis", "Twofold backup". */
  formatName: string;
  /** The accounts first (new, duplicate, conflict), then the skipped entries. */
  items: PreviewItem[];
  /** e.g. a Google Authenticator export with parts missing. */
  warnings: string[];
}

/** A plaintext export: SECRETS IN PLAINTEXT. */
export interface PlainExport {
  format: "otpauth" | "aegis" | "google" | "qr";
  /** otpauth (text) and aegis (JSON): the file; null for QR codes. Zero it once saved. */
  file: Uint8Array | null;
  /** google (one per batch of up to ten accounts) and qr (one): row-major modules, 1 dark. */
  codes: { size: number; modules: Uint8Array }[];
  /** Accounts the format has no place for (Steam and periods other than 30 s in google). */
  skipped: Problem[];
  /** Accounts exported. */
  count: number;
}

export interface TransferAPI {
  /** Imports one otpauth-migration:// URI (one part of an export). "bad_export". */
  importGA(uri: string): Promise<ImportResult>;
  /**
   * An encrypted backup file (docs/vault-format.md, kind "B") of every account
   * under its own passphrase (at least 8 characters). Save it as
   * "twofold-backup-YYYY-MM-DD.twofold", type application/octet-stream.
   */
  exportBackup(passphrase: string): Promise<Uint8Array>;
  /**
   * Reads a file (its bytes are zeroed) and says what importing it would do,
   * saving nothing. format: "auto" (detected) or one of twofold, otpauth,
   * google, aegis, 2fas, andotp, bitwarden, freeotp-plus, ente, proton,
   * stratum, steam. Twofold backups and otpauth lists are read here; other
   * apps' files load the transfer module (twofold-transfer.wasm) on first
   * use ("module_unavailable" if it cannot be fetched). password: "" for
   * none. Errors: "password_required" (ask for it, then call again),
   * "wrong_password", "damaged_file", "unknown_format", "wrong_format",
   * "unsupported_file", "too_large" (over 32 MiB).
   */
  preview(file: Uint8Array, format: string, password: string): Promise<Preview>;
  /**
   * Adds the open preview's entries in one save: one choice per item, in
   * its order: "add" (new), "keep" or "replace" (conflict, as resolve()),
   * anything else ("skip") leaves it out. "not_found" if that preview is
   * no longer open, "vault_changed" (the preview stays open: choose again).
   */
  commit(previewId: string, choices: string[]): Promise<ImportResult>;
  /** Closes the open preview and wipes what it held. */
  cancelPreview(): Promise<void>;
  /**
   * Checks the vault's passphrase again ("wrong_passphrase"), then writes
   * every account (for "qr", the one accountId) as an otpauth list, an
   * Aegis plain JSON vault, Google Authenticator transfer QR codes, or one
   * account's QR code. THE SEEDS IN PLAINTEXT: only behind an explicit
   * export that says what the file holds.
   */
  exportPlain(passphrase: string, format: "otpauth" | "aegis" | "google" | "qr", accountId?: string): Promise<PlainExport>;
  /**
   * exportPlain confirmed by a passkey instead of the passphrase: the
   * credential's id (base64url) and its PRF output on the vault's salt
   * (passkey.list().salt), which the caller zeroes once the call settled.
   * The check is the same one (the export's proof, wasm/app/transfer.go
   * Proof); a passkey removed in another tab counts at once.
   * "passkey_unknown" (not this vault's, or removed), "passkey_refused" (the
   * output does not open its slot), "bad_argument" (an id that is not
   * base64url); nothing is exported, and the passphrase still works.
   */
  exportPlainWithPasskey(credentialId: string, prf: Uint8Array, format: "otpauth" | "aegis" | "google" | "qr", accountId?: string): Promise<PlainExport>;
}

export interface PersistStatus {
  /** navigator.storage.persist is available. */
  supported: boolean;
  /** The browser promised not to evict the vault under storage pressure. */
  persisted: boolean;
}

export interface StorageAPI {
  /** Asks navigator.storage.persist(); show the answer to the person. */
  persist(): Promise<PersistStatus>;
  /** navigator.storage.persisted(), without asking. */
  persisted(): Promise<PersistStatus>;
}

// ---------------------------------------------------------------- push

// Push sign-in prompts (docs/push.md). The device key is an Ed25519 key
// made by the browser's WebCrypto (crypto.subtle; Chrome 137, Firefox 129,
// Safari 17 or later, secure contexts only), kept only in the encrypted vault
// and never returned to the page; Go signs hellos and answers with it through
// WebCrypto, as a non-extractable key imported for the session. Without
// Ed25519 in WebCrypto, enable() and start() reject with "push_unavailable".
// Connections use the browser's WebSocket (binary frames) and stop on lock. Events arrive as "twofold-push" CustomEvents on
// globalThis with a PushEvent as detail.

export interface PushStatus {
  accountId: string;
  /** The account's enrollment URI named a Twofold server (twofold_push). */
  offered: boolean;
  /** A key is registered and kept in the vault. */
  enabled: boolean;
  /** The server's origin. */
  server: string;
  state: "off" | "connecting" | "connected" | "waiting" | "stopped";
  /** stopped: "stopped" | "replaced" (4000) | "revoked" (4001) | "rejected" (4003); waiting: the last error. */
  reason: string;
  /** waiting: when the next attempt starts (Unix ms). */
  retryAtMs: number;
  /**
   * A prompt of this account was reported ("Deny, this wasn't me", here or
   * on another device of the account): the server sends no prompts until
   * its owner signs in with a code. Lifted by the next prompt, or by
   * turning prompts off. A change arrives as a "status" event.
   */
  paused: boolean;
  /** When the report was seen (Unix ms); 0 if not paused. */
  pausedAtMs: number;
}

export interface PushPrompt {
  /** The challenge id; pass it to answer(). */
  id: string;
  accountId: string;
  /** Three candidates, 10–99; the sign-in page shows one of them. */
  numbers: number[];
  /** What is being signed into, and as whom. */
  service: string;
  account: string;
  clientAddress: string;
  browser: string;
  createdMs: number;
  /** Server clock. */
  expiresMs: number;
}

export interface PushEvent {
  type: "status" | "prompt" | "settled";
  accountId: string;
  status?: PushStatus;
  prompt?: PushPrompt;
  /** settled: the prompt and how it ended. */
  promptId?: string;
  outcome?: "approved" | "denied" | "reported" | "failed" | "expired" | "rejected" | "cancelled";
}

/** How the server settled the prompt an answer was for. */
export interface PushVerdict {
  /** "rejected": the answer changed nothing (answered elsewhere first, or too late). */
  outcome: "approved" | "denied" | "reported" | "failed" | "expired" | "rejected" | "cancelled";
}

export interface PushAPI {
  /**
   * Registers a new key for the account with the server its URI named,
   * proving it with the account's current code (or the next one if the
   * current was just used), saves it in the vault and connects.
   * "push_not_offered", "push_refused" (details.status, details.serverCode;
   * message is the server's), "push_unavailable", "not_found", "locked".
   */
  enable(accountId: string): Promise<PushStatus>;
  /** Forgets the key and closes the connection. */
  disable(accountId: string): Promise<void>;
  /** Every account's push state, in display order. */
  status(): Promise<PushStatus[]>;
  /**
   * Connects every registered account not connected (call after unlock).
   * "push_unavailable" (no fetch, WebSocket or WebCrypto Ed25519), "locked".
   */
  start(): Promise<void>;
  /** Closes every connection (lock does it too). */
  stop(): Promise<void>;
  /** Prompts waiting for an answer, oldest first (expired ones dropped). */
  prompts(): Promise<PushPrompt[]>;
  /**
   * Signs and sends a decision, then waits for the server's verdict on it
   * and resolves with it. number: the one picked for "approve" (one of
   * prompt.numbers, else "wrong_number"); 0 for "deny" and "report" ("deny,
   * this wasn't me": pauses push for the account). An approval with a number
   * that is not the sign-in page's resolves with outcome "failed": the
   * sign-in was refused. "prompt_gone", "prompt_expired", "offline" (not
   * sent), "no_verdict" (sent, but the connection ended before the verdict;
   * the sign-in page knows how it ended).
   */
  answer(promptId: string, decision: "approve" | "deny" | "report", number: number): Promise<PushVerdict>;
}

// ---------------------------------------------------------------- errors

export type ErrorCode =
  | "bad_argument"        // wrong argument count or type (a page bug)
  | "no_vault"            // unlock before create
  | "vault_exists"        // create when a vault exists
  | "locked"              // the call needs an unlocked vault
  | "wrong_passphrase"
  | "weak_passphrase"     // a new passphrase under 8 characters
  | "tampered"            // stored vault damaged or modified
  | "unsupported_version" // vault or backup from a newer Twofold
  | "not_backup"          // a backup that is not one
  | "bad_key"             // key not base32 (details.position, details.char), empty or too long
  | "bad_uri"             // not a valid otpauth:// URI
  | "invalid_account"     // missing name, bad digits/period/algorithm, ":" in issuer…
  | "duplicate"           // this key is in the list already (details.existingId)
  | "name_conflict"       // same issuer and name, another key (details.conflictId, label, existingId, existingLabel)
  | "not_found"           // no account with this id
  | "not_hotp"            // nextHOTP on a TOTP account
  | "bad_order"           // reorder ids not a permutation
  | "clock_offset"        // offset beyond ±1 day
  | "no_qr"
  | "not_authenticator"
  | "bad_frame"
  | "bad_export"          // otpauth-migration URI that does not decode
  | "too_large"
  | "no_keys"
  | "storage"             // IndexedDB refused (quota, private mode); nothing changed
  | "vault_changed"       // another tab saved first: nothing written, this tab reloaded
  | "passphrase_changed"  // another tab changed the passphrase: this tab locked
  | "passkey_unknown"     // not a passkey of this vault (removed, or another vault's): use the passphrase
  | "passkey_refused"     // the passkey's PRF output did not open the vault: use the passphrase
  | "passkey_exists"      // this passkey was added already
  | "passkey_limit"       // the vault has 8 passkeys already
  | "push_not_offered"    // the account's URI had no twofold_push
  | "push_refused"        // the server refused the registration (details.status, details.serverCode)
  | "push_unavailable"    // no fetch/WebSocket, or the server cannot be reached
  | "prompt_gone"         // answered, settled or unknown
  | "prompt_expired"
  | "wrong_number"        // not one of the three numbers
  | "offline"             // not connected: the answer was not sent
  | "no_verdict"          // the answer was sent; the connection ended before the server's verdict
  | "unknown_format"      // import: not a format Twofold can import
  | "wrong_format"        // import: not in the format chosen
  | "password_required"   // import: the file is encrypted; ask for its password
  | "wrong_password"      // import: the file's password is wrong
  | "damaged_file"        // import: cut short, damaged or modified
  | "unsupported_file"    // import: a kind of file that cannot be imported
  | "unsupported_account" // import: an account of a kind or algorithm Twofold does not do
  | "not_exportable"      // export: an account with no place in the chosen format
  | "module_unavailable"  // the transfer module (twofold-transfer.wasm) could not be loaded: offline?
  | "bad_code"            // HOTP resync: a code is not the account's number of digits
  | "resync_failed"       // HOTP resync: the two codes do not follow each other within the look-ahead
  | "sync_off"            // sync: not turned on in this vault
  | "sync_on"             // sync: already on
  | "sync_server"         // sync: unavailable here, or the server's answer was unexpected (the server's own codes, e.g. sync_device_removed, come as sent)
  | "sync_decrypt"        // sync: a ciphertext from the server did not open
  | "sync_contents"       // sync: a change opened but could not be read
  | "sync_recovery_key"   // sync: not a recovery key (a typo: the check characters differ)
  | "sync_rollback"       // sync: the server sent an older state; nothing merged
  | "sync_replayed"       // sync: a change served again or out of order; nothing merged
  | "sync_gap"            // sync: changes missing and no snapshot covers them
  | "sync_too_large"      // sync: the vault is larger than the server takes (about 6,000 accounts)
  | "sync_unknown_device" // sync: the server lists a browser the vault does not know; no key wrapped to it
  | "sync_pairing_code"   // sync: not a Twofold pairing code
  | "sync_pairing_mac"    // sync: the join was not made from this pairing code: do not approve
  | "sync_no_pairing"     // sync: no pairing waiting
  | "sync_remove_list"    // sync: a removal must name each browser once (none, an empty id or one twice); nothing removed
  | "sync_rotate_owed"    // sync: a removed browser still holds the key; the next sync changes it before sending
  | "internal";           // a bug; the console has details

/**
 * Sync between browsers through the page's own server, end to end
 * encrypted (docs/vault-format.md, "Sync between browsers"). Every call
 * needs an unlocked vault; the server's refusals come with its own codes
 * (sync_device_removed, sync_unauthenticated, sync_pairing_expired, …).
 */
export interface SyncAPI {
  status(): Promise<SyncStatus>;
  /** Creates the identity (the person must be signed in at the server) and uploads the accounts. Show the result once. */
  enable(name: string): Promise<{ recoveryKey: string; identity: string; server: string }>;
  /** Sends pending edits and merges new ones; with waitSeconds > 0 first waits (long-poll, at most 25) for one. */
  now(waitSeconds: number): Promise<{ changed: boolean; conflicts: { id: string; label: string; atMs: number }[] }>;
  /** Forgets the conflict reports SyncStatus.conflicts lists. */
  dismissConflicts(): Promise<void>;
  /** The browsers, whether the key is due a change, and the current epoch (it rises by one at each change of the key). */
  devices(): Promise<{ rotationDue: boolean; epoch: number; devices: SyncDevice[] }>;
  /**
   * Removes one browser or several and changes the key once (removing this
   * one too turns sync off here, after the others). A list naming a browser
   * twice, or none, is refused (sync_remove_list) and nothing is removed; if
   * a removal fails halfway, the key is changed at the next sync.
   */
  remove(deviceIds: string | string[]): Promise<void>;
  /** Opens a pairing slot (5 minutes): the QR code's text and modules (size × size, 1 dark, no quiet zone). */
  pairingOpen(): Promise<{ uri: string; size: number; modules: Uint8Array; expiresAt: string }>;
  /** The open slot: joined with the 6-digit confirmation number and the joiner's name, or not yet. */
  pairingPoll(): Promise<{ joined: boolean; confirm: string; name: string }>;
  /** Adds the browser that joined (after the person compared the numbers). */
  pairingApprove(): Promise<void>;
  /** Answers a pairing code; resolves to the confirmation number to show. */
  join(code: string, name: string): Promise<string>;
  /** True once the other browser approved: sync is then on here and the vault filled. */
  joined(): Promise<boolean>;
  /** Recovery on a browser that has none of the others; a wrong key changes nothing. */
  recover(identity: string, recoveryKey: string, name: string): Promise<void>;
}

export interface SyncStatus {
  on: boolean;
  server: string;
  identity: string;
  device: string;
  name: string;
  lastSyncMs: number;
  /** Accounts edited here and not yet taken by the server. */
  pending: number;
  /** Accounts found edited on two browsers (the later edit kept), by any
   *  round of any tab; kept (at most 20) until dismissConflicts(). */
  conflicts: { id: string; label: string; atMs: number }[];
}

export interface SyncDevice {
  id: string;
  name: string;
  addedAt: string;
  /** RFC 3339: the browser's last request. */
  lastSeenAt: string;
  this: boolean;
  /** The vault holds its wrap key (false: the key is never wrapped to it). */
  known: boolean;
}

export interface TwofoldError extends Error {
  name: "TwofoldError";
  code: ErrorCode;
  details?: {
    position?: number;
    char?: string;
    existingId?: string;
    existingLabel?: string;
    conflictId?: string;
    label?: string;
    status?: number;
    serverCode?: string;
  };
}
