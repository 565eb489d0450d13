package storage

import (
	"slices"
	"sync"
)

// Memory is a Storage in memory, for tests and for a session that must not
// persist anything.
type Memory struct {
	mu    sync.Mutex
	blobs map[string][]byte
}

var _ Storage = (*Memory)(nil)

// NewMemory returns an empty Memory.
func NewMemory() *Memory { return &Memory{blobs: map[string][]byte{}} }

// Get implements Storage.
func (m *Memory) Get(name string) ([]byte, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.blobs[name]
	if !ok {
		return nil, ErrNotFound
	}
	return slices.Clone(b), nil
}

// Put implements Storage.
func (m *Memory) Put(name string, data []byte) error {
	if err := CheckName(name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.blobs[name] = slices.Clone(data)
	return nil
}

// Delete implements Storage.
func (m *Memory) Delete(name string) error {
	if err := CheckName(name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.blobs, name)
	return nil
}

// Names lists the stored names in sorted order, so tests can check that no
// stale blob is left behind.
func (m *Memory) Names() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.blobs))
	for n := range m.blobs {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
