// Package transfertest writes the files of every format that package
// transfer imports, from the formats' published layouts
// (docs/import-formats.md), so that tests need no file from another project
// and prove round trips: entries in, a file out, Import, the same entries
// back. The writers panic on a bug; they are for tests only.
package transfertest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"net/url"
	"strings"

	"crypto/pbkdf2"
	"crypto/sha1"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/scrypt"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/twofold-auth/twofold/shared/migration"
	"github.com/twofold-auth/twofold/shared/otpauth"
)

// Entry is an account as the writers take it (package transfer's Entry,
// spelled with plain strings so that its own tests can use this package).
type Entry struct {
	Type      string // "totp", "hotp" or "steam"
	Issuer    string
	Account   string
	Secret    []byte
	Algorithm string // "SHA1", "SHA256", "SHA512"
	Digits    int
	Period    int
	Counter   uint64
}

const (
	totp  = "totp"
	hotp  = "hotp"
	steam = "steam"
)

// The RFC 6238 seeds, and a Steam secret.
var (
	Seed20      = []byte("12345678901234567890")
	Seed32      = []byte("12345678901234567890123456789012")
	Seed64      = []byte("1234567890123456789012345678901234567890123456789012345678901234")
	SteamSecret = []byte("steam-guard-secret!!")
)

// Sample is one account of every kind the formats hold: TOTP with each
// algorithm, 6/7/8 digits and several periods, HOTP at counters 0 and
// large, and Steam.
var Sample = []Entry{
	{Type: totp, Issuer: "Example", Account: "alice@example.com", Secret: Seed20, Algorithm: "SHA1", Digits: 6, Period: 30},
	{Type: totp, Issuer: "ACME Co", Account: "bob+1@example.com", Secret: Seed32, Algorithm: "SHA256", Digits: 7, Period: 60},
	{Type: totp, Issuer: "Ünïcode Bank", Account: "名前", Secret: Seed64, Algorithm: "SHA512", Digits: 8, Period: 15},
	{Type: totp, Issuer: "Big Period", Account: "erin", Secret: Seed64, Algorithm: "SHA512", Digits: 8, Period: 30},
	{Type: hotp, Issuer: "Counter Corp", Account: "carol", Secret: Seed20, Algorithm: "SHA1", Digits: 6, Counter: 0},
	{Type: hotp, Issuer: "Big Counter", Account: "dave", Secret: Seed32, Algorithm: "SHA256", Digits: 8, Counter: 123456789},
	{Type: steam, Issuer: "Steam", Account: "gaben", Secret: SteamSecret, Algorithm: "SHA1", Digits: 5, Period: 30},
}

// Rand is a deterministic source for salts, nonces and keys.
func Rand(seed byte) io.Reader {
	var s [32]byte
	s[0] = seed
	return rand.NewChaCha8(s)
}

func randBytes(r io.Reader, n int) []byte {
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		panic(err)
	}
	return b
}

func sealGCM(key, nonce, plain []byte) []byte {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return gcm.Seal(nil, nonce, plain, nil)
}

func sealCBC(key, iv, plain []byte) []byte {
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	plain = append(bytes.Clone(plain), bytes.Repeat([]byte{byte(pad)}, pad)...)
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, plain)
	return out
}

func mustJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// Obj is a JSON object.
type Obj = map[string]any

type obj = Obj

func B32(b []byte) string { return otpauth.EncodeSecret(b) }

// otpauthURI is e's URI as otpauth writes it (TOTP, HOTP), or for Steam as
// Aegis and Ente write it.
func otpauthURI(e *Entry) string {
	if e.Type == steam {
		return "otpauth://steam/" + url.PathEscape(e.Issuer) + ":" + url.PathEscape(e.Account) +
			"?secret=" + B32(e.Secret) + "&issuer=" + url.QueryEscape(e.Issuer) + "&digits=5&period=30&algorithm=SHA1"
	}
	k := key(e)
	return k.URI()
}

// key is e as an otpauth.Key (TOTP or HOTP).
func key(e *Entry) otpauth.Key {
	k := otpauth.Key{Type: otpauth.TOTP, Issuer: e.Issuer, Account: e.Account, Secret: e.Secret,
		Algorithm: otpauth.Algorithm(e.Algorithm), Digits: e.Digits, Period: e.Period}
	if e.Type == hotp {
		k.Type, k.Period, k.Counter = otpauth.HOTP, 0, e.Counter
	}
	return k
}

// pbkdf2Key derives a 256-bit key.
func pbkdf2Key(h func() hash.Hash, password, salt []byte, iterations int) []byte {
	k, err := pbkdf2.Key(h, string(password), salt, iterations, 32)
	if err != nil {
		panic(err)
	}
	return k
}

var (
	sha1New   = sha1.New
	sha256New = sha256.New
)

// Constants of the formats, stated here apart from package transfer's own.
const (
	twofasIterations   = 10000
	stratumLegacyIter  = 64000
	stratumMagic       = "AUTHENTICATORPRO"
	stratumLegacyMagic = "AuthenticatorPro"
)

// --- Aegis ---------------------------------------------------------------

func aegisEntries(entries []Entry, extra ...obj) []any {
	var out []any
	for i := range entries {
		e := &entries[i]
		info := obj{"secret": B32(e.Secret), "algo": e.Algorithm, "digits": e.Digits}
		if e.Type == hotp {
			info["counter"] = e.Counter
		} else {
			info["period"] = e.Period
		}
		out = append(out, obj{"type": e.Type, "uuid": fmt.Sprintf("00000000-0000-4000-8000-%012d", i),
			"name": e.Account, "issuer": e.Issuer, "note": "", "favorite": i == 0, "icon": nil, "info": info, "groups": []any{}})
	}
	for _, x := range extra {
		out = append(out, x)
	}
	return out
}

// AegisUnsupported are entries of kinds Aegis has and Twofold does not.
var AegisUnsupported = []obj{
	{"type": "yandex", "name": "y", "issuer": "Yandex", "info": obj{"secret": B32(Seed20), "algo": "SHA256", "digits": 8, "period": 30, "pin": "1234"}},
	{"type": "motp", "name": "m", "issuer": "mOTP", "info": obj{"secret": B32(Seed20), "algo": "MD5", "digits": 6, "period": 10, "pin": "1234"}},
	{"type": "totp", "name": "md5", "issuer": "Old", "info": obj{"secret": B32(Seed20), "algo": "MD5", "digits": 6, "period": 30}},
}

// AegisVault writes a vault; with a password, encrypted as Aegis does
// with the given scrypt N (Aegis's own is 2^15; tests use less).
func AegisVault(entries []Entry, extra []obj, password string, n int) []byte {
	db := obj{"version": 3, "entries": aegisEntries(entries, extra...), "groups": []any{}}
	if password == "" {
		return mustJSON(obj{"version": 1, "header": obj{"slots": nil, "params": nil}, "db": db})
	}
	r := Rand(1)
	master, salt := randBytes(r, 32), randBytes(r, 32)
	kek, err := scrypt.Key([]byte(password), salt, n, 8, 1, 32)
	if err != nil {
		panic(err)
	}
	keyNonce, dbNonce := randBytes(r, 12), randBytes(r, 12)
	wrapped := sealGCM(kek, keyNonce, master)
	sealed := sealGCM(master, dbNonce, mustJSON(db))
	slot := obj{"type": 1, "uuid": "11111111-2222-4333-8444-555555555555", "key": hex.EncodeToString(wrapped[:32]),
		"key_params": obj{"nonce": hex.EncodeToString(keyNonce), "tag": hex.EncodeToString(wrapped[32:])},
		"n":          n, "r": 8, "p": 1, "salt": hex.EncodeToString(salt), "repaired": true, "is_backup": false}
	biometric := obj{"type": 2, "uuid": "66666666-2222-4333-8444-555555555555", "key": hex.EncodeToString(randBytes(r, 32)),
		"key_params": obj{"nonce": hex.EncodeToString(randBytes(r, 12)), "tag": hex.EncodeToString(randBytes(r, 16))}}
	return mustJSON(obj{"version": 1,
		"header": obj{"slots": []any{biometric, slot}, "params": obj{"nonce": hex.EncodeToString(dbNonce), "tag": hex.EncodeToString(sealed[len(sealed)-16:])}},
		"db":     base64.StdEncoding.EncodeToString(sealed[:len(sealed)-16])})
}

// --- 2FAS ----------------------------------------------------------------

func twofasServices(entries []Entry) []any {
	var out []any
	for i := range entries {
		e := &entries[i]
		otp := obj{"link": otpauthURI(e), "label": e.Issuer + ":" + e.Account, "account": e.Account, "issuer": e.Issuer,
			"digits": e.Digits, "period": e.Period, "algorithm": e.Algorithm, "tokenType": strings.ToUpper(e.Type), "source": "Link"}
		if e.Type == hotp {
			otp["counter"] = e.Counter
			delete(otp, "period")
		}
		out = append(out, obj{"name": e.Issuer, "secret": B32(e.Secret), "updatedAt": 1700000000000 + i, "serviceTypeID": nil,
			"otp": otp, "order": obj{"position": i}, "icon": obj{"selected": "Label", "label": obj{"text": "AB", "backgroundColor": "Orange"}}})
	}
	out = append(out, obj{"name": "Odd", "secret": B32(Seed20), "otp": obj{"account": "sha224", "algorithm": "SHA224", "tokenType": "TOTP"}})
	return out
}

// TwoFAS writes a .2fas backup; with a password, encrypted as 2FAS
// does, with a reference when withReference.
func TwoFAS(entries []Entry, password string, withReference bool) []byte {
	services := twofasServices(entries)
	f := obj{"services": services, "groups": []any{}, "updatedAt": 1700000000000, "schemaVersion": 4,
		"appVersionCode": 5000000, "appVersionName": "5.0.0", "appOrigin": "android"}
	if password == "" {
		return mustJSON(f)
	}
	r := Rand(2)
	salt := randBytes(r, 256)
	key := pbkdf2Key(sha256New, []byte(password), salt, twofasIterations)
	seal := func(plain []byte) string {
		iv := randBytes(r, 12)
		enc := base64.StdEncoding
		return enc.EncodeToString(sealGCM(key, iv, plain)) + ":" + enc.EncodeToString(salt) + ":" + enc.EncodeToString(iv)
	}
	f["services"] = []any{}
	f["servicesEncrypted"] = seal(mustJSON(services))
	if withReference {
		f["reference"] = seal([]byte("a fixed text that tells a right password from damage"))
	}
	return mustJSON(f)
}

// --- andOTP ---------------------------------------------------------------

func andotpJSON(entries []Entry) []byte {
	var out []any
	for i := range entries {
		e := &entries[i]
		o := obj{"secret": B32(e.Secret), "issuer": e.Issuer, "label": e.Account, "digits": e.Digits,
			"type": strings.ToUpper(e.Type), "algorithm": e.Algorithm, "thumbnail": "Default",
			"last_used": 1700000000000, "used_frequency": 0, "tags": []any{}}
		if e.Type == hotp {
			o["counter"] = e.Counter
		} else {
			o["period"] = e.Period
		}
		out = append(out, o)
	}
	out = append(out, obj{"secret": B32(Seed20), "issuer": "Mobile", "label": "m", "digits": 6, "type": "MOTP", "algorithm": "MD5", "period": 10})
	return mustJSON(out)
}

// AndOTP writes an andOTP backup: plain, encrypted (PBKDF2 with the
// given iterations), or in the old SHA-256 format when iterations is 0.
func AndOTP(entries []Entry, password string, iterations int) []byte {
	plain := andotpJSON(entries)
	if password == "" {
		return plain
	}
	r := Rand(3)
	if iterations == 0 {
		key := sha256.Sum256([]byte(password))
		nonce := randBytes(r, 12)
		return append(nonce, sealGCM(key[:], nonce, plain)...)
	}
	salt, nonce := randBytes(r, 12), randBytes(r, 12)
	key := pbkdf2Key(sha1New, []byte(password), salt, iterations)
	out := binary.BigEndian.AppendUint32(nil, uint32(iterations))
	out = append(append(append(out, salt...), nonce...), sealGCM(key, nonce, plain)...)
	return out
}

// --- Bitwarden ------------------------------------------------------------

// bitwardenTOTP is the TOTP field Bitwarden keeps for e: a steam:// URI for
// Steam, a bare base32 secret for a default TOTP of the first account, and
// otherwise an otpauth URI.
func bitwardenTOTP(i int, e *Entry) string {
	switch {
	case e.Type == steam:
		return "steam://" + B32(e.Secret)
	case i == 0:
		return B32(e.Secret)
	}
	return otpauthURI(e)
}

// BitwardenJSON writes an unencrypted Bitwarden JSON export.
func BitwardenJSON(entries []Entry) []byte {
	items := []any{
		obj{"id": "note", "type": 2, "name": "A secure note", "notes": "no login", "secureNote": obj{"type": 0}},
		obj{"id": "nototp", "type": 1, "name": "No TOTP", "login": obj{"username": "x", "password": "p", "totp": nil}},
	}
	for i := range entries {
		e := &entries[i]
		items = append(items, obj{"id": fmt.Sprint(i), "organizationId": nil, "folderId": nil, "type": 1, "reprompt": 0,
			"name": e.Issuer, "notes": nil, "favorite": false,
			"login":         obj{"uris": []any{obj{"match": nil, "uri": "https://example.com"}}, "username": e.Account, "password": "pw", "totp": bitwardenTOTP(i, e)},
			"collectionIds": nil})
	}
	items = append(items, obj{"type": 1, "name": "Yandex", "login": obj{"username": "y", "totp": "otpauth://yandex/y?secret=" + B32(Seed20)}})
	return mustJSON(obj{"encrypted": false, "folders": []any{}, "items": items})
}

// BitwardenCSV writes a Bitwarden CSV export.
func BitwardenCSV(entries []Entry) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"folder", "favorite", "type", "name", "notes", "fields", "reprompt", "login_uri", "login_username", "login_password", "login_totp"})
	w.Write([]string{"", "", "note", "A note", "with, a comma\nand a line", "", "0", "", "", "", ""})
	for i := range entries {
		e := &entries[i]
		w.Write([]string{"Work", "1", "login", e.Issuer, "", "", "0", "https://example.com", e.Account, "pw", bitwardenTOTP(i, e)})
	}
	w.Write([]string{"", "", "login", "Yandex", "", "", "0", "", "y", "", "otpauth://yandex/y?secret=" + B32(Seed20)})
	w.Flush()
	return b.Bytes()
}

// --- FreeOTP+ -------------------------------------------------------------

// FreeOTPPlus writes a FreeOTP+ JSON export with an MD5 token added.
func FreeOTPPlus(entries []Entry) []byte {
	var tokens, order []any
	for i := range entries {
		e := &entries[i]
		secret := make([]int, len(e.Secret))
		for j, c := range e.Secret {
			secret[j] = int(int8(c)) // Java bytes are signed
		}
		typ := strings.ToUpper(e.Type)
		if e.Type == steam {
			typ = "TOTP"
		}
		tokens = append(tokens, obj{"algo": e.Algorithm, "counter": e.Counter, "digits": e.Digits, "issuerExt": e.Issuer,
			"issuerInt": e.Issuer, "label": e.Account, "period": periodOr30(e), "secret": secret, "type": typ})
		order = append(order, e.Issuer+":"+e.Account)
	}
	tokens = append(tokens, obj{"algo": "MD5", "counter": 0, "digits": 6, "issuerExt": "Old", "label": "md5", "period": 30, "secret": []int{1, 2, 3}, "type": "TOTP"})
	return mustJSON(obj{"tokenOrder": order, "tokens": tokens})
}

// --- Ente Auth and otpauth lists ------------------------------------------

// URIList writes one URI a line; ente adds Ente's codeDisplay
// parameter. Both add a URI of an unsupported type and one with 10 digits.
func URIList(entries []Entry, ente bool) []byte {
	var b strings.Builder
	if !ente {
		b.WriteString("# exported for a test\n\n")
	}
	for i := range entries {
		b.WriteString(otpauthURI(&entries[i]))
		if ente {
			b.WriteString("&codeDisplay=%7B%22pinned%22%3Afalse%2C%22trashed%22%3Afalse%7D")
		}
		b.WriteString("\n")
	}
	b.WriteString("otpauth://motp/Mobile:m?secret=" + B32(Seed20) + "\n")
	b.WriteString("otpauth://totp/Long:l?secret=" + B32(Seed20) + "&digits=10\n")
	return []byte(b.String())
}

// --- Proton Authenticator -------------------------------------------------

// Proton writes a Proton Authenticator export with an MD5 entry added.
func Proton(entries []Entry) []byte {
	var out []any
	for i := range entries {
		e := &entries[i]
		typ, uri := "Totp", otpauthURI(e)
		if e.Type == steam {
			typ, uri = "Steam", "steam://"+B32(e.Secret)
		}
		out = append(out, obj{"id": fmt.Sprintf("id-%d", i), "content": obj{"uri": uri, "entry_type": typ, "name": e.Account}, "note": nil})
	}
	out = append(out, obj{"id": "md5", "content": obj{"uri": "otpauth://totp/Old:md5?secret=" + B32(Seed20) + "&algorithm=MD5", "entry_type": "Totp", "name": "md5"}, "note": "old"})
	return mustJSON(obj{"version": 1, "entries": out})
}

// --- Authenticator Pro / Stratum ------------------------------------------

func stratumJSON(entries []Entry) []byte {
	types := map[string]int{hotp: 1, totp: 2, steam: 4}
	algs := map[string]int{"SHA1": 0, "SHA256": 1, "SHA512": 2}
	var out []any
	for i := range entries {
		e := &entries[i]
		out = append(out, obj{"Type": types[e.Type], "Icon": "default", "Issuer": e.Issuer, "Username": e.Account,
			"Secret": B32(e.Secret), "Pin": nil, "Algorithm": algs[e.Algorithm], "Digits": e.Digits, "Period": periodOr30(e),
			"Counter": e.Counter, "CopyCount": 0, "Ranking": i})
	}
	out = append(out,
		obj{"Type": 5, "Issuer": "Yandex", "Username": "y", "Secret": B32(Seed20), "Pin": "1234", "Algorithm": 1, "Digits": 8, "Period": 30, "Counter": 0},
		obj{"Type": 3, "Issuer": "Mobile", "Username": nil, "Secret": B32(Seed20), "Pin": "1234", "Algorithm": 0, "Digits": 6, "Period": 10, "Counter": 0})
	return mustJSON(obj{"Authenticators": out, "Categories": []any{}, "AuthenticatorCategories": []any{}, "CustomIcons": []any{}})
}

// Stratum writes a backup: plain, encrypted (Argon2id and AES-GCM,
// the format's fixed parameters), or in the legacy PBKDF2/CBC format.
func Stratum(entries []Entry, password string, legacy bool) []byte {
	plain := stratumJSON(entries)
	if password == "" {
		return plain
	}
	r := Rand(4)
	if legacy {
		salt, iv := randBytes(r, 20), randBytes(r, 16)
		key := pbkdf2Key(sha1New, []byte(password), salt, stratumLegacyIter)
		return append(append(append([]byte(stratumLegacyMagic), salt...), iv...), sealCBC(key, iv, plain)...)
	}
	salt, nonce := randBytes(r, 16), randBytes(r, 12)
	key := argon2.IDKey([]byte(password), salt, 3, 64<<10, 4, 32)
	return append(append(append([]byte(stratumMagic), salt...), nonce...), sealGCM(key, nonce, plain)...)
}

// --- Steam Desktop Authenticator ------------------------------------------

// MaFile writes a Steam Desktop Authenticator .maFile for a Steam entry.
func MaFile(e *Entry) []byte {
	return mustJSON(obj{"shared_secret": base64.StdEncoding.EncodeToString(e.Secret), "serial_number": "1234567890123456789",
		"revocation_code": "R12345", "uri": "otpauth://totp/Steam:" + e.Account + "?secret=" + B32(e.Secret) + "&issuer=Steam",
		"server_time": 1700000000, "account_name": e.Account, "token_gid": "abc", "identity_secret": base64.StdEncoding.EncodeToString(Seed20),
		"secret_1": base64.StdEncoding.EncodeToString(Seed32), "status": 1, "device_id": "android:0000", "fully_enrolled": true,
		"Session": obj{"SteamID": 76561197960287930, "AccessToken": "x"}})
}

// --- Google Authenticator -------------------------------------------------

// Google writes entries as a Google Authenticator export of two QR
// codes, the second with an MD5 account (which the format can hold and
// Twofold cannot).
func Google(entries []Entry) []byte {
	var keys []otpauth.Key
	for i := range entries {
		keys = append(keys, key(&entries[i]))
	}
	half := len(keys) / 2
	first, err := migration.Encode(&migration.Payload{Version: 1, BatchSize: 2, BatchIndex: 0, BatchID: -7, Accounts: keys[:half]})
	if err != nil {
		panic(err)
	}
	second, err := migration.Encode(&migration.Payload{Version: 1, BatchSize: 2, BatchIndex: 1, BatchID: -7, Accounts: keys[half:]})
	if err != nil {
		panic(err)
	}
	// Append an MD5 account (algorithm 4) to the second payload's protobuf.
	data, _ := url.QueryUnescape(strings.TrimPrefix(second, "otpauth-migration://offline?data="))
	raw, _ := base64.StdEncoding.DecodeString(data)
	var acct []byte
	acct = protowire.AppendTag(acct, 1, protowire.BytesType)
	acct = protowire.AppendBytes(acct, Seed20)
	acct = protowire.AppendTag(acct, 2, protowire.BytesType)
	acct = protowire.AppendString(acct, "md5")
	acct = protowire.AppendTag(acct, 4, protowire.VarintType)
	acct = protowire.AppendVarint(acct, 4)
	raw = protowire.AppendTag(raw, 1, protowire.BytesType)
	raw = protowire.AppendBytes(raw, acct)
	second = "otpauth-migration://offline?data=" + url.QueryEscape(base64.StdEncoding.EncodeToString(raw))
	return []byte(first + "\n" + second + "\n")
}

// periodOr30 is e's period, or for HOTP the 30 that apps store anyway.
func periodOr30(e *Entry) int {
	if e.Type == hotp {
		return 30
	}
	return e.Period
}
