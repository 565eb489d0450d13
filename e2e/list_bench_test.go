package e2e

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// BenchmarkChromiumAccountList measures the account list of the app page in
// headless Chromium at 50 and 500 accounts and prints the figures (it
// asserts nothing on time): "render-ms" is drawing the whole list
// (renderAccounts: rows, avatars, groups, the filter), "search-ms" a search
// typed into the box (applyFilter over every row), "codes-ms" the Go call
// that computes every code, made once a second; all medians over b.N
// rounds of 5. The page marks render and search with performance.measure
// ("twofold-render", "twofold-filter"); the benchmark reads those.
func BenchmarkChromiumAccountList(b *testing.B) {
	for _, n := range []int{50, 500} {
		b.Run(fmt.Sprintf("accounts=%d", n), func(b *testing.B) {
			tb := newTab(b)
			tb.createVault(passphrase)
			services := []string{"GitHub", "Google", "Microsoft", "Amazon", "Oracle Cloud", "Dropbox", "Slack", "Atlassian",
				"Cloudflare", "DigitalOcean", "Proton", "Bitwarden", "Steam", "Discord", "Twitter", "Facebook", "Reddit", "PayPal", "Stripe", "GitLab"}
			var uris []string
			for i := range n {
				k := otpauth.Key{Type: otpauth.TOTP, Issuer: services[i%len(services)], Account: fmt.Sprintf("user%03d@example.com", i),
					Secret: newSecret(b, 20), Algorithm: otpauth.SHA1, Digits: 6, Period: 30}
				uris = append(uris, k.URI())
			}
			// Through the bridge, in one save (the import's own path), then
			// a change of order draws the list.
			added := eval[int](tb, fmt.Sprintf(`(async () => {
				const tf = globalThis.twofold.transfer;
				const p = await tf.preview(new TextEncoder().encode(%q), 'otpauth', '');
				const r = await tf.commit(p.id, p.items.map(() => 'add'));
				return r.added.length;
			})()`, strings.Join(uris, "\n")))
			if added != n {
				b.Fatalf("added %d accounts, want %d", added, n)
			}
			type round struct {
				Render []float64 `json:"render"`
				Search []float64 `json:"search"`
				Codes  []float64 `json:"codes"`
				Shown  int       `json:"shown"`
			}
			var render, search, codes []float64
			shown := 0
			b.ResetTimer()
			for range b.N {
				r := eval[round](tb, `(async () => {
					const out = {render: [], search: [], codes: [], shown: 0};
					const last = (name) => performance.getEntriesByName(name).at(-1);
					const sortSel = document.querySelector('#sort');
					const box = document.querySelector('#search');
					for (let i = 0; i < 5; i++) {
						const before = last('twofold-render');
						sortSel.value = i % 2 ? 'issuer' : 'name';
						sortSel.dispatchEvent(new Event('change', {bubbles: true}));
						for (let j = 0; j < 2000 && last('twofold-render') === before; j++) await new Promise((r) => setTimeout(r, 2));
						out.render.push(last('twofold-render').duration);
						box.value = 'git user0' + i;
						box.dispatchEvent(new Event('input', {bubbles: true}));
						out.search.push(last('twofold-filter').duration);
						out.shown = document.querySelectorAll('#accounts .account:not([hidden])').length;
						box.value = '';
						box.dispatchEvent(new Event('input', {bubbles: true}));
						const t0 = performance.now();
						await globalThis.twofold.accounts.codes(Date.now());
						out.codes.push(performance.now() - t0);
					}
					performance.clearMeasures();
					return out;
				})()`)
				render, search, codes = append(render, r.Render...), append(search, r.Search...), append(codes, r.Codes...)
				shown = r.Shown
			}
			b.StopTimer()
			if len(tb.rows()) != n {
				b.Fatalf("the list shows %d rows, want %d", len(tb.rows()), n)
			}
			med := func(xs []float64) float64 { sort.Float64s(xs); return xs[len(xs)/2] }
			b.ReportMetric(med(render), "render-ms")
			b.ReportMetric(med(search), "search-ms")
			b.ReportMetric(med(codes), "codes-ms")
			b.Logf("%d accounts in Chromium: render median %.1f ms (max %.1f), search median %.2f ms (%d rows match), codes median %.1f ms, %d samples",
				n, med(render), render[len(render)-1], med(search), shown, med(codes), len(render))
		})
	}
}
