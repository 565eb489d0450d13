package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// tab is one Chromium, with its own fresh profile, showing the app. Every
// console error and uncaught exception of the page fails the test.
type tab struct {
	t       testing.TB
	ctx     context.Context
	profile string
	base    string // the server's URL for visit: serverURL unless a test runs its own

	mu       sync.Mutex
	problems []string
	expected []string // substrings of console errors a test provokes on purpose
}

// tabOption changes how the browser of a tab is started.
type tabOption func(*tabConfig)

type tabConfig struct {
	flags   []chromedp.ExecAllocatorOption
	profile string
}

// withCamera feeds Chromium's fake camera from a Y4M clip and accepts the
// permission prompt, so getUserMedia runs its real code path.
func withCamera(y4m string) tabOption {
	return func(c *tabConfig) {
		c.flags = append(c.flags,
			chromedp.Flag("use-fake-device-for-media-stream", true),
			chromedp.Flag("use-fake-ui-for-media-stream", true),
			chromedp.Flag("use-file-for-fake-video-capture", y4m),
		)
	}
}

// requireBrowser skips or fails a test that cannot run here.
func requireBrowser(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("e2e: browser tests skipped in -short mode")
	}
	if !haveChromium() {
		if os.Getenv("CI") == "true" {
			t.Fatalf("e2e: %s is missing; install the Debian package chromium", chromiumPath)
		}
		t.Skipf("e2e: %s is missing; install the Debian package chromium (apt-get install chromium)", chromiumPath)
	}
	if setupErr != nil {
		t.Fatalf("e2e: %v", setupErr)
	}
	if serverURL == "" {
		t.Fatal("e2e: no server")
	}
}

// newTab starts a browser with a fresh profile and returns its only tab.
func newTab(t testing.TB, opts ...tabOption) *tab {
	t.Helper()
	requireBrowser(t)
	cfg := tabConfig{}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.profile == "" {
		cfg.profile = t.TempDir()
	}
	flags := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.UserDataDir(cfg.profile),
		chromedp.WindowSize(1100, 900),
	)
	flags = append(flags, cfg.flags...)

	base, cancelBase := context.WithTimeout(context.Background(), 3*time.Minute)
	alloc, cancelAlloc := chromedp.NewExecAllocator(base, flags...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	tb := &tab{t: t, ctx: ctx, profile: cfg.profile}
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc() // waits for Chromium to exit, before TempDir is removed
		cancelBase()
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, p := range tb.problems {
			t.Errorf("browser console: %s", p)
		}
	})

	tb.watchConsole()
	// Downloads go to the profile's Downloads folder, named as the page says.
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior:      browser.SetDownloadBehaviorBehaviorAllow,
		DownloadPath:  tb.downloads(),
		EventsEnabled: new(true),
	}); err != nil {
		t.Fatalf("setting the download folder: %v", err)
	}
	return tb
}

// watchConsole records every console error and uncaught exception of the
// tab's page; the test's cleanup reports them.
func (tb *tab) watchConsole() {
	console := chromedp.Console(tb.ctx) // starts the browser (or the target) and subscribes
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.Type != chromedp.ConsoleError && !m.IsException() {
				continue
			}
			text := m.String()
			if m.URL != "" {
				text += fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
			}
			tb.mu.Lock()
			if !tb.isExpected(text) {
				tb.problems = append(tb.problems, text)
			}
			tb.mu.Unlock()
		}
	}()
}

// sibling opens a second tab in tb's browser: the same profile, so the two
// share IndexedDB, Web Locks and BroadcastChannel as two tabs a person
// opened do. Its console is checked like tb's; it closes before tb.
func (tb *tab) sibling() *tab {
	tb.t.Helper()
	ctx, cancel := chromedp.NewContext(tb.ctx)
	s := &tab{t: tb.t, ctx: ctx, profile: tb.profile}
	tb.t.Cleanup(func() {
		cancel()
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, p := range s.problems {
			tb.t.Errorf("browser console (second tab): %s", p)
		}
	})
	s.watchConsole()
	return s
}

func (tb *tab) isExpected(text string) bool {
	for _, e := range tb.expected {
		if strings.Contains(text, e) {
			return true
		}
	}
	return false
}

// expectConsoleError declares a console error the test provokes on purpose.
func (tb *tab) expectConsoleError(substr string) {
	tb.mu.Lock()
	tb.expected = append(tb.expected, substr)
	tb.mu.Unlock()
}

func (tb *tab) downloads() string {
	return tb.profile + "/Downloads"
}

// do runs actions and fails the test on error.
func (tb *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, actions...); err != nil {
		tb.t.Fatalf("%v", err)
	}
}

// eval evaluates JavaScript (awaiting a Promise) and decodes the result.
func eval[T any](tb *tab, js string) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		tb.t.Fatalf("evaluating %s: %v", abbrev(js), err)
	}
	return v
}

// poll waits until the JavaScript expression is truthy and returns its value.
func poll[T any](tb *tab, js string, timeout time.Duration) T {
	tb.t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Poll[T](js, chromedp.WithPollingTimeout(timeout), chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		tb.t.Fatalf("waiting for %s: %v\npage: %s", abbrev(js), err, tb.describe())
	}
	return v
}

// describe tells what the page shows, for failure messages.
func (tb *tab) describe() string {
	ctx, cancel := context.WithTimeout(tb.ctx, 3*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const view = document.documentElement.dataset.view;
		const errs = [...document.querySelectorAll('.error:not([hidden]), #status, #camera-status')].map(e => e.id + '=' + e.textContent.trim()).filter(s => !s.endsWith('='));
		return 'view=' + view + ' ' + errs.join(' | ');
	})()`))
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return s
}

func abbrev(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		return s[:117] + "..."
	}
	return s
}
