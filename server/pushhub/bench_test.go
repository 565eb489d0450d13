package pushhub

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/service"
	"github.com/twofold-auth/twofold/server/store"
	"github.com/twofold-auth/twofold/shared/pushproto"
)

// The load harness: BenchmarkPushSockets opens N idle authenticated device
// sockets against the real router, hub, service and SQLite store, from a
// child process (so the server's memory is measured alone), then sends
// 2,000 prompts spaced 1 ms apart and 2,000 as one burst and reports their
// delivery latency (commit to the device reading the frame; same machine,
// same clock). N: TWOFOLD_PUSH_SOCKETS (default 10000). Loopback only.
const (
	fleetEnv   = "TWOFOLD_PUSH_FLEET" // set in the child: "wsURL origin keyfile"
	prompts    = 2000
	benchLimit = 3 * time.Minute // the whole run, bounded
)

func raiseFileLimit(n uint64) error {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return err
	}
	if l.Cur >= n {
		return nil
	}
	l.Cur = min(max(n, l.Cur), l.Max)
	return syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
}

func rssKiB() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

func goMemory() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse + m.MSpanInuse + m.MCacheInuse
}

// stamping records when each prompt was committed and handed to the hub.
type stamping struct {
	*Hub
	mu   sync.Mutex
	sent map[string]time.Time
}

func (s *stamping) Prompt(c auth.PushChallenge, ids []string) {
	s.mu.Lock()
	s.sent[c.ID] = time.Now()
	s.mu.Unlock()
	s.Hub.Prompt(c, ids)
}

func BenchmarkPushSockets(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("TWOFOLD_PUSH_SOCKETS")); err == nil && v > 0 {
		n = v
	}
	if err := raiseFileLimit(uint64(n) + 1024); err != nil {
		b.Skipf("file limit: %v", err)
	}
	e := newEnv(b, Options{})
	stamp := &stamping{Hub: e.hub, sent: map[string]time.Time{}}
	if err := e.svc.Push.Enable(service.PushConfig{Origin: e.srv.URL, MaxPerWindow: 1 << 20, MaxPending: 1 << 20}, stamp); err != nil {
		b.Fatal(err)
	}
	// N accounts, each with one device registered, written straight to the
	// store (sign-up's Argon2 would dominate the setup).
	ctx := context.Background()
	seeds := make([][]byte, n)
	var keys bytes.Buffer
	err := e.st.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			u, d := fmt.Sprintf("usr_%06d", i), fmt.Sprintf("dev_%06d", i)
			seeds[i] = make([]byte, ed25519.SeedSize)
			copy(seeds[i], fmt.Sprintf("seed-%026d", i))
			fmt.Fprintf(&keys, "%s %s\n", d, hex.EncodeToString(seeds[i]))
			if err := tx.CreateUser(ctx, store.User{ID: u, Email: u + "@example.com", PasswordHash: "x", CreatedAt: t0}); err != nil {
				return err
			}
			if err := tx.CreateDevice(ctx, store.Device{ID: d, UserID: u, Name: "phone", State: store.DeviceActive, KeyID: "k",
				SecretSealed: []byte{1}, Algorithm: "SHA1", Digits: 6, Period: 30, CreatedAt: t0}); err != nil {
				return err
			}
			if err := tx.PutPushRegistration(ctx, store.PushRegistration{DeviceID: d, UserID: u, PublicKey: pushproto.PublicKey(seeds[i]), CreatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	keyFile := filepath.Join(b.TempDir(), "keys")
	os.WriteFile(keyFile, keys.Bytes(), 0o600)
	baseRSS, baseGo := rssKiB(), goMemory()

	runCtx, cancel := context.WithTimeout(ctx, benchLimit)
	defer cancel()
	child := exec.CommandContext(runCtx, os.Args[0], "-test.run=^TestPushFleet$", "-test.timeout=0")
	child.Env = append(os.Environ(), fleetEnv+"="+e.ws+" "+e.srv.URL+" "+keyFile)
	child.Stderr = os.Stderr
	out, _ := child.StdoutPipe()
	if err := child.Start(); err != nil {
		b.Fatal(err)
	}
	defer child.Process.Kill()
	lines := bufio.NewScanner(out)
	received := make(chan [2]string, 2*prompts)
	ready := make(chan struct{})
	go func() {
		for lines.Scan() {
			f := strings.Fields(lines.Text())
			switch {
			case len(f) == 1 && f[0] == "ready":
				close(ready)
			case len(f) == 2:
				received <- [2]string{f[0], f[1]}
			}
		}
	}()
	start := time.Now()
	select {
	case <-ready:
	case <-runCtx.Done():
		b.Fatalf("fleet not ready: %d connected", e.hub.Connected())
	}
	connectTook := time.Since(start)
	for e.hub.Connected() < n && runCtx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(time.Second) // let the handshakes' garbage settle before measuring
	rss, goMem := rssKiB(), goMemory()
	b.ReportMetric(float64((rss-baseRSS)*1024)/float64(n), "rss-B/socket")
	b.ReportMetric(float64(int64(goMem)-int64(baseGo))/float64(n), "go-B/socket")
	b.Logf("%d sockets connected in %v; RSS +%d KiB (%.1f KiB/socket), Go heap+stacks +%.1f KiB/socket",
		n, connectTook.Round(time.Millisecond), rss-baseRSS, float64(rss-baseRSS)/float64(n), float64(int64(goMem)-int64(baseGo))/1024/float64(n))

	send := func(first int, spaced bool) []time.Duration {
		var wg sync.WaitGroup
		for i := range prompts {
			user := fmt.Sprintf("usr_%06d", (first+i)%n)
			wg.Add(1)
			go func() {
				defer wg.Done()
				sess := auth.Session{ID: "ses_" + user, UserID: user, Stage: auth.StagePartial}
				if _, err := e.svc.Push.Challenge(ctx, auth.Client{Addr: "192.0.2.1"}, sess); err != nil {
					b.Error(err)
				}
			}()
			if spaced {
				time.Sleep(time.Millisecond)
			}
		}
		wg.Wait()
		var lat []time.Duration
		for len(lat) < prompts {
			select {
			case r := <-received:
				ns, _ := strconv.ParseInt(r[1], 10, 64)
				stamp.mu.Lock()
				sent := stamp.sent[r[0]]
				stamp.mu.Unlock()
				lat = append(lat, time.Unix(0, ns).Sub(sent))
			case <-runCtx.Done():
				b.Fatalf("only %d of %d prompts arrived", len(lat), prompts)
			}
		}
		slices.Sort(lat)
		return lat
	}
	report := func(name string, lat []time.Duration) {
		p := func(q float64) time.Duration { return lat[min(len(lat)-1, int(q*float64(len(lat))))] }
		b.ReportMetric(float64(p(0.5).Microseconds())/1000, name+"-p50-ms")
		b.ReportMetric(float64(p(0.99).Microseconds())/1000, name+"-p99-ms")
		b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, name+"-max-ms")
		b.Logf("%s: %d prompts, p50 %v, p99 %v, max %v", name, len(lat), p(0.5), p(0.99), lat[len(lat)-1])
	}
	report("spaced", send(0, true))
	report("burst", send(prompts, false))
	for range b.N { // the figures above are the benchmark; b.N is not used
	}
}

// TestPushFleet is the load harness's child process: it connects the
// devices listed in its key file, says "ready", then prints each prompt's
// challenge id and arrival time (Unix ns). It does nothing in a normal run.
func TestPushFleet(t *testing.T) {
	spec := strings.Fields(os.Getenv(fleetEnv))
	if len(spec) != 3 {
		t.Skip("only as the load harness's child process")
	}
	wsURL, origin := spec[0], spec[1]
	keys, err := os.ReadFile(spec[2])
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(keys)), "\n")
	if err := raiseFileLimit(uint64(len(lines)) + 1024); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewWriter(os.Stdout)
	var outMu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64) // dial concurrency
	for _, line := range lines {
		id, hexSeed, _ := strings.Cut(line, " ")
		seed, _ := hex.DecodeString(hexSeed)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			ws, err := dialDevice(wsURL, origin, id, seed)
			<-sem
			if err != nil {
				t.Error(id, err)
				return
			}
			go func() {
				for {
					_, b, err := ws.Read(context.Background())
					if err != nil {
						return
					}
					at := time.Now().UnixNano()
					f, _ := pushproto.Decode(b)
					if p, err := f.Prompt(); err == nil {
						outMu.Lock()
						fmt.Fprintf(out, "%s %d\n", p.ChallengeID, at)
						out.Flush()
						outMu.Unlock()
					}
				}
			}()
		}()
	}
	wg.Wait()
	outMu.Lock()
	fmt.Fprintln(out, "ready")
	out.Flush()
	outMu.Unlock()
	select {} // until the parent kills it
}

func dialDevice(wsURL, origin, id string, seed []byte) (*websocket.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil, err
	}
	_, b, err := ws.Read(ctx)
	if err != nil {
		return nil, err
	}
	f, _ := pushproto.Decode(b)
	nonce, err := f.Nonce()
	if err != nil {
		return nil, err
	}
	hello := pushproto.EncodeHello(pushproto.Hello{DeviceID: id, Signature: pushproto.Sign(seed, pushproto.HelloMessage(nonce, origin, id))})
	if err := ws.Write(ctx, websocket.MessageBinary, hello); err != nil {
		return nil, err
	}
	if _, b, err = ws.Read(ctx); err != nil {
		return nil, err
	}
	if f, _ := pushproto.Decode(b); f.Kind != pushproto.KindReady {
		return nil, fmt.Errorf("no ready frame")
	}
	return ws, nil
}
