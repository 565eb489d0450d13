package otpcode

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// requireOathtool returns the path of oathtool, or skips the test where it
// cannot run: under js/wasm (no processes; the host run covers it) and on a
// developer machine without it. In CI a missing oathtool fails the test.
func requireOathtool(t *testing.T) string {
	t.Helper()
	if runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("no processes under wasm; the host run cross-checks with oathtool")
	}
	path, err := exec.LookPath("oathtool")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("oathtool is not installed; CI needs it (Debian/Ubuntu package oathtool)")
		}
		t.Skip("oathtool is not installed: apt-get install oathtool")
	}
	return path
}

// TestAgainstOathtool compares codes with oathtool's for random algorithms,
// digit counts, periods, counters and times up to 2^34 s, from a fixed seed
// so a failure reproduces. oathtool's HOTP mode is SHA1 only; its TOTP mode
// covers the other algorithms.
func TestAgainstOathtool(t *testing.T) {
	oathtool := requireOathtool(t)
	rng := rand.New(rand.NewPCG(4226, 6238))
	algorithms := []otpauth.Algorithm{otpauth.SHA1, otpauth.SHA256, otpauth.SHA512}
	const combos = 240
	for i := range combos {
		secret := make([]byte, 1+rng.IntN(64))
		for j := range secret {
			secret[j] = byte(rng.Uint32())
		}
		p := Params{Algorithm: algorithms[rng.IntN(3)], Digits: 6 + rng.IntN(3), Period: 1 + rng.IntN(otpauth.MaxPeriod)}
		var (
			ours string
			err  error
			args []string
		)
		if i%3 == 0 {
			p.Algorithm = otpauth.SHA1
			counter := rng.Uint64() >> rng.IntN(64) // small and huge counters alike
			ours, err = HOTP(secret, p, counter)
			args = []string{"--hotp", "-c", fmt.Sprint(counter), fmt.Sprintf("--digits=%d", p.Digits), hex.EncodeToString(secret)}
		} else {
			unix := rng.Int64N(1 << 34)
			ours, err = TOTP(secret, p, time.Unix(unix, 0))
			args = []string{"--totp=" + string(p.Algorithm), fmt.Sprintf("--digits=%d", p.Digits),
				fmt.Sprintf("--time-step-size=%ds", p.Period), fmt.Sprintf("--now=@%d", unix), hex.EncodeToString(secret)}
		}
		if err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		out, err := exec.Command(oathtool, args...).Output()
		if err != nil {
			t.Fatalf("oathtool %s: %v", strings.Join(args, " "), err)
		}
		if theirs := strings.TrimSpace(string(out)); theirs != ours {
			t.Errorf("oathtool %s = %s, ours %s", strings.Join(args, " "), theirs, ours)
		}
	}
}
