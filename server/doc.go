// Package server assembles Twofold's verification server: it turns a typed
// Config (defaults filled in one place, withDefaults) into a running HTTP
// server by opening the store, loading the master keyring, building the auth
// service and the API router, and running the background sweep; Run serves
// until its context ends and then shuts down gracefully. It also holds Rekey,
// the master-key rotation behind `twofold-server rekey`. cmd/twofold-server
// only parses flags and environment and calls into this package.
package server
