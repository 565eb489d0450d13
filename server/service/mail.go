package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/twofold-auth/twofold/server/auth"
	"github.com/twofold-auth/twofold/server/store"
)

// Mail events.
const (
	EventEmailCodeSent   = "email_code_sent"
	EventEmailCodeFailed = "email_code_failed"
)

// emailCodeTries is how many wrong tries a code survives.
const emailCodeTries = 5

// mail records a message in the outbox and, when a Mailer is configured,
// sends it and records how that went. With no Mailer the outbox is the
// development outbox and the log says the mail was not sent. It returns
// the sending error (the message stays in the outbox either way).
func (s *core) mail(ctx context.Context, orgID, to, subject, body string) error {
	id, err := s.recordMail(ctx, orgID, to, subject, body)
	if err != nil || s.mailer == nil {
		return err
	}
	return s.deliver(ctx, id, to, subject, body)
}

func (s *core) recordMail(ctx context.Context, orgID, to, subject, body string) (int64, error) {
	var id int64
	err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		id, err = tx.AddMail(ctx, store.Mail{OrgID: orgID, To: to, Subject: subject, Body: body, CreatedAt: s.now()})
		return err
	})
	if err == nil && s.mailer == nil {
		s.log.Info("mail kept in the development outbox (no SMTP server configured)", "to", to, "subject", subject, "outbox_id", id)
	}
	return id, err
}

func (s *core) deliver(ctx context.Context, id int64, to, subject, body string) error {
	sendErr := s.mailer.Send(ctx, to, subject, body)
	var sentAt time.Time
	msg := ""
	if sendErr == nil {
		sentAt = s.now()
	} else {
		msg = sendErr.Error()
		s.log.Warn("mail not sent", "to", to, "subject", subject, "outbox_id", id, "err", sendErr)
	}
	if err := s.store.Update(ctx, func(tx store.Tx) error { return tx.MarkMailSent(ctx, id, sentAt, msg) }); err != nil {
		return err
	}
	return sendErr
}

// notify mails a user about a security event on their account, best
// effort: the event happened and is audited whether or not mail works.
// The message is in the outbox before notify returns; sending it runs in
// the background, so a slow or unreachable SMTP server never holds up the
// request that caused it (Service.Wait waits for these sends).
func (s *core) notify(ctx context.Context, u store.User, subject, body string) {
	if u.Email == "" {
		return
	}
	body += "\n\nIf this was not you, sign in and check your account's Security page, or ask your administrator.\n"
	id, err := s.recordMail(ctx, u.OrgID, u.Email, subject, body)
	if err != nil {
		s.log.Warn("security notice not recorded", "user_id", u.ID, "err", err)
		return
	}
	if s.mailer == nil {
		return
	}
	s.sending.Add(1)
	go func() {
		defer s.sending.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if err := s.deliver(ctx, id, u.Email, subject, body); err != nil {
			s.log.Warn("security notice not delivered", "user_id", u.ID, "err", err)
		}
	}()
}

// notifyUser is notify for a user id (read now).
func (s *core) notifyUser(ctx context.Context, userID, subject, body string) {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		s.log.Warn("security notice: user", "user_id", userID, "err", err)
		return
	}
	s.notify(ctx, u, subject, body)
}

// sixDigits draws a uniform 6-digit code.
func sixDigits(r io.Reader) (string, error) {
	var b [8]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return "", err
		}
		// Rejection sampling over the largest multiple of 10^6 below 2^64.
		v := binary.BigEndian.Uint64(b[:])
		if v < 18446744073709000000 {
			return fmt.Sprintf("%06d", v%1_000_000), nil
		}
	}
}

func codeHash(code string) []byte {
	h := sha256.Sum256([]byte(code))
	return h[:]
}

// sendEmailCode replaces the user's codes for purpose by a new one and
// mails it. The code is random (crypto/rand), kept as a hash, valid for
// EmailCodeTTL, single use, with emailCodeTries wrong tries.
func (s *core) sendEmailCode(ctx context.Context, c auth.Client, u store.User, purpose, subject, what string) error {
	code, err := sixDigits(rand.Reader)
	if err != nil {
		return err
	}
	id, err := s.newID("ecd")
	if err != nil {
		return err
	}
	now := s.now()
	err = s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.VoidEmailCodes(ctx, u.ID, purpose, now); err != nil {
			return err
		}
		if err := tx.CreateEmailCode(ctx, store.EmailCode{ID: id, UserID: u.ID, Purpose: purpose, CodeHash: codeHash(code),
			CreatedAt: now, ExpiresAt: now.Add(s.cfg.EmailCodeTTL)}); err != nil {
			return err
		}
		return s.audit(ctx, tx, c, u.ID, EventEmailCodeSent, "", purpose)
	})
	if err != nil {
		return err
	}
	body := fmt.Sprintf("Your confirmation code: %s\n\nEnter it to %s. It works once, for %d minutes. Nobody from Twofold will ask you for it.\n",
		code, what, int(s.cfg.EmailCodeTTL/time.Minute))
	return s.mail(ctx, u.OrgID, u.Email, subject, body)
}

// checkEmailCode checks a code against the user's newest code for purpose
// in tx, in constant time, and uses it up on a match. It reports whether
// it matched; a wrong code's try is written in tx, which the caller must
// commit (and then answer auth.ErrEmailCodeFailed). Missing, expired and
// used codes do not match either.
func (s *core) checkEmailCode(ctx context.Context, tx store.Tx, userID, purpose, code string) (bool, error) {
	now := s.now()
	ec, err := tx.EmailCode(ctx, userID, purpose, now)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if len(code) != 6 || subtle.ConstantTimeCompare(codeHash(code), ec.CodeHash) != 1 {
		return false, tx.FailEmailCode(ctx, ec.ID, emailCodeTries, now)
	}
	return tx.UseEmailCode(ctx, ec.ID, now)
}
