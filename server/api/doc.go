// Package api is the verification server's HTTP face: the JSON API under
// /api/v1 (described by the embedded OpenAPI 3.1 document it also serves),
// /healthz, /metrics, and the authenticator's static files at /app/. NewRouter
// builds the chi router from its dependencies; each route group is a resource
// type with a Routes method. Handlers return errors and one adapter writes
// every response: an *APIError (or an auth sentinel mapped to one) becomes
// {"error":{"code","message"}} with its status, anything else a logged 500
// with no detail. Bodies are JSON only, at most 64 KiB (the sync uploads
// take larger ones), with unknown fields refused. Every response carries security headers, cross-origin
// state-changing requests are refused, credential routes are rate limited
// per client address, and sessions travel in HttpOnly SameSite=Lax cookies.
package api
