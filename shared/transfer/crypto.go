package transfer

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"hash"
)

// Cipher helpers over the standard library; nothing here is a primitive of
// its own.

// openGCM decrypts AES-GCM ciphertext||tag with a 12-byte nonce.
func openGCM(key, nonce, sealed []byte) ([]byte, bool) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, false
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, len(nonce))
	if err != nil || len(nonce) == 0 {
		return nil, false
	}
	plain, err := gcm.Open(nil, nonce, sealed, nil)
	return plain, err == nil
}

// openCBC decrypts AES-CBC with PKCS#7 padding. CBC has no tag, so a wrong
// key shows only as bad padding (or, 1 in 256 times, as garbage that the
// caller's JSON parser refuses).
func openCBC(key, iv, ct []byte) ([]byte, bool) {
	block, err := aes.NewCipher(key)
	if err != nil || len(iv) != aes.BlockSize || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, false
	}
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(plain, ct)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > aes.BlockSize {
		return nil, false
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, false
		}
	}
	return plain[:len(plain)-pad], true
}

// pbkdf2Key derives a 256-bit key with PBKDF2 (crypto/pbkdf2).
func pbkdf2Key(h func() hash.Hash, password, salt []byte, iterations int) []byte {
	key, err := pbkdf2.Key(h, string(password), salt, iterations, 32)
	if err != nil {
		// Only for a key length or FIPS limit this package never asks for.
		panic("pbkdf2: " + err.Error())
	}
	return key
}

var (
	sha1New   = sha1.New
	sha256New = sha256.New
)
