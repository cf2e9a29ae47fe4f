package faults

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/etcdscope/etcdscope/etcdsrc"
)

// TestDiagnoses connects with each kind of mistake and holds the error to
// one line that says what is wrong and names the flag that fixes it, given
// within the dial timeout (with a second's slack for a busy machine).
func TestDiagnoses(t *testing.T) {
	closed := closedPort(t)
	silent := silentPort(t)
	plain := three.get(t).Endpoints()[0]
	mtlsEP := mtls.get(t).Endpoints()[0]
	wrongEP := wrongName.get(t).Endpoints()[0]
	authEP := auth.get(t).Endpoints()[0]
	clientCert, clientKey, err := pki.Issue("diagnoses-client", nil, true)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		cfg  func() etcdsrc.Config
		want []string
		not  string // must not appear (a password)
		is   error
	}{
		{
			name: "nothing listens",
			cfg:  func() etcdsrc.Config { return config(closed) },
			want: []string{"etcd at " + closed + " refused the connection", "--endpoints", "ETCDCTL_ENDPOINTS"},
			is:   etcdsrc.ErrUnreachable,
		},
		{
			name: "nothing answers",
			cfg:  func() etcdsrc.Config { return config(silent) },
			want: []string{"etcd at " + silent + " accepted the connection but did not answer", "--endpoints", "ETCDCTL_ENDPOINTS", "--dial-timeout"},
			is:   etcdsrc.ErrUnreachable,
		},
		{
			name: "nothing listens, with a user",
			cfg: func() etcdsrc.Config {
				c := config(closed)
				c.User = "reader:readerpw"
				return c
			},
			want: []string{"refused the connection", "--endpoints"},
			not:  "readerpw",
			is:   etcdsrc.ErrUnreachable,
		},
		{
			name: "unknown authority: no CA given",
			cfg:  func() etcdsrc.Config { return config(mtlsEP) },
			want: []string{"certificate of etcd at " + mtlsEP + " is signed by an unknown authority", `"etcdscope-test"`, "--cacert"},
			is:   etcdsrc.ErrUnreachable,
		},
		{
			name: "unknown authority: another CA given",
			cfg: func() etcdsrc.Config {
				c := config(mtlsEP)
				c.CACert = otherCA.CAFile
				return c
			},
			want: []string{"signed by an unknown authority", "--cacert"},
			is:   etcdsrc.ErrUnreachable,
		},
		{
			name: "client certificate required",
			cfg: func() etcdsrc.Config {
				c := config(mtlsEP)
				c.CACert = pki.CAFile
				return c
			},
			want: []string{"etcd at " + mtlsEP + " requires a client certificate", "--cert and --key"},
			is:   etcdsrc.ErrUnreachable,
		},
		{
			name: "client certificate of another CA",
			cfg: func() etcdsrc.Config {
				c := config(mtlsEP)
				c.CACert = pki.CAFile
				c.Cert, c.Key = otherClientCert(t)
				return c
			},
			want: []string{"refused the client certificate", "--cert and --key"},
			is:   etcdsrc.ErrUnreachable,
		},
		{
			name: "certificate for another name",
			cfg: func() etcdsrc.Config {
				c := config(wrongEP)
				c.CACert = pki.CAFile
				return c
			},
			want: []string{"is for etcd.wrong.example, not 127.0.0.1", "--endpoints", "--insecure-skip-tls-verify"},
			is:   etcdsrc.ErrUnreachable,
		},
		{
			name: "plain text to a TLS port",
			cfg:  func() etcdsrc.Config { return config("http://" + host(wrongEP)) },
			want: []string{"expects TLS: use https://" + host(wrongEP), "--cacert"},
			is:   etcdsrc.ErrUnreachable,
		},
		{
			name: "TLS to a plain port, certificates given",
			cfg: func() etcdsrc.Config {
				c := config(host(plain))
				c.CACert = pki.CAFile
				return c
			},
			want: []string{"speaks plain text, not TLS: use http://" + host(plain)},
			is:   etcdsrc.ErrUnreachable,
		},
		{
			name: "TLS to a plain port, https endpoint",
			cfg:  func() etcdsrc.Config { return config("https://" + host(plain)) },
			want: []string{"speaks plain text, not TLS", "--insecure-transport"},
			is:   etcdsrc.ErrUnreachable,
		},
		{
			name: "wrong password",
			cfg: func() etcdsrc.Config {
				c := config(authEP)
				c.User = "reader:nope"
				return c
			},
			want: []string{`authentication failed for user "reader"`, "does not say which", "--user and --password"},
			not:  "nope",
		},
		{
			name: "unknown user",
			cfg: func() etcdsrc.Config {
				c := config(authEP)
				c.User, c.Password = "nobody", "secret-pw"
				return c
			},
			want: []string{`authentication failed for user "nobody"`, "does not exist or the password is wrong"},
			not:  "secret-pw",
		},
		{
			name: "no user",
			cfg:  func() etcdsrc.Config { return config(authEP) },
			want: []string{"requires authentication", "--user"},
			is:   etcdsrc.ErrAuthRequired,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg()
			// bcrypt under the race detector is slow: auth cases get time.
			limit := cfg.DialTimeout + time.Second
			if cfg.User != "" && !strings.Contains(tc.name, "nothing") {
				cfg.DialTimeout = 10 * time.Second
				limit = cfg.DialTimeout
			}
			start := time.Now()
			l, err := etcdsrc.NewLive(testCtx(t), cfg)
			took := time.Since(start)
			if err == nil {
				l.Close()
				t.Fatal("connected")
			}
			msg := err.Error()
			t.Logf("after %v: %s", took.Round(time.Millisecond), msg)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("lacks %q", w)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Error("not one line")
			}
			if tc.not != "" && strings.Contains(msg, tc.not) {
				t.Errorf("shows %q", tc.not)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("is not %v", tc.is)
			}
			if took > limit {
				t.Errorf("took %v, more than %v", took, limit)
			}
		})
	}

	// The same servers, with what the messages ask for, work.
	ok := []struct {
		name string
		cfg  etcdsrc.Config
	}{
		{"client certificate given", func() etcdsrc.Config {
			c := config(mtlsEP)
			c.CACert, c.Cert, c.Key = pki.CAFile, clientCert, clientKey
			return c
		}()},
		{"--insecure-skip-tls-verify", func() etcdsrc.Config {
			c := config(wrongEP)
			c.InsecureSkipTLSVerify = true
			return c
		}()},
		{"one dead endpoint of two", config(closed, plain)},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			l := live(t, tc.cfg)
			if _, err := l.Children(testCtx(t), "/", etcdsrc.ChildrenOptions{Limit: 1}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPermissionDenied: a user whose role may read only /allowed/ lists it,
// and is told, naming the prefix and the user, when it may not read one.
func TestPermissionDenied(t *testing.T) {
	cfg := config(auth.get(t).Endpoints()[0])
	cfg.User, cfg.Password = "reader", "readerpw"
	cfg.DialTimeout = 10 * time.Second // bcrypt
	l := live(t, cfg)
	ctx := testCtx(t)
	_, err := l.Children(ctx, "/secret/", etcdsrc.ChildrenOptions{})
	if !errors.Is(err, etcdsrc.ErrPermissionDenied) || !strings.Contains(err.Error(), `list "/secret/": permission denied`) || !strings.Contains(err.Error(), `"reader"`) {
		t.Errorf("listing a refused prefix: %v", err)
	}
	if _, err := l.Get(ctx, "/secret/b", 0); !errors.Is(err, etcdsrc.ErrPermissionDenied) || !strings.Contains(err.Error(), "/secret/b") {
		t.Errorf("reading a refused key: %v", err)
	}
	before := l.RoundTrips()
	page, err := l.Children(ctx, "/allowed/", etcdsrc.ChildrenOptions{})
	// One range: no stream that clientv3 would authenticate afresh.
	if n := l.RoundTrips() - before; n != 1 {
		t.Errorf("listing a one-child level as a user took %d RPCs, want 1", n)
	}
	if err != nil || len(page.Children) != 1 {
		t.Errorf("listing the allowed prefix: %+v, %v", page, err)
	}
	st, err := l.Status(ctx)
	if err != nil || st.Answering != 1 || !st.Members[0].Leader {
		t.Errorf("status as a read-only user: %+v, %v", st, err)
	}
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ep := ln.Addr().String()
	ln.Close()
	return ep
}

// silentPort is a loopback port whose listener never accepts: connections
// open (the kernel completes them) and nothing ever answers.
func silentPort(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String()
}

// otherClientCert is a client certificate the servers' CA did not sign.
func otherClientCert(t *testing.T) (string, string) {
	cert, key, err := otherCA.Issue("stranger", nil, true)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}
