package login

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

const (
	certFile = "cert.pem"
	keyFile  = "key.pem"

	// certLifetime is long because every new certificate means a new
	// browser warning for the owner to click through.
	certLifetime = 10 * 365 * 24 * time.Hour
	// certMargin renews a certificate this long before it ends, so it never
	// lapses halfway through a login.
	certMargin = 24 * time.Hour
)

// certificate returns the self-signed certificate for the https loopback
// listener, kept in dir. It is created once and reused, so the owner's
// browser sees the same certificate every time; an unreadable, foreign or
// (nearly) expired pair is replaced.
func certificate(dir string, now time.Time) (tls.Certificate, error) {
	if dir == "" {
		return tls.Certificate{}, errors.New("no folder is set for the local https certificate; this is a bug in Exact Keeper, please report it")
	}
	if c, err := loadCertificate(dir, now); err == nil {
		return c, nil
	}
	return createCertificate(dir, now)
}

func loadCertificate(dir string, now time.Time) (tls.Certificate, error) {
	c, err := tls.LoadX509KeyPair(filepath.Join(dir, certFile), filepath.Join(dir, keyFile))
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf := c.Leaf
	if leaf == nil {
		if leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return tls.Certificate{}, err
		}
		c.Leaf = leaf
	}
	if now.Before(leaf.NotBefore) || now.Add(certMargin).After(leaf.NotAfter) {
		return tls.Certificate{}, errors.New("certificate expired")
	}
	if leaf.VerifyHostname("localhost") != nil || leaf.VerifyHostname("127.0.0.1") != nil {
		return tls.Certificate{}, errors.New("certificate does not cover this PC")
	}
	return c, nil
}

func createCertificate(dir string, now time.Time) (tls.Certificate, error) {
	fail := func(err error) (tls.Certificate, error) {
		return tls.Certificate{}, fmt.Errorf("could not create the local https certificate in %s (%v); check that this folder is writable", dir, err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fail(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return fail(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "Exact Keeper login on this PC"},
		NotBefore:             now.Add(-time.Hour), // tolerate a clock that is a little behind
		NotAfter:              now.Add(certLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return fail(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fail(err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fail(err)
	}
	// The key goes first: a crash in between leaves a pair that does not
	// match, which the next run detects and replaces.
	if err := writeAtomic(filepath.Join(dir, keyFile), keyPEM, 0o600); err != nil {
		return fail(err)
	}
	if err := writeAtomic(filepath.Join(dir, certFile), certPEM, 0o644); err != nil {
		return fail(err)
	}
	c, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return fail(err)
	}
	return c, nil
}

// writeAtomic replaces path with data so that a reader sees either the old
// or the new file, never half of one. The temporary file is created 0600,
// so a private key is never readable by others, not even briefly.
func writeAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op after a successful rename
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp, perm); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
