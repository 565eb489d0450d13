package server

import "errors"

// Sentinel errors.
var (
	ErrConfig        = errors.New("server: invalid configuration")
	ErrUnknownKeyID  = errors.New("server: the database holds secrets sealed under a master key this server does not have")
	ErrRekeyNeedsKey = errors.New("server: rekey with TWOFOLD_MASTER_KEY needs the new key in TWOFOLD_NEW_MASTER_KEY")
)
