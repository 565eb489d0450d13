package secrets

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// EncodeKey is the text form of a key, as key files and TWOFOLD_MASTER_KEY
// hold it: standard base64.
func EncodeKey(key []byte) string { return base64.StdEncoding.EncodeToString(key) }

// DecodeKey reads the text form of a key; surrounding white space is ignored.
func DecodeKey(text string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
	if err != nil || len(key) != KeySize {
		return nil, ErrKeyFormat
	}
	return key, nil
}

// ReadKeyFile reads a key file and refuses one that group or others can read.
func ReadKeyFile(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: %s has mode %v (want 0600)", ErrKeyFileMode, path, info.Mode().Perm())
	}
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	key, err := DecodeKey(string(text))
	if err != nil {
		return nil, fmt.Errorf("%w: %s", err, path)
	}
	return key, nil
}

// WriteKeyFile creates path with mode 0600 holding key; it never overwrites
// an existing file. The data is synced before it returns.
func WriteKeyFile(path string, key []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(EncodeKey(key) + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// LoadOrCreateKeyFile reads the key at path, or creates one from rand when
// the file does not exist; created says which happened.
func LoadOrCreateKeyFile(path string, rand io.Reader) (key []byte, created bool, err error) {
	key, err = ReadKeyFile(path)
	if err == nil {
		return key, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, false, err
	}
	if key, err = GenerateKey(rand); err != nil {
		return nil, false, err
	}
	if err := WriteKeyFile(path, key); err != nil {
		return nil, false, err
	}
	return key, true, nil
}
