package server

import "errors"

// Sentinel errors.
var (
	ErrConfig        = errors.New("server: invalid configuration")
	ErrUnknownKeyID  = errors.New("server: the database holds secrets sealed under a master key this server does not have")
	ErrRekeyNeedsKey = errors.New("server: rekey with TWOFOLD_MASTER_KEY needs the new key in TWOFOLD_NEW_MASTER_KEY")
	// ErrNoSharedKey: on PostgreSQL the server does not make a master key
	// file of its own (see loadKeyring).
	ErrNoSharedKey = errors.New("server: with a PostgreSQL database every instance needs the same master key: " +
		"set TWOFOLD_MASTER_KEY (32 random bytes in base64, e.g. from `openssl rand -base64 32`) " +
		"or give each instance a copy of one key file (-master-key-file); there is no key file at")
)
