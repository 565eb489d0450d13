package mail

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/twofold-auth/twofold/server/mail/mailtest"
)

// A message goes through STARTTLS and AUTH to a real SMTP server, and
// arrives with its subject and body intact (non-ASCII included).
func TestSendThroughSTARTTLS(t *testing.T) {
	srv := mailtest.Start(t)
	s, err := New(Config{Host: srv.Host, Port: srv.Port, User: mailtest.User, Password: mailtest.Password,
		From: "Twofold <no-reply@example.com>", TLSConfig: srv.ClientTLS})
	if err != nil {
		t.Fatal(err)
	}
	body := "Your code: 123456\n\nIt is valid for 5 minutes — déjà vu.\n"
	if err := s.Send(context.Background(), "ann@example.com", "Confirm: turn off the MFA requirement", body); err != nil {
		t.Fatal(err)
	}
	m := srv.WaitFor(t, "ann@example.com", "Confirm")
	if m.Code() != "123456" || !strings.Contains(m.Body, "déjà vu") || m.From != "no-reply@example.com" {
		t.Fatalf("received %+v", m)
	}
	// Wrong credentials, and a server that offers no TLS when it is required, fail.
	bad, _ := New(Config{Host: srv.Host, Port: srv.Port, User: mailtest.User, Password: "nope", From: "a@example.com", TLSConfig: srv.ClientTLS})
	if err := bad.Send(context.Background(), "ann@example.com", "x", "y"); err == nil {
		t.Fatal("sent with a wrong password")
	}
	untrusted, _ := New(Config{Host: srv.Host, Port: srv.Port, User: mailtest.User, Password: mailtest.Password, From: "a@example.com"})
	if err := untrusted.Send(context.Background(), "ann@example.com", "x", "y"); err == nil {
		t.Fatal("sent to a server whose certificate is not trusted")
	}
}

func TestConfigRefused(t *testing.T) {
	for name, c := range map[string]Config{
		"no host":      {From: "a@example.com"},
		"bad security": {Host: "h", From: "a@example.com", Security: "ssl3"},
		"bad port":     {Host: "h", From: "a@example.com", Port: 70000},
		"no from":      {Host: "h"},
		"bad from":     {Host: "h", From: "not an address"},
	} {
		if _, err := New(c); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if s, err := New(Config{Host: "h", From: "a@example.com", Security: TLS}); err != nil || s.cfg.Port != 465 {
		t.Fatalf("implicit TLS default port: %+v %v", s, err)
	}
}
