// Package pushhub carries push sign-in prompts to authenticators over
// websockets (github.com/coder/websocket). Hub is the in-process router: it
// keeps one live connection per registered device, authenticates each one
// before anything else (the device signs the server's nonce, the server's
// origin and its device id), delivers prompts through a small bounded queue
// per connection (a slow reader is dropped, never waited for), pings idle
// connections, and wakes the browsers waiting for a challenge's outcome.
// It keeps no security state: challenges, their single use, the fatigue
// counts and registrations are in the database (server/auth, server/store);
// with several server instances (PostgreSQL), a device's socket and the
// browser waiting for its answer may be on different instances: Follow
// applies a Feed of the changes the other instances commit (ids only, read
// back from the database; see remote.go), and catches up from the database
// when the feed reports a gap. The
// idle path is frugal: no goroutine but the reader, small socket buffers, no
// compression, no per-connection ticker.
package pushhub
