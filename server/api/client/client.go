package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"

	"github.com/twofold-auth/twofold/server/api/wire"
)

// The server's session cookie: __Host- prefixed when it is served over
// https (server/api/middleware.go). The names are the contract between a
// browser-like client and the server; TestSessionCookieCarriesOver checks
// them against the real router.
const (
	sessionCookie       = "twofold_session"
	secureSessionCookie = "__Host-twofold_session"
)

// maxResponse bounds what the client reads of one response: the largest
// answers are sync's (a snapshot of up to 1 MiB, a page of changes of up
// to about 2 MiB, in base64).
const maxResponse = 4 << 20

// Client speaks to one Twofold server. It is safe for concurrent use.
type Client struct {
	base      string // scheme://host[:port], no trailing slash
	baseURL   *url.URL
	http      *http.Client
	token     string
	userAgent string
	cookie    *http.Cookie // WithSessionCookie's, set into the jar by New
}

// Option configures a Client.
type Option func(*Client)

// WithToken authenticates every request with an application token
// (Authorization: Bearer); the server then ignores cookies.
func WithToken(token string) Option { return func(c *Client) { c.token = token } }

// WithHTTPClient sends requests through hc (its transport, timeout and
// cookie jar), so a program can make its own requests in the same session
// (an event stream, say). hc is used as it is when it has a cookie jar;
// without one the client uses a copy of hc with a jar of its own, since a
// cookie session needs one (hc itself is never changed).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.http = hc }
}

// WithUserAgent names the program in the User-Agent header (default Go's
// own), which the server keeps with the sessions it starts.
func WithUserAgent(ua string) Option { return func(c *Client) { c.userAgent = ua } }

// WithSessionCookie resumes a cookie session another client started (see
// SessionCookie).
func WithSessionCookie(k *http.Cookie) Option { return func(c *Client) { c.cookie = k } }

// New makes a client for the server at base (http(s)://host[:port]).
// Without WithHTTPClient it has a 30 s timeout and a cookie jar of its own.
func New(base string, opts ...Option) (*Client, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("server URL %q: want http(s)://host[:port]", base)
	}
	c := &Client{base: strings.TrimSuffix(base, "/"), baseURL: u}
	for _, o := range opts {
		o(c)
	}
	if c.http == nil {
		c.http = &http.Client{Timeout: 30 * time.Second}
	}
	if c.http.Jar == nil {
		hc := *c.http
		hc.Jar, _ = cookiejar.New(nil) // never fails without options
		c.http = &hc
	}
	if c.cookie != nil {
		c.http.Jar.SetCookies(u, []*http.Cookie{{Name: c.cookie.Name, Value: c.cookie.Value, Path: "/"}})
	}
	return c, nil
}

// BaseURL is the server's URL as given to New, without a trailing slash.
func (c *Client) BaseURL() string { return c.base }

// SessionCookie is the session cookie the client holds for its server
// (after SignIn, SecondFactor or SignUp), to resume that session in another
// process with WithSessionCookie. It is a credential: keep it as private as
// a password.
func (c *Client) SessionCookie() (*http.Cookie, bool) {
	for _, k := range c.http.Jar.Cookies(c.baseURL) {
		if k.Name == sessionCookie || k.Name == secureSessionCookie {
			return k, true
		}
	}
	return nil, false
}

// call sends a request and decodes the answer into a T.
func call[T any](ctx context.Context, c *Client, method, path string, body any) (T, error) {
	var out T
	err := c.do(ctx, method, path, body, &out)
	return out, err
}

// do sends method /api/v1+path with body as JSON (none when nil) and
// decodes a successful answer into out (unless nil or the answer is
// empty); a refusal is an *Error.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	return c.signedDo(ctx, method, path, body, out, nil)
}

// signedDo is do, with the request signed by s when it is not nil (the
// sync routes).
func (c *Client) signedDo(ctx context.Context, method, path string, body, out any, s *SyncSigner) error {
	resp, err := c.send(ctx, method, path, body, s)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if out == nil || len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: unexpected answer: %w", method, path, err)
	}
	return nil
}

// downloadCSV copies every row a list query matches as CSV to w: q
// without its paging parameters, and format=csv. The answer is copied as
// it comes, without do's bound: an export has no size known in advance.
func (c *Client) downloadCSV(ctx context.Context, path string, q url.Values, w io.Writer, paging ...string) error {
	for _, p := range paging {
		q.Del(p)
	}
	q.Set("format", "csv")
	path = withQuery(path, q)
	resp, err := c.send(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("GET %s: reading the answer: %w", path, err)
	}
	return nil
}

// send sends method /api/v1+path with body as JSON (none when nil), signed
// by s when it is not nil, and returns a successful answer, its body
// unread; a refusal is an *Error.
func (c *Client) send(ctx context.Context, method, path string, body any, s *SyncSigner) (*http.Response, error) {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return nil, fmt.Errorf("%s %s: encoding the request: %w", method, path, err)
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/api/v1"+path, bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s != nil {
		s.sign(req, data)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is said once, below
		}
		return nil, fmt.Errorf("cannot reach %s: %w", c.base, err)
	}
	if resp.StatusCode >= 400 {
		defer resp.Body.Close()
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
		if err != nil {
			return nil, fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
		}
		return nil, refusal(resp, data)
	}
	return resp, nil
}

// refusal decodes an error answer.
func refusal(resp *http.Response, data []byte) *Error {
	var body wire.ErrorBody
	if json.Unmarshal(data, &body) == nil && body.Error.Code != "" {
		return &Error{Status: resp.StatusCode, Code: body.Error.Code, Message: body.Error.Message}
	}
	return &Error{Status: resp.StatusCode, Message: "the server answered " + resp.Status}
}

// id makes a resource id one path segment, whatever it holds.
func id(s string) string { return url.PathEscape(s) }
