package mailtest

import (
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// mimeDecoder reads the encoded words and transfer encodings a mail
// library writes.
type mimeDecoder struct{ words mime.WordDecoder }

func (d *mimeDecoder) header(v string) string {
	s, err := d.words.DecodeHeader(v)
	if err != nil {
		return v
	}
	return s
}

func (d *mimeDecoder) body(msg *mail.Message) string {
	var r io.Reader = msg.Body
	if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, _ := io.ReadAll(r)
	return string(b)
}
