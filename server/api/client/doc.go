// Package client is the Go client of Twofold's HTTP API (/api/v1): one
// method per route, each sending and returning the request and response
// bodies of package wire, the same types the server's handlers use, so the
// two sides cannot drift. The CLI (cmd/twofold) and the end-to-end and push
// tests speak to the server through it.
//
// A Client authenticates in one of two ways. With WithToken it sends an
// application token as Authorization: Bearer, and the server ignores any
// cookie. Without one it keeps the server's session cookie in a cookie jar,
// as a browser does: SignIn (then SecondFactor when the account has MFA) or
// SignUp starts the session, and SessionCookie and WithSessionCookie carry
// it over to another process.
//
// A refusal by the server is an *Error with its status, stable code and the
// server's sentence for people: use errors.As, or IsCode for one code.
// Failing to reach the server is any other error. The package depends on
// package wire and the standard library only: a test keeps server/service,
// server/store and the router out of its dependencies, so a program that
// speaks to a server does not link one.
package client
