package syncclient

import "crypto/hmac"

func hmacEqual(a, b []byte) bool { return hmac.Equal(a, b) }
