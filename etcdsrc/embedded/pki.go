package embedded

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// PKI is a certificate authority for tests: it writes its certificate
// and the certificates it issues as PEM files in a directory. Keys are
// P-256, valid from an hour ago for a day.
type PKI struct {
	// CAFile is the CA's certificate.
	CAFile string
	dir    string
	name   string
	cert   *x509.Certificate
	key    *ecdsa.PrivateKey
	serial atomic.Int64
}

// NewPKI makes a CA named name and writes its certificate in dir.
func NewPKI(dir, name string) (*PKI, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("make test CA: %w", err)
	}
	p := &PKI{dir: dir, name: name, key: key}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("make test CA: %w", err)
	}
	if p.cert, err = x509.ParseCertificate(der); err != nil {
		return nil, fmt.Errorf("make test CA: %w", err)
	}
	p.serial.Store(1)
	p.CAFile = filepath.Join(dir, name+"-ca.pem")
	if err := writePEM(p.CAFile, "CERTIFICATE", der); err != nil {
		return nil, err
	}
	return p, nil
}

// Issue writes a certificate and key for name, valid for hosts (DNS
// names or IP addresses), for a server or a client, and returns their
// paths.
func (p *PKI) Issue(name string, hosts []string, client bool) (certFile, keyFile string, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", "", fmt.Errorf("issue %s: %w", name, err)
	}
	usage := x509.ExtKeyUsageServerAuth
	if client {
		usage = x509.ExtKeyUsageClientAuth
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(p.serial.Add(1)),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{usage},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.cert, &key.PublicKey, p.key)
	if err != nil {
		return "", "", fmt.Errorf("issue %s: %w", name, err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", fmt.Errorf("issue %s: %w", name, err)
	}
	certFile = filepath.Join(p.dir, p.name+"-"+name+".pem")
	keyFile = filepath.Join(p.dir, p.name+"-"+name+"-key.pem")
	if err := writePEM(certFile, "CERTIFICATE", der); err != nil {
		return "", "", err
	}
	if err := writePEM(keyFile, "PRIVATE KEY", kder); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}

func writePEM(path, typ string, der []byte) error {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// ReadOnlyUser is an etcd user whose one role may only read keys under
// Prefix.
type ReadOnlyUser struct {
	Name, Password, Prefix string
}

// EnableAuth creates the user root with rootPassword and the read-only
// users, each with a role of its own, then turns authentication on. It
// writes through cli, the test's own client to its own embedded etcd.
func EnableAuth(ctx context.Context, cli *clientv3.Client, rootPassword string, users ...ReadOnlyUser) error {
	steps := []func() error{
		func() error { _, err := cli.UserAdd(ctx, "root", rootPassword); return err },
		func() error { _, err := cli.UserGrantRole(ctx, "root", "root"); return err },
	}
	for _, u := range users {
		role := u.Name + "-reader"
		steps = append(steps,
			func() error { _, err := cli.RoleAdd(ctx, role); return err },
			func() error {
				_, err := cli.RoleGrantPermission(ctx, role, u.Prefix, clientv3.GetPrefixRangeEnd(u.Prefix), clientv3.PermissionType(clientv3.PermRead))
				return err
			},
			func() error { _, err := cli.UserAdd(ctx, u.Name, u.Password); return err },
			func() error { _, err := cli.UserGrantRole(ctx, u.Name, role); return err },
		)
	}
	steps = append(steps, func() error { _, err := cli.AuthEnable(ctx); return err })
	for i, step := range steps {
		if err := step(); err != nil {
			return fmt.Errorf("enable auth, step %d: %w", i+1, err)
		}
	}
	return nil
}

// StartReadOnly starts a cluster, lets seed write to it through a client
// of its own, then turns authentication on with root (rootPassword) and
// the read-only user reader. It returns the cluster and a client logged in
// as root; the caller closes the client and stops the cluster.
func StartReadOnly(ctx context.Context, opts Options, seed func(*clientv3.Client) error, rootPassword string, reader ReadOnlyUser) (*Cluster, *clientv3.Client, error) {
	c, err := Start(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*Cluster, *clientv3.Client, error) {
		c.Stop()
		return nil, nil, err
	}
	cli, err := c.Client()
	if err != nil {
		return fail(err)
	}
	defer cli.Close()
	if err := seed(cli); err != nil {
		return fail(fmt.Errorf("seed: %w", err))
	}
	if err := EnableAuth(ctx, cli, rootPassword, reader); err != nil {
		return fail(err)
	}
	root, err := clientv3.New(clientv3.Config{Endpoints: c.Endpoints(), Username: "root", Password: rootPassword, Logger: zap.NewNop()})
	if err != nil {
		return fail(fmt.Errorf("connect as root: %w", err))
	}
	return c, root, nil
}
