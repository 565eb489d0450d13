package storage

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Dir is a Storage in a directory, one file per blob. Put writes a temporary
// file, syncs it and renames it over the old one, which is atomic on POSIX
// file systems.
type Dir struct {
	path string
}

var _ Storage = (*Dir)(nil)

// NewDir uses the directory at path, creating it (mode 0700) if needed.
func NewDir(path string) (*Dir, error) {
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, err
	}
	return &Dir{path: path}, nil
}

// Get implements Storage.
func (d *Dir) Get(name string) ([]byte, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(d.path, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	return b, err
}

// Put implements Storage.
func (d *Dir) Put(name string, data []byte) error {
	if err := CheckName(name); err != nil {
		return err
	}
	f, err := os.CreateTemp(d.path, ".tmp-"+name+"-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(d.path, name))
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// Delete implements Storage.
func (d *Dir) Delete(name string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	err := os.Remove(filepath.Join(d.path, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
