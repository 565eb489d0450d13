package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// Server verbs talk to a Twofold server's JSON API (/api/v1). The server's
// URL and an application token come from --url and --token, else from
// TWOFOLD_URL and TWOFOLD_TOKEN, else from the config file `twofold login`
// writes (os.UserConfigDir()/twofold/config.json, mode 0600).

const defaultServerURL = "http://localhost:8080"

// config is what `twofold login` saves.
type config struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	// Enrollment is the signed-in session that created an account's first
	// device: an application token cannot make the first device (it could
	// turn MFA on with an authenticator of its own), and a pending device
	// belongs to the session that created it, so 'activate' and
	// 'generate-totp-seed' use this session for that device. It is
	// dropped (and signed out) when the device is activated.
	Enrollment *enrollmentSession `json:"enrollment,omitempty"`
}

type enrollmentSession struct {
	URL      string `json:"url"`
	DeviceID string `json:"device_id"`
	Cookie   string `json:"cookie"` // name=value of the session cookie
}

func configPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no config directory: %v", err)
	}
	return filepath.Join(dir, "twofold", "config.json"), nil
}

func loadConfig() (config, string, error) {
	p, err := configPath()
	if err != nil {
		return config{}, "", err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return config{}, p, nil
	}
	if err != nil {
		return config{}, p, err
	}
	var c config
	if err := json.Unmarshal(data, &c); err != nil {
		return config{}, p, fmt.Errorf("%s is not valid JSON: %v", p, err)
	}
	return c, p, nil
}

// saveConfig writes the config with mode 0600 (it holds a token), through a
// temporary file so a crash never leaves half a file.
func saveConfig(c config) (string, error) {
	p, err := configPath()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	data, _ := json.MarshalIndent(c, "", "  ")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o600); err != nil {
		return "", err
	}
	if err := os.Chmod(tmp, 0o600); err != nil {
		return "", err
	}
	return p, os.Rename(tmp, p)
}

// remoteFlags are the flags every server verb takes.
type remoteFlags struct {
	url, token, output string
}

func addRemoteFlags(fs *flag.FlagSet) *remoteFlags {
	rf := &remoteFlags{}
	fs.StringVar(&rf.url, "url", "", "")
	fs.StringVar(&rf.token, "token", "", "")
	fs.StringVar(&rf.output, "o", "table", "")
	fs.StringVar(&rf.output, "output", "table", "")
	return rf
}

const remoteFlagsHelp = `  --url URL            the server (default: TWOFOLD_URL, the config file, then ` + defaultServerURL + `)
  --token TOKEN        an application token (default: TWOFOLD_TOKEN, then the config file)
  -o table|json        output format (default table)
`

// apiClient is one server and how to authenticate to it.
type apiClient struct {
	base   string
	token  string // application token; empty for cookie-session calls (login)
	http   *http.Client
	output string
}

// errAPI is an error answer of the server: its message is for people.
type errAPI struct {
	Status  int
	Code    string
	Message string
}

func (e *errAPI) Error() string { return fmt.Sprintf("%s (%s)", e.Message, e.Code) }

// client resolves URL and token (flags, then environment, then config).
// needToken is false for verbs that sign in themselves.
func (rf *remoteFlags) client(e *env, needToken bool) (*apiClient, error) {
	if rf.output != "table" && rf.output != "json" {
		return nil, fmt.Errorf("-o %q: want table or json", rf.output)
	}
	cfg, path, err := loadConfig()
	if err != nil {
		return nil, err
	}
	base := firstNonEmpty(rf.url, e.getenv("TWOFOLD_URL"), cfg.URL, defaultServerURL)
	token := firstNonEmpty(rf.token, e.getenv("TWOFOLD_TOKEN"))
	if token == "" && (rf.url == "" || rf.url == cfg.URL) {
		token = cfg.Token // a saved token only goes to the server it came from
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("--url %q: want http(s)://host[:port]", base)
	}
	if needToken && token == "" {
		return nil, fmt.Errorf("no application token: run 'twofold login' first (it saves one in %s), or pass --token / set TWOFOLD_TOKEN", path)
	}
	jar, _ := cookiejar.New(nil)
	return &apiClient{base: strings.TrimSuffix(base, "/"), token: token, output: rf.output,
		http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}, nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// sessionCookie is the session cookie the jar holds for the server, as
// name=value.
func (c *apiClient) sessionCookie() string {
	u, _ := url.Parse(c.base)
	for _, k := range c.http.Jar.Cookies(u) {
		if k.Name == "twofold_session" || k.Name == "__Host-twofold_session" {
			return k.Name + "=" + k.Value
		}
	}
	return ""
}

// useSession makes c a cookie-session client for a saved enrollment
// session (name=value), instead of its token.
func (c *apiClient) useSession(cookie string) {
	name, value, _ := strings.Cut(cookie, "=")
	u, _ := url.Parse(c.base)
	c.http.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
	c.token = ""
}

// call sends a JSON request to /api/v1+path and decodes the answer into out
// (unless nil). A token, if any, goes as Authorization: Bearer.
func (c *apiClient) call(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+"/api/v1"+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("User-Agent", "twofold-cli")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach %s: %v", c.base, unwrapURLError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode >= 400 {
		var e struct {
			Error errAPI `json:"error"`
		}
		if json.Unmarshal(data, &e) != nil || e.Error.Message == "" {
			return fmt.Errorf("%s %s: the server answered %s", method, path, resp.Status)
		}
		e.Error.Status = resp.StatusCode
		return &e.Error
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: unexpected answer: %v", method, path, err)
		}
	}
	return nil
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// printJSON writes v indented.
func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// table writes rows under a header, aligned.
func table(w io.Writer, header []string, rows [][]string) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	tw.Flush()
}

// when formats an optional API time for a table.
func when(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04")
}

// prompter reads answers from standard input, asking on stderr, so prompts
// never mix with output a script reads.
type prompter struct {
	e  *env
	in *bufio.Reader
}

func newPrompter(e *env) *prompter { return &prompter{e: e, in: bufio.NewReader(e.stdin)} }

func (p *prompter) line(question string) (string, error) {
	if question != "" {
		fmt.Fprint(p.e.stderr, question)
	}
	s, err := p.in.ReadString('\n')
	if err != nil && (err != io.EOF || s == "") {
		if err == io.EOF {
			return "", errors.New("standard input ended before an answer")
		}
		return "", err
	}
	return strings.TrimRight(s, "\r\n"), nil
}

// secret reads a line without echo when standard input is a terminal
// (stty), and as a plain line otherwise.
func (p *prompter) secret(question string) (string, error) {
	f, ok := p.e.stdin.(*os.File)
	if !ok || !isTerminal(f) {
		return p.line(question)
	}
	fmt.Fprint(p.e.stderr, question)
	if err := stty(f, "-echo"); err == nil {
		defer func() { stty(f, "echo"); fmt.Fprintln(p.e.stderr) }()
	}
	return p.line("")
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func stty(f *os.File, arg string) error {
	cmd := exec.Command("stty", arg)
	cmd.Stdin = f
	return cmd.Run()
}

// remoteFail prints a server verb's error as one line: exit 2 for usage,
// 1 for everything else.
func remoteFail(e *env, verb string, err error) int {
	var ae *errAPI
	if errors.As(err, &ae) {
		return fail(e, exitFail, "%s: %s", verb, ae.Message)
	}
	return fail(e, exitFail, "%s: %v", verb, err)
}
