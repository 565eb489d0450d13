// Package mail sends the server's email over SMTP, through a maintained
// mail library (github.com/wneessen/go-mail), so that messages are
// well-formed (headers, encodings, line lengths) and TLS is negotiated as
// configured: implicit TLS, STARTTLS (required by default) or none, with
// optional authentication. The services record every message in the
// outbox first; a server with no SMTP host keeps them there only (the
// development outbox admins read).
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Security is how the connection to the SMTP server is protected.
type Security string

// Securities.
const (
	StartTLS Security = "starttls" // plain connection upgraded with STARTTLS, which must succeed (default, port 587)
	TLS      Security = "tls"      // implicit TLS from the first byte (port 465)
	None     Security = "none"     // no encryption: only for a relay on the same host or network
)

// Config is an SMTP server to send through; Host "" means none.
type Config struct {
	Host     string
	Port     int // default by Security: 587, 465 or 25
	Security Security
	User     string // empty: no authentication
	Password string
	From     string // the From address, e.g. "Twofold <no-reply@example.com>"
	// TLSConfig is for tests (a self-signed test server); nil uses the
	// system's roots and the host name.
	TLSConfig *tls.Config
	Timeout   time.Duration // default 15 s
}

// ErrConfig is a configuration that cannot work.
var ErrConfig = errors.New("mail: configuration")

// Sender sends messages through one SMTP server.
type Sender struct {
	cfg Config
}

// New checks cfg and makes a Sender.
func New(cfg Config) (*Sender, error) {
	if cfg.Host == "" {
		return nil, fmt.Errorf("%w: no SMTP host", ErrConfig)
	}
	switch cfg.Security {
	case "":
		cfg.Security = StartTLS
	case StartTLS, TLS, None:
	default:
		return nil, fmt.Errorf("%w: security %q (want starttls, tls or none)", ErrConfig, cfg.Security)
	}
	if cfg.Port == 0 {
		cfg.Port = map[Security]int{StartTLS: 587, TLS: 465, None: 25}[cfg.Security]
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("%w: port %d", ErrConfig, cfg.Port)
	}
	if strings.TrimSpace(cfg.From) == "" {
		return nil, fmt.Errorf("%w: no From address", ErrConfig)
	}
	if err := gomail.NewMsg().From(cfg.From); err != nil {
		return nil, fmt.Errorf("%w: From %q: %v", ErrConfig, cfg.From, err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	return &Sender{cfg: cfg}, nil
}

// Send delivers one plain-text message.
func (s *Sender) Send(ctx context.Context, to, subject, body string) error {
	m := gomail.NewMsg()
	if err := m.From(s.cfg.From); err != nil {
		return err
	}
	if err := m.To(to); err != nil {
		return fmt.Errorf("mail: recipient: %w", err)
	}
	m.Subject(subject)
	m.SetBodyString(gomail.TypeTextPlain, body)
	c, err := s.client()
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, m)
}

func (s *Sender) client() (*gomail.Client, error) {
	opts := []gomail.Option{gomail.WithPort(s.cfg.Port), gomail.WithTimeout(s.cfg.Timeout)}
	switch s.cfg.Security {
	case TLS:
		opts = append(opts, gomail.WithSSL())
	case StartTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case None:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.cfg.TLSConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.cfg.TLSConfig))
	}
	if s.cfg.User != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.User), gomail.WithPassword(s.cfg.Password))
	}
	return gomail.NewClient(s.cfg.Host, opts...)
}
