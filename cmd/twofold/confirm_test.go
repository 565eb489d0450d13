package main

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/server/api/client"
	"github.com/twofold-auth/twofold/server/api/wire"
)

// testEnv runs verbs in-process, as if at a terminal when interactive.
func testEnv(stdin string, interactive bool) (*env, *bytes.Buffer, *bytes.Buffer) {
	var out, errOut bytes.Buffer
	return &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, getenv: func(string) string { return "" },
		interactive: interactive}, &out, &errOut
}

func statusOf(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.status
	}
	return -1
}

// confirm asks at a terminal (the question and details on stderr), goes
// ahead on y or yes only, refuses where nobody can answer, and never asks
// with --force.
func TestConfirm(t *testing.T) {
	c := confirmation{action: "delete TOTP device dev_x", details: []string{"dev_x (phone) is active."}}
	for _, tt := range []struct {
		stdin       string
		interactive bool
		force       bool
		status      int // 0: go ahead
	}{
		{"y\n", true, false, 0},
		{"YES\n", true, false, 0},
		{" yes \r\n", true, false, 0},
		{"n\n", true, false, exitFail},
		{"\n", true, false, exitFail},
		{"yep\n", true, false, exitFail},
		{"", true, false, exitUsage}, // standard input ended: /dev/null, which is a character device too
		{"y\n", false, false, exitUsage},
		{"", false, true, 0},
		{"n\n", true, true, 0},
	} {
		e, out, errOut := testEnv(tt.stdin, tt.interactive)
		err := confirm(e, tt.force, c)
		status := 0
		if err != nil {
			status = statusOf(err)
			if status == -1 {
				status = exitFail // an error that is not an exitError ends with 1
			}
		}
		asked := strings.Contains(errOut.String(), "Delete TOTP device dev_x? [y/N] ")
		if status != tt.status || out.Len() != 0 || asked != (tt.interactive && !tt.force) ||
			asked && !strings.HasPrefix(errOut.String(), "dev_x (phone) is active.\n") {
			t.Errorf("%+v: err %v (status %d), stdout %q, stderr %q", tt, err, status, out, errOut)
		}
		if tt.status == exitUsage && !tt.interactive && !strings.Contains(err.Error(), "refusing to delete TOTP device dev_x without confirmation") ||
			tt.status == exitUsage && !strings.Contains(err.Error(), "add --force") {
			t.Errorf("the refusal does not say what to do: %v", err)
		}
	}
}

// -o json prints the value as JSON; -o table what the table function
// writes; any other value is refused by the flag.
func TestOutputFormat(t *testing.T) {
	var o outputFormat = "table"
	var buf bytes.Buffer
	v := wire.Deleted{Deleted: 2}
	o.print(&buf, v, func(w io.Writer) { w.Write([]byte("a table\n")) })
	if buf.String() != "a table\n" {
		t.Errorf("table: %q", buf.String())
	}
	if err := o.Set("json"); err != nil {
		t.Fatal(err)
	}
	buf.Reset()
	o.print(&buf, map[string]string{"uri": "otpauth://x?a=1&b=2"}, nil)
	if buf.String() != "{\n  \"uri\": \"otpauth://x?a=1&b=2\"\n}\n" {
		t.Errorf("json: %q", buf.String())
	}
	if err := o.Set("yaml"); err == nil || o != "json" {
		t.Errorf("Set(yaml): %v, now %q", err, o)
	}
}

// report prints the server's sentence, not its code, and keeps exit 1 for
// what is not a usage error.
func TestReportShowsTheServersSentence(t *testing.T) {
	root := newRoot(&env{})
	list, _, _ := root.Find([]string{"token", "list"})
	for _, tt := range []struct {
		err    error
		status int
		want   string
	}{
		{&client.Error{Status: 403, Code: "fresh_factor_required", Message: "Confirm with a code."}, exitFail, "twofold: token list: Confirm with a code.\n"},
		{errors.New("cannot reach http://x: refused"), exitFail, "twofold: token list: cannot reach http://x: refused\n"},
		{usagef("bad\nflag"), exitUsage, "twofold: token list: bad flag\n"},
		{errReported, exitFail, ""},
	} {
		e, _, errOut := testEnv("", false)
		if status := report(e, list, tt.err); status != tt.status || errOut.String() != tt.want {
			t.Errorf("report(%v) = %d, %q; want %d, %q", tt.err, status, errOut, tt.status, tt.want)
		}
	}
}
