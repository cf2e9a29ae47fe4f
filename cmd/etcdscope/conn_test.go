package main

import (
	"crypto/tls"
	"net"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
)

// TestLsTLSWithoutCA: ls against a TLS server whose CA was not given
// prints the one-line diagnosis naming --cacert and exits 1. The server is
// a TLS listener, not a second etcd: the handshake is all it takes.
func TestLsTLSWithoutCA(t *testing.T) {
	pki, err := embedded.NewPKI(t.TempDir(), "cli-test")
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, err := pki.Issue("server", []string{"127.0.0.1"}, false)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2"}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				_ = c.(*tls.Conn).Handshake()
			}(c)
		}
	}()
	ep := "https://" + ln.Addr().String()
	r := etcdscope(t, "", "--endpoints", ep, "--dial-timeout", "1s", "ls", "/registry")
	r.mustFail(t, "the certificate of etcd at "+ep+" is signed by an unknown authority")
	if !strings.Contains(r.stderr, "--cacert") || r.stdout != "" {
		t.Fatalf("stderr %q, stdout %q", r.stderr, r.stdout)
	}
}
