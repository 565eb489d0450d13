package transfer

import (
	"errors"
	"fmt"
)

// Twofold's own backup (docs/vault-format.md): the vault envelope of kind
// 'B', "TWFD" 'B' | version | Argon2id parameters | salt | wrapped key |
// AES-256-GCM contents | SHA-256 checksum. Its envelope and contents are
// implemented by the authenticator (wasm/vault, wasm/accounts), which
// shared/ may not import; so this package recognises the file and hands it
// to Options.OpenTwofold, which the CLI and the authenticator wire to those
// packages.

const twofoldMagic = "TWFD"

func parseTwofold(data []byte, opt *Options) (*Result, error) {
	if len(data) < len(twofoldMagic)+1 || string(data[:len(twofoldMagic)]) != twofoldMagic {
		return nil, fmt.Errorf("%w (not a Twofold backup)", ErrNotFormat)
	}
	if data[len(twofoldMagic)] != 'B' {
		return nil, fmt.Errorf("%w (a Twofold vault, not a backup file: make a backup in the authenticator)", ErrUnsupported)
	}
	if opt.OpenTwofold == nil {
		return nil, fmt.Errorf("%w (a Twofold backup, which only the authenticator's vault code opens)", ErrUnsupported)
	}
	if opt.Password == nil {
		return nil, ErrPasswordRequired
	}
	keys, err := opt.OpenTwofold(data, opt.Password)
	if err != nil {
		if errors.Is(err, ErrWrongPassword) || errors.Is(err, ErrDamaged) || errors.Is(err, ErrUnsupported) {
			return nil, err
		}
		return nil, fmt.Errorf("%w (%v)", ErrDamaged, err)
	}
	var c collector
	for i := range keys {
		c.add(FromKey(&keys[i]).fields(), nil)
	}
	return &c.res, nil
}
