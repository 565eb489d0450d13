package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// skewTime moves every timestamp in a JSON document (Unix seconds or
// milliseconds, RFC 3339 strings) by d.
func skewTime(v any, d time.Duration) any {
	switch x := v.(type) {
	case float64:
		switch {
		case x > 1e12 && x < 1e13:
			return x + float64(d.Milliseconds())
		case x > 1e9 && x < 1e10:
			return x + d.Seconds()
		}
	case string:
		if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
			return t.Add(d).Format(time.RFC3339Nano)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = skewTime(e, d)
		}
	case []any:
		for i, e := range x {
			x[i] = skewTime(e, d)
		}
	}
	return v
}

// TestClockCheck makes the server's clock answer 90 s ahead of the browser
// (by rewriting GET /api/v1/time and its Date header in flight): the page
// warns, and once told to, shows the codes of the server's time.
func TestClockCheck(t *testing.T) {
	const skew = 90 * time.Second // three periods: the shown step stays aligned
	tb := newTab(t)
	paused := chromedp.Events(tb.ctx, fetch.RequestPaused)
	if _, err := chromedp.Call(tb.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: "*/api/v1/time*", RequestStage: fetch.RequestStageResponse},
	}}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			body, _ := chromedp.Call(tb.ctx, fetch.GetResponseBody, fetch.GetResponseBodyParams{RequestID: ev.RequestID})
			var doc any
			out := body.Body
			if json.Unmarshal(body.Body, &doc) == nil {
				out, _ = json.Marshal(skewTime(doc, skew))
			}
			var headers []*fetch.HeaderEntry
			for _, h := range ev.ResponseHeaders {
				v := h.Value
				switch strings.ToLower(h.Name) {
				case "date":
					if d, err := http.ParseTime(v); err == nil {
						v = d.Add(skew).UTC().Format(http.TimeFormat)
					}
				case "content-length", "content-encoding":
					continue
				}
				headers = append(headers, &fetch.HeaderEntry{Name: h.Name, Value: v})
			}
			code := ev.ResponseStatusCode
			if code == 0 {
				code = 200
			}
			_, _ = chromedp.Call(tb.ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
				RequestID: ev.RequestID, ResponseCode: code, ResponseHeaders: headers, Body: out,
			})
		}
	}()

	tb.createVault(passphrase)
	secret := newSecret(t, 20)
	r := tb.addManual(manual{Issuer: "Clock", Account: "ivan", Secret: otpauth.EncodeSecret(secret)})
	msg := poll[string](tb, `(() => { const b = document.querySelector('#clock-banner'); return b.hidden ? '' : b.textContent; })()`, 20*time.Second)
	if !strings.Contains(msg, "behind") {
		t.Errorf("clock banner says %q", msg)
	}
	tb.click("#clock-fix")
	poll[bool](tb, `document.querySelector('#clock-banner').hidden`, 5*time.Second)
	// The page now shows the code of Date.now() + 90 s.
	time.Sleep(1100 * time.Millisecond) // let the next tick draw the corrected code
	got := tb.codeOf(r.ID, 30)
	got.Now += skew.Milliseconds()
	checkCode(t, got, secret, defaultParams)
}
