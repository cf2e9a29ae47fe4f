package encryption

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"golang.org/x/crypto/nacl/secretbox"
)

// sealer is one key of an aescbc, aesgcm or secretbox provider, in the
// storage format of kube-apiserver's value transformers (the payload after
// the k8s:enc:<provider>:v1:<name>: prefix). The ciphers are the standard
// library's and x/crypto's; only the layout is kept here, and the tests
// hold it to the apiserver's transformers both ways. The apiserver package
// itself is not linked: its init registers metrics and links
// component-base's registry, a cost every command paid at start.
type sealer interface {
	// open returns the plaintext of payload; authData is what aesgcm
	// authenticates besides (the etcd key).
	open(payload, authData []byte) ([]byte, error)
	// seal encrypts plaintext with a fresh random nonce or IV.
	seal(plaintext, authData []byte) ([]byte, error)
}

var errShort = errors.New("the stored data was shorter than the required size")

// gcmNonceSize is the nonce every aesgcm value starts with.
const gcmNonceSize = 12

// gcmKey is an aesgcm key: nonce, then the sealed data with its tag; the
// etcd key is the additional authenticated data.
type gcmKey struct{ aead cipher.AEAD }

func newGCMKey(secret []byte) (sealer, error) {
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	if aead.NonceSize() != gcmNonceSize {
		return nil, fmt.Errorf("AES-GCM nonce size %d, want %d", aead.NonceSize(), gcmNonceSize)
	}
	return gcmKey{aead: aead}, nil
}

func (k gcmKey) open(payload, authData []byte) ([]byte, error) {
	if len(payload) < gcmNonceSize {
		return nil, errShort
	}
	out, err := k.aead.Open(nil, payload[:gcmNonceSize], payload[gcmNonceSize:], authData)
	if err != nil {
		return nil, errors.New("message authentication failed (wrong key, altered data, or a value read under another etcd key)")
	}
	return out, nil
}

func (k gcmKey) seal(plaintext, authData []byte) ([]byte, error) {
	out := make([]byte, gcmNonceSize, gcmNonceSize+len(plaintext)+k.aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("AES-GCM nonce: %w", err)
	}
	return k.aead.Seal(out, out[:gcmNonceSize], plaintext, authData), nil
}

// cbcKey is an aescbc key: IV, then whole blocks of PKCS#7-padded data.
type cbcKey struct{ block cipher.Block }

func newCBCKey(secret []byte) (sealer, error) {
	block, err := aes.NewCipher(secret)
	if err != nil {
		return nil, err
	}
	return cbcKey{block: block}, nil
}

func (k cbcKey) open(payload, _ []byte) ([]byte, error) {
	if len(payload) < aes.BlockSize {
		return nil, errShort
	}
	iv, data := payload[:aes.BlockSize], payload[aes.BlockSize:]
	if len(data)%aes.BlockSize != 0 {
		return nil, errors.New("the stored data is not a multiple of the block size")
	}
	out := bytes.Clone(data)
	cipher.NewCBCDecrypter(k.block, iv).CryptBlocks(out, out)
	if len(out) == 0 {
		return nil, errors.New("invalid PKCS7 data (empty or not padded)")
	}
	pad := int(out[len(out)-1])
	if pad == 0 || pad > len(out) {
		return nil, errors.New("invalid PKCS7 data (empty or not padded)")
	}
	for _, c := range out[len(out)-pad:] {
		if int(c) != pad {
			return nil, errors.New("invalid padding on input")
		}
	}
	out = out[:len(out)-pad]
	// aescbc does not authenticate: a wrong key passes the padding check
	// about once in 256 tries and yields noise. What the API server
	// encrypts is always an encoded object, so noise is a wrong key.
	if !looksEncoded(out) {
		return nil, errors.New("the plaintext is not an encoded object (wrong key or altered data)")
	}
	return out, nil
}

func (k cbcKey) seal(plaintext, _ []byte) ([]byte, error) {
	pad := aes.BlockSize - len(plaintext)%aes.BlockSize
	out := make([]byte, aes.BlockSize+len(plaintext)+pad)
	if _, err := rand.Read(out[:aes.BlockSize]); err != nil {
		return nil, fmt.Errorf("AES-CBC IV: %w", err)
	}
	copy(out[aes.BlockSize:], plaintext)
	for i := aes.BlockSize + len(plaintext); i < len(out); i++ {
		out[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(k.block, out[:aes.BlockSize]).CryptBlocks(out[aes.BlockSize:], out[aes.BlockSize:])
	return out, nil
}

// secretboxNonceSize is the nonce every secretbox value starts with.
const secretboxNonceSize = 24

// secretboxKey is a secretbox key: nonce, then the box.
type secretboxKey struct{ key [32]byte }

func newSecretboxKey(secret []byte) (sealer, error) {
	var k secretboxKey
	if len(secret) != len(k.key) {
		return nil, fmt.Errorf("secretbox needs a 32-byte key, got %d bytes", len(secret))
	}
	copy(k.key[:], secret)
	return k, nil
}

func (k secretboxKey) open(payload, _ []byte) ([]byte, error) {
	if len(payload) < secretboxNonceSize+secretbox.Overhead {
		return nil, errShort
	}
	var nonce [secretboxNonceSize]byte
	copy(nonce[:], payload)
	out, ok := secretbox.Open(nil, payload[secretboxNonceSize:], &nonce, &k.key)
	if !ok {
		return nil, errors.New("message authentication failed (wrong key or altered data)")
	}
	return out, nil
}

func (k secretboxKey) seal(plaintext, _ []byte) ([]byte, error) {
	var nonce [secretboxNonceSize]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("secretbox nonce: %w", err)
	}
	return secretbox.Seal(nonce[:], plaintext, &nonce, &k.key), nil
}
