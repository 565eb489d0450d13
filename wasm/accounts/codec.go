package accounts

import (
	"fmt"
	"time"

	"github.com/twofold-auth/twofold/shared/pbwire"

	"github.com/twofold-auth/twofold/shared/otpauth"
)

// Field numbers of the vault plaintext; docs/vault-format.md lists them as a
// .proto. Never reuse a number.
const (
	stateAccount     = 1
	stateClockOffset = 2 // sint64 milliseconds
	stateSort        = 3 // Sort
	stateHideCodes   = 4 // bool
	stateSync        = 5 // the sync state (wasm/syncclient), opaque here
	stateTrash       = 6 // Trashed, oldest first

	accountID        = 1
	accountIssuer    = 2
	accountName      = 3
	accountSecret    = 4
	accountType      = 5
	accountAlgorithm = 6
	accountDigits    = 7
	accountPeriod    = 8
	accountCounter   = 9
	accountExtra     = 10
	accountAdded     = 11 // sint64 Unix milliseconds
	accountPush      = 12
	accountPinned    = 13 // bool
	accountTag       = 14 // repeated
	accountIcon      = 15
	accountLastUsed  = 16 // sint64 Unix milliseconds

	paramName  = 1
	paramValue = 2

	pushServer     = 1
	pushDeviceID   = 2
	pushPrivateKey = 3
	pushRegistered = 4 // sint64 Unix milliseconds
	pushPaused     = 5 // sint64 Unix milliseconds
)

// Enumerations as stored; 0 is never written so that a missing field is
// detected.
var (
	typeCodes = map[otpauth.Type]uint64{otpauth.TOTP: 1, otpauth.HOTP: 2}
	algoCodes = map[otpauth.Algorithm]uint64{otpauth.SHA1: 1, otpauth.SHA256: 2, otpauth.SHA512: 3}
)

// Marshal encodes s as the vault plaintext. The caller should clear the
// result once sealed: it holds the secrets.
func (s *State) Marshal() []byte {
	var b []byte
	for _, a := range s.accounts {
		b = pbwire.AppendTag(b, stateAccount, pbwire.BytesType)
		b = pbwire.AppendBytes(b, marshalAccount(a))
	}
	if s.clockOffset != 0 {
		b = pbwire.AppendTag(b, stateClockOffset, pbwire.VarintType)
		b = pbwire.AppendVarint(b, pbwire.EncodeZigZag(s.clockOffset.Milliseconds()))
	}
	b = appendVarint(b, stateSort, uint64(s.settings.Sort))
	b = appendBool(b, stateHideCodes, s.settings.HideCodes)
	if len(s.sync) > 0 {
		b = pbwire.AppendTag(b, stateSync, pbwire.BytesType)
		b = pbwire.AppendBytes(b, s.sync)
	}
	for _, t := range s.trash {
		b = appendTrashed(b, t)
	}
	return append(b, s.unknown...)
}

func appendString(b []byte, num pbwire.Number, v string) []byte {
	if v == "" {
		return b
	}
	b = pbwire.AppendTag(b, num, pbwire.BytesType)
	return pbwire.AppendString(b, v)
}

func appendVarint(b []byte, num pbwire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = pbwire.AppendTag(b, num, pbwire.VarintType)
	return pbwire.AppendVarint(b, v)
}

func appendBool(b []byte, num pbwire.Number, v bool) []byte {
	if !v {
		return b
	}
	return appendVarint(b, num, 1)
}

func appendTime(b []byte, num pbwire.Number, t time.Time) []byte {
	if t.IsZero() {
		return b
	}
	return appendVarint(b, num, pbwire.EncodeZigZag(t.UnixMilli()))
}

func marshalAccount(a *Account) []byte {
	k := &a.Key
	var b []byte
	b = appendString(b, accountID, a.ID)
	b = appendString(b, accountIssuer, k.Issuer)
	b = appendString(b, accountName, k.Account)
	b = pbwire.AppendTag(b, accountSecret, pbwire.BytesType)
	b = pbwire.AppendBytes(b, k.Secret)
	b = appendVarint(b, accountType, typeCodes[k.Type])
	b = appendVarint(b, accountAlgorithm, algoCodes[k.Algorithm])
	b = appendVarint(b, accountDigits, uint64(k.Digits))
	b = appendVarint(b, accountPeriod, uint64(k.Period))
	b = appendVarint(b, accountCounter, k.Counter)
	for _, p := range k.Extra {
		var pb []byte
		pb = appendString(pb, paramName, p.Name)
		pb = appendString(pb, paramValue, p.Value)
		b = pbwire.AppendTag(b, accountExtra, pbwire.BytesType)
		b = pbwire.AppendBytes(b, pb)
	}
	b = appendTime(b, accountAdded, a.Added)
	if p := a.Push; p != nil {
		var pb []byte
		pb = appendString(pb, pushServer, p.Server)
		pb = appendString(pb, pushDeviceID, p.DeviceID)
		if len(p.PrivateKey) > 0 {
			pb = pbwire.AppendTag(pb, pushPrivateKey, pbwire.BytesType)
			pb = pbwire.AppendBytes(pb, p.PrivateKey)
		}
		pb = appendTime(pb, pushRegistered, p.Registered)
		pb = appendVarint(pb, pushPaused, pbwire.EncodeZigZag(p.PausedMs))
		pb = append(pb, p.unknown...)
		b = pbwire.AppendTag(b, accountPush, pbwire.BytesType)
		b = pbwire.AppendBytes(b, pb)
	}
	b = appendBool(b, accountPinned, a.Pinned)
	for _, t := range a.Tags {
		b = pbwire.AppendTag(b, accountTag, pbwire.BytesType)
		b = pbwire.AppendString(b, t)
	}
	b = appendString(b, accountIcon, a.Icon)
	b = appendTime(b, accountLastUsed, a.LastUsed)
	return append(b, a.unknown...)
}

// fields walks the fields of one message, calling known for each; fields it
// does not claim (returns false) are appended to unknown verbatim.
func fields(b []byte, unknown *[]byte, known func(num pbwire.Number, typ pbwire.Type, v []byte, x uint64) (bool, error)) error {
	for len(b) > 0 {
		num, typ, n := pbwire.ConsumeTag(b)
		if n < 0 {
			return pbwire.ParseError(n)
		}
		m := pbwire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return pbwire.ParseError(m)
		}
		field, value := b[:n+m], b[n:n+m]
		var v []byte
		var x uint64
		switch typ {
		case pbwire.BytesType:
			v, _ = pbwire.ConsumeBytes(value)
		case pbwire.VarintType:
			x, _ = pbwire.ConsumeVarint(value)
		}
		ok, err := known(num, typ, v, x)
		if err != nil {
			return err
		}
		if !ok {
			*unknown = append(*unknown, field...)
		}
		b = b[n+m:]
	}
	return nil
}

// Unmarshal decodes a vault plaintext made by Marshal (of this or a newer
// version). The secrets in the result are copies; the caller may clear b.
func Unmarshal(b []byte) (*State, error) {
	s := &State{}
	seen := map[string]bool{}
	err := fields(b, &s.unknown, func(num pbwire.Number, typ pbwire.Type, v []byte, x uint64) (bool, error) {
		switch {
		case num == stateAccount && typ == pbwire.BytesType:
			a, err := unmarshalAccount(v)
			if err != nil {
				return false, err
			}
			if seen[a.ID] {
				return false, fmt.Errorf("account id %q appears twice", a.ID)
			}
			seen[a.ID] = true
			s.accounts = append(s.accounts, a)
		case num == stateClockOffset && typ == pbwire.VarintType:
			s.clockOffset = time.Duration(pbwire.DecodeZigZag(x)) * time.Millisecond
		case num == stateSort && typ == pbwire.VarintType && x <= uint64(maxSort):
			s.settings.Sort = Sort(x)
		case num == stateHideCodes && typ == pbwire.VarintType:
			s.settings.HideCodes = x != 0
		case num == stateSync && typ == pbwire.BytesType:
			s.sync = append([]byte(nil), v...)
		case num == stateTrash && typ == pbwire.BytesType:
			t, err := unmarshalTrashed(v)
			if err != nil {
				return false, err
			}
			s.trash = append(s.trash, t)
		default:
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrContents, err)
	}
	return s, nil
}

func unmarshalAccount(b []byte) (*Account, error) {
	a := &Account{}
	k := &a.Key
	var typ, algo uint64
	err := fields(b, &a.unknown, func(num pbwire.Number, wt pbwire.Type, v []byte, x uint64) (bool, error) {
		str := wt == pbwire.BytesType
		switch {
		case num == accountID && str:
			a.ID = string(v)
		case num == accountIssuer && str:
			k.Issuer = string(v)
		case num == accountName && str:
			k.Account = string(v)
		case num == accountSecret && str:
			k.Secret = append([]byte(nil), v...)
		case num == accountType && !str:
			typ = x
		case num == accountAlgorithm && !str:
			algo = x
		case num == accountDigits && !str:
			k.Digits = int(x)
		case num == accountPeriod && !str:
			k.Period = int(x)
		case num == accountCounter && !str:
			k.Counter = x
		case num == accountAdded && !str:
			a.Added = time.UnixMilli(pbwire.DecodeZigZag(x)).UTC()
		case num == accountPinned && !str:
			a.Pinned = x != 0
		case num == accountTag && str:
			a.Tags = append(a.Tags, string(v))
		case num == accountIcon && str:
			a.Icon = string(v)
		case num == accountLastUsed && !str:
			a.LastUsed = time.UnixMilli(pbwire.DecodeZigZag(x)).UTC()
		case num == accountExtra && str:
			var p otpauth.Param
			var ignored []byte
			err := fields(v, &ignored, func(num pbwire.Number, wt pbwire.Type, v []byte, _ uint64) (bool, error) {
				switch {
				case num == paramName && wt == pbwire.BytesType:
					p.Name = string(v)
				case num == paramValue && wt == pbwire.BytesType:
					p.Value = string(v)
				default:
					return false, nil
				}
				return true, nil
			})
			if err != nil {
				return false, err
			}
			k.Extra = append(k.Extra, p)
		case num == accountPush && str:
			p, err := unmarshalPush(v)
			if err != nil {
				return false, err
			}
			a.Push = p
		default:
			return false, nil
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	for t, c := range typeCodes {
		if c == typ {
			k.Type = t
		}
	}
	for al, c := range algoCodes {
		if c == algo {
			k.Algorithm = al
		}
	}
	if a.ID == "" || len(k.Secret) == 0 || k.Type == "" || k.Algorithm == "" {
		return nil, fmt.Errorf("account %q lacks id, secret, type or algorithm", a.ID)
	}
	return a, nil
}

func unmarshalPush(b []byte) (*PushRegistration, error) {
	p := &PushRegistration{}
	err := fields(b, &p.unknown, func(num pbwire.Number, wt pbwire.Type, v []byte, x uint64) (bool, error) {
		str := wt == pbwire.BytesType
		switch {
		case num == pushServer && str:
			p.Server = string(v)
		case num == pushDeviceID && str:
			p.DeviceID = string(v)
		case num == pushPrivateKey && str:
			p.PrivateKey = append([]byte(nil), v...)
		case num == pushRegistered && !str:
			p.Registered = time.UnixMilli(pbwire.DecodeZigZag(x)).UTC()
		case num == pushPaused && !str:
			p.PausedMs = pbwire.DecodeZigZag(x)
		default:
			return false, nil
		}
		return true, nil
	})
	return p, err
}
