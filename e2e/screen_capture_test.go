package e2e

import (
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// fakeDisplayMedia replaces navigator.mediaDevices.getDisplayMedia, before
// the app's scripts run, with one that returns canvas.captureStream() of a
// 1280×720 "desktop" with the PNG (a data URL) drawn on it. The canvas is
// repainted a few times a second (a ticking corner), as a real screen
// capture keeps delivering frames. window.fakeScreen records the calls and
// the tracks handed out, so the test can see they were stopped.
//
// Why not Chromium's own screen capture: headless Chromium has no screen.
// With --auto-select-desktop-capture-source="Entire screen" and
// --use-fake-ui-for-media-stream, getDisplayMedia rejects with
// NotReadableError ("Could not start video source"); adding
// --use-fake-device-for-media-stream gives a generated test pattern
// instead of anything the test draws; and tab capture
// (--auto-select-tab-capture-source-by-title, --auto-accept-this-tab-capture)
// never resolved headless (tried with Chromium 156) or gave blank frames.
// So the test replaces only the browser's picker and capture; everything
// from the MediaStream on (video element, canvas, wasm decoder, vault,
// stopping the tracks) is the page's real code.
func fakeDisplayMedia(pngDataURL string) string {
	return fmt.Sprintf(`(() => {
	const rec = window.fakeScreen = { calls: 0, constraints: null, tracks: [] };
	if (!navigator.mediaDevices) return;
	navigator.mediaDevices.getDisplayMedia = async (constraints) => {
		rec.calls++;
		rec.constraints = constraints;
		const img = new Image();
		img.src = %q;
		await img.decode();
		const canvas = document.createElement('canvas');
		canvas.width = 1280;
		canvas.height = 720;
		const g = canvas.getContext('2d');
		let tick = 0;
		const paint = () => {
			g.fillStyle = '#2d3b4f'; // a desktop background
			g.fillRect(0, 0, canvas.width, canvas.height);
			g.fillStyle = '#f4f4f4'; // a window showing the code
			g.fillRect(380, 90, 560, 540);
			g.drawImage(img, 660 - img.width / 2, 360 - img.height / 2);
			g.fillStyle = tick++ %% 2 ? '#444' : '#555'; // a clock that ticks
			g.fillRect(1200, 690, 60, 20);
		};
		paint();
		const stream = canvas.captureStream(15);
		rec.tracks.push(...stream.getTracks());
		const timer = setInterval(() => {
			if (stream.getTracks().every((t) => t.readyState === 'ended')) { clearInterval(timer); return; }
			paint();
		}, 100);
		return stream;
	};
})()`, pngDataURL)
}

// TestAddByScreenCapture adds an account from a QR code "shown on the
// screen": the page's getDisplayMedia path from the MediaStream onward.
func TestAddByScreenCapture(t *testing.T) {
	secret := newSecret(t, 20)
	img := qrImage(t, totpURI("Screen", "grace@example.com", secret), 4)
	dataURL := "data:image/png;base64," + base64.StdEncoding.EncodeToString(pngBytes(t, img))

	tb := newTab(t)
	if _, err := chromedp.Call(tb.ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: fakeDisplayMedia(dataURL)}); err != nil {
		t.Fatal(err)
	}
	tb.createVault(passphrase)
	tb.openAdd()
	tb.click("#scan-screen")
	r := tb.waitNewRow(0)
	if r.Issuer != "Screen" || r.Name != "grace@example.com" {
		t.Errorf("row shows %q / %q", r.Issuer, r.Name)
	}
	checkCode(t, tb.codeOf(r.ID, 30), secret, defaultParams)

	// The capture ends as soon as the code is read: every track handed out
	// is stopped, the video is detached and the dialog closed.
	poll[bool](tb, `!document.documentElement.dataset.scanner && document.querySelector('#camera-video').srcObject === null && !document.querySelector('#camera-dialog').open`, 5*time.Second)
	type capture struct {
		Calls  int      `json:"calls"`
		Video  bool     `json:"video"`
		Audio  bool     `json:"audio"`
		Tracks []string `json:"tracks"`
	}
	got := eval[capture](tb, `({calls: fakeScreen.calls, video: !!fakeScreen.constraints.video, audio: !!fakeScreen.constraints.audio,
		tracks: fakeScreen.tracks.map((t) => t.kind + ':' + t.readyState)})`)
	if got.Calls != 1 || !got.Video || got.Audio {
		t.Errorf("getDisplayMedia called %d times with video=%v audio=%v; want once, video only", got.Calls, got.Video, got.Audio)
	}
	if len(got.Tracks) != 1 || got.Tracks[0] != "video:ended" {
		t.Errorf("tracks after the scan: %v; want [video:ended]", got.Tracks)
	}
}
