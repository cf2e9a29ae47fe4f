package main

import (
	"context"
	"github.com/charmbracelet/x/term"
	"github.com/creack/pty"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/etcdscope/etcdscope/decode/fixture"
)

// failsWithOneLine wants exit 1 and one "etcdscope: " line holding want.
func (r result) failsWithOneLine(t *testing.T, want string) {
	t.Helper()
	r.mustFail(t, want)
	if !strings.HasPrefix(r.stderr, "etcdscope: ") {
		t.Fatalf("stderr %q does not start with etcdscope: ", r.stderr)
	}
}

// TestBadSnapshotFiles: every kind of file that is no usable snapshot is
// one line and exit 1.
func TestBadSnapshotFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	full, err := os.ReadFile(fixture.SnapshotPath())
	if err != nil {
		t.Fatal(err)
	}
	noise := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	cases := []struct{ name, path, want string }{
		{"empty", write("empty.db", nil), "the file is empty"},
		{"random bytes", write("noise.db", noise), "not a bbolt database"},
		{"truncated", write("half.db", full[:len(full)/2]), "truncated"},
		{"shorter than a page", write("short.db", full[:3000]), "not a bbolt database"},
		{"directory", dir, "is a directory"},
		{"missing", filepath.Join(dir, "nope.db"), "no such file"},
		{"held by a running etcd", testMemberDB, "held by a running etcd"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			etcdscope(t, "", "--snapshot", c.path, "ls", "/registry").failsWithOneLine(t, c.want)
		})
	}
}

// TestBadEncryptionConfigs: a malformed or partial EncryptionConfiguration
// is one line naming the file and exit 1, and shows no key.
func TestBadEncryptionConfigs(t *testing.T) {
	full, err := os.ReadFile(fixture.EncryptionConfigPath())
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(full), "secret: ")
	if i < 0 {
		t.Fatal("fixture config holds no secret")
	}
	secretHead := string(full[i+8 : i+16])
	const head = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n"
	cases := []struct{ name, body, want string }{
		{"empty", "", "empty"},
		{"wrong kind", "apiVersion: v1\nkind: ConfigMap\n", "ConfigMap"},
		{"no keys", head + "resources:\n- resources: [secrets]\n  providers:\n  - aescbc: {}\n", "keys: Required"},
		{"bad base64", head + "resources:\n- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: k, secret: '!!'}]\n", "base64"},
		{"wrong key length", head + "resources:\n- resources: [secrets]\n  providers:\n  - aesgcm:\n      keys: [{name: k, secret: aGVsbG8=}]\n", "5 bytes"},
		{"unknown provider", head + "resources:\n- resources: [secrets]\n  providers:\n  - rot13: {}\n", "rot13"},
		{"truncated in a key", string(full[:i+12]), "secret"},
	}
	dir := t.TempDir()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".yaml")
			if err := os.WriteFile(path, []byte(c.body), 0o600); err != nil {
				t.Fatal(err)
			}
			r := etcdscope(t, "", "--snapshot", fixture.SnapshotPath(), "--encryption-config", path, "get", "/registry/secrets/shop/db-credentials")
			r.failsWithOneLine(t, c.want)
			if !strings.Contains(r.stderr, path) || strings.Contains(r.stderr, secretHead) {
				t.Errorf("stderr %q: want the file named and no key shown", r.stderr)
			}
			r = etcdscope(t, "k8s:enc:aescbc:v1:key1:x", "decode", "--encryption-config", path)
			r.failsWithOneLine(t, "encryption config")
		})
	}
}

// TestInterruptWhileConnecting: ctrl-c while the connection check waits
// on an endpoint that accepts and never answers ends the command at once
// (not when the dial timeout or the probe's diagnosis would), says
// "interrupted" and exits 130, for a verb and for the explorer.
func TestInterruptWhileConnecting(t *testing.T) {
	ep := silentEndpoint(t)
	const dialTimeout = 30 * time.Second
	for _, verb := range [][]string{{"ls", "/registry/"}, {}} {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		args := append([]string{"--endpoints", ep, "--dial-timeout", dialTimeout.String()}, verb...)
		r := etcdscopeCtx(t, ctx, "", nil, args...)
		took := time.Since(start)
		cancel()
		if r.code != 130 || strings.TrimSpace(r.stderr) != "etcdscope: interrupted" {
			t.Errorf("%q interrupted while connecting: exit %d, stderr %q; want 130, \"etcdscope: interrupted\"", verb, r.code, r.stderr)
		}
		if took > dialTimeout/2 {
			t.Errorf("%q: ended %v after start, as late as the dial timeout (%v) would", verb, took.Round(time.Millisecond), dialTimeout)
		}
	}
}

// TestQuitKeysWhileConnecting: q or ctrl-c typed on the explorer's terminal
// while it still connects (to an endpoint that accepts and never answers)
// ends it at once: q as q on the screen does (exit 0), ctrl-c as an
// interrupt (exit 130); the terminal is given back as it was.
func TestQuitKeysWhileConnecting(t *testing.T) {
	ep := silentEndpoint(t)
	const dialTimeout = 30 * time.Second
	for _, tc := range []struct {
		key    byte
		code   int
		stderr string
	}{{'q', 0, ""}, {0x03, 130, "etcdscope: interrupted"}} {
		ptmx, tty, err := pty.Open()
		if err != nil {
			t.Skipf("no pseudo-terminal here: %v", err)
		}
		// The explorer closes the terminal it is given: look at it through
		// a second opening.
		look, err := os.Open(tty.Name())
		if err != nil {
			t.Fatal(err)
		}
		before, err := term.GetState(look.Fd())
		if err != nil {
			t.Fatal(err)
		}
		time.AfterFunc(300*time.Millisecond, func() { ptmx.Write([]byte{tc.key}) })
		var stdout, stderr syncBuffer
		a := &app{in: strings.NewReader(""), out: &stdout, errOut: &stderr, getenv: func(string) string { return "" },
			tty: func() *os.File { return tty }}
		start := time.Now()
		code := executeApp(context.Background(), a, []string{"--endpoints", ep, "--dial-timeout", dialTimeout.String()})
		took := time.Since(start)
		if code != tc.code || strings.TrimSpace(stderr.String()) != tc.stderr {
			t.Errorf("key %q while connecting: exit %d, stderr %q; want %d, %q", tc.key, code, stderr.String(), tc.code, tc.stderr)
		}
		if took > dialTimeout/2 {
			t.Errorf("key %q: ended %v after start, as late as the dial timeout would", tc.key, took.Round(time.Millisecond))
		}
		if after, err := term.GetState(look.Fd()); err != nil || *after != *before {
			t.Errorf("key %q: the terminal is not as it was (%v)", tc.key, err)
		}
		look.Close()
		ptmx.Close()
	}
}

// silentEndpoint is an endpoint that accepts connections and never answers.
func silentEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range held {
			c.Close()
		}
	})
	return "http://" + l.Addr().String()
}
