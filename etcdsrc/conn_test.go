package etcdsrc

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

func TestConfigFromEnv(t *testing.T) {
	full := map[string]string{
		"ETCDCTL_ENDPOINTS":                "https://a:2379, https://b:2379",
		"ETCDCTL_CACERT":                   "/ca.pem",
		"ETCDCTL_CERT":                     "/c.pem",
		"ETCDCTL_KEY":                      "/k.pem",
		"ETCDCTL_USER":                     "root:pw",
		"ETCDCTL_PASSWORD":                 "",
		"ETCDCTL_INSECURE_SKIP_TLS_VERIFY": "true",
		"ETCDCTL_INSECURE_TRANSPORT":       "false",
		"ETCDCTL_DIAL_TIMEOUT":             "3s",
		"ETCDCTL_COMMAND_TIMEOUT":          "1m",
		"ETCDCTL_KEEPALIVE_TIME":           "4s",
		"ETCDCTL_KEEPALIVE_TIMEOUT":        "9s",
		"ETCDCTL_MAX_RECV_BYTES":           "1048576",
		"ETCDCTL_CONSISTENCY":              "s",
	}
	tests := []struct {
		name    string
		env     map[string]string
		set     []string
		want    func(*Config)
		wantErr string
	}{
		{name: "empty environment keeps defaults", env: nil, want: func(*Config) {}},
		{name: "every variable", env: full, want: func(c *Config) {
			c.Endpoints = []string{"https://a:2379", "https://b:2379"}
			c.CACert, c.Cert, c.Key, c.User = "/ca.pem", "/c.pem", "/k.pem", "root:pw"
			c.InsecureSkipTLSVerify, c.InsecureTransport = true, false
			c.DialTimeout, c.CommandTimeout = 3*time.Second, time.Minute
			c.KeepAliveTime, c.KeepAliveTimeout = 4*time.Second, 9*time.Second
			c.MaxRecvBytes, c.Serializable = 1<<20, true
		}},
		{name: "a flag given wins", env: full, set: []string{"endpoints", "dial-timeout", "consistency", "user"}, want: func(c *Config) {
			c.CACert, c.Cert, c.Key = "/ca.pem", "/c.pem", "/k.pem"
			c.InsecureSkipTLSVerify, c.InsecureTransport = true, false
			c.CommandTimeout = time.Minute
			c.KeepAliveTime, c.KeepAliveTimeout = 4*time.Second, 9*time.Second
			c.MaxRecvBytes = 1 << 20
		}},
		{name: "bad duration", env: map[string]string{"ETCDCTL_DIAL_TIMEOUT": "soon"}, wantErr: "ETCDCTL_DIAL_TIMEOUT"},
		{name: "bad boolean", env: map[string]string{"ETCDCTL_INSECURE_TRANSPORT": "maybe"}, wantErr: "ETCDCTL_INSECURE_TRANSPORT"},
		{name: "bad consistency", env: map[string]string{"ETCDCTL_CONSISTENCY": "x"}, wantErr: "ETCDCTL_CONSISTENCY"},
		{name: "bad byte count", env: map[string]string{"ETCDCTL_MAX_RECV_BYTES": "-1"}, wantErr: "ETCDCTL_MAX_RECV_BYTES"},
		{name: "no endpoint", env: map[string]string{"ETCDCTL_ENDPOINTS": " , "}, wantErr: "ETCDCTL_ENDPOINTS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig()
			set := map[string]bool{}
			for _, f := range tc.set {
				set[f] = true
			}
			err := c.FromEnv(func(k string) string { return tc.env[k] }, func(f string) bool { return set[f] })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := DefaultConfig()
			tc.want(&want)
			if !reflect.DeepEqual(c, want) {
				t.Errorf("got  %+v\nwant %+v", c, want)
			}
		})
	}
}

func TestCredentials(t *testing.T) {
	for _, tc := range []struct {
		user, password, wantUser, wantPass, wantErr string
	}{
		{user: "root:secret", wantUser: "root", wantPass: "secret"},
		{user: "root", password: "a:b", wantUser: "root", wantPass: "a:b"},
		{user: "odd:name", password: "pw", wantUser: "odd:name", wantPass: "pw"},
		{user: "root", wantErr: "no password"},
		{password: "pw", wantErr: "without a user"},
		{},
	} {
		c := Config{User: tc.user, Password: tc.password}
		u, p, err := c.credentials()
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%+v: error %v, want %q", c, err, tc.wantErr)
			}
			continue
		}
		if err != nil || u != tc.wantUser || p != tc.wantPass {
			t.Errorf("%+v: %q %q %v", c, u, p, err)
		}
	}
}

func TestNewLiveUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ep := l.Addr().String()
	l.Close() // nothing listens there now
	cfg := DefaultConfig()
	cfg.Endpoints = []string{ep}
	cfg.DialTimeout = 300 * time.Millisecond
	_, err = NewLive(testCtx(t), cfg)
	if err == nil {
		t.Fatal("NewLive to a closed port succeeded")
	}
	msg := err.Error()
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("error %v is not ErrUnreachable", err)
	}
	for _, want := range []string{"refused the connection", ep, "--endpoints", "ETCDCTL_ENDPOINTS"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error is not one line: %q", msg)
	}
}

// TestNewLiveNotGRPC: an endpoint whose server answers HTTP/2 with a plain
// HTTP status (a proxy or another service on the port) is said not to be
// etcd, with the status, not as gRPC's raw error; a verb's read
// through a client that did not check, and a member's status, say the same.
func TestNewLiveNotGRPC(t *testing.T) {
	for _, code := range []int{http.StatusNotFound, http.StatusServiceUnavailable} {
		t.Run(http.StatusText(code), func(t *testing.T) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			var h2c http.Protocols // HTTP/2 without TLS, as gRPC speaks it to http://
			h2c.SetUnencryptedHTTP2(true)
			srv := &http.Server{Protocols: &h2c, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(code)
			})}
			go srv.Serve(l)
			t.Cleanup(func() { srv.Close() })
			cfg := DefaultConfig()
			cfg.Endpoints = []string{"http://" + l.Addr().String()}
			cfg.DialTimeout = time.Second
			_, err = NewLive(testCtx(t), cfg)
			want := []string{fmt.Sprintf("HTTP %d", code), "not etcd", l.Addr().String(), "--endpoints"}
			checkMsg := func(what string, err error) {
				t.Helper()
				if err == nil {
					t.Fatalf("%s succeeded against a server that is not etcd", what)
				}
				for _, w := range want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s: error %q lacks %q", what, err, w)
					}
				}
				if !errors.Is(err, ErrUnreachable) || strings.Contains(err.Error(), "\n") {
					t.Errorf("%s: error %q is not one line of ErrUnreachable", what, err)
				}
			}
			checkMsg("NewLive", err)
			d, err := Dial(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			_, err = d.Get(testCtx(t), "/registry/pods/a", 0)
			checkMsg("Get", err)
			if code == http.StatusServiceUnavailable {
				return // gRPC retries it: a member's status just times out
			}
			// The explorer's status line tells it from the member's status.
			st, err := d.Status(testCtx(t))
			if err != nil || len(st.Members) != 1 {
				t.Fatalf("status: %+v, %v", st, err)
			}
			checkMsg("Status", st.Members[0].Err)
		})
	}
}

// TestAuth enables authentication on the shared server for its duration:
// root, and a user who may read only /authz/pods/.
func TestAuth(t *testing.T) {
	ctx := testCtx(t)
	mustPut(t, srvCli, "/authz/pods/shop/web", "pod")
	mustPut(t, srvCli, "/authz/secrets/shop/db", "secret")
	steps := []func() error{
		func() error { _, err := srvCli.UserAdd(ctx, "root", "rootpw"); return err },
		func() error { _, err := srvCli.UserGrantRole(ctx, "root", "root"); return err },
		func() error { _, err := srvCli.RoleAdd(ctx, "pods-reader"); return err },
		func() error {
			_, err := srvCli.RoleGrantPermission(ctx, "pods-reader", "/authz/pods/", "/authz/pods0", clientv3.PermissionType(clientv3.PermRead))
			return err
		},
		func() error { _, err := srvCli.UserAdd(ctx, "reader", "readerpw"); return err },
		func() error { _, err := srvCli.UserGrantRole(ctx, "reader", "pods-reader"); return err },
		func() error { _, err := srvCli.AuthEnable(ctx); return err },
	}
	for i, s := range steps {
		if err := s(); err != nil {
			t.Fatalf("auth setup step %d: %v", i, err)
		}
	}
	t.Cleanup(func() {
		root, err := clientv3.New(clientv3.Config{Endpoints: srv.Endpoints(), Username: "root", Password: "rootpw"})
		if err != nil {
			t.Errorf("root client: %v", err)
			return
		}
		defer root.Close()
		if _, err := root.AuthDisable(ctx); err != nil {
			t.Errorf("disable auth: %v", err)
		}
		root.UserDelete(ctx, "reader")
		root.UserDelete(ctx, "root")
		root.RoleDelete(ctx, "pods-reader")
	})

	cfg := DefaultConfig()
	cfg.Endpoints = srv.Endpoints()
	// etcd checks passwords with bcrypt: slow on a busy machine or under
	// the race detector.
	cfg.DialTimeout = 15 * time.Second

	t.Run("wrong password", func(t *testing.T) {
		c := cfg
		c.User = "reader:nope"
		_, err := NewLive(ctx, c)
		if err == nil || !strings.Contains(err.Error(), `authentication failed for user "reader"`) || strings.Contains(err.Error(), "nope") {
			t.Fatalf("wrong password: %v", err)
		}
	})

	t.Run("no user", func(t *testing.T) {
		_, err := NewLive(ctx, cfg)
		if !errors.Is(err, ErrAuthRequired) || !strings.Contains(err.Error(), "give --user") {
			t.Errorf("connecting without a user: %v", err)
		}
	})

	t.Run("permission denied", func(t *testing.T) {
		c := cfg
		c.User, c.Password = "reader", "readerpw"
		l, err := NewLive(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		_, err = l.Children(ctx, "/authz/", ChildrenOptions{})
		if !errors.Is(err, ErrPermissionDenied) || !strings.Contains(err.Error(), `list "/authz/": permission denied`) {
			t.Errorf("listing a refused prefix: %v", err)
		}
		if _, err := l.Get(ctx, "/authz/secrets/shop/db", 0); !errors.Is(err, ErrPermissionDenied) || !strings.Contains(err.Error(), "/authz/secrets/shop/db") {
			t.Errorf("reading a refused key: %v", err)
		}
		page, err := l.Children(ctx, "/authz/pods/", ChildrenOptions{})
		if err != nil || len(page.Children) != 1 || page.Children[0].Key != "/authz/pods/shop/" {
			t.Fatalf("listing the allowed prefix: %+v, %v", page, err)
		}
		kv, err := l.Get(ctx, "/authz/pods/shop/web", 0)
		if err != nil || string(kv.Value) != "pod" {
			t.Errorf("reading an allowed key: %+v, %v", kv, err)
		}
		if n, err := l.Count(ctx, "/authz/pods/", 0); err != nil || n != 1 {
			t.Errorf("Count of the allowed prefix: %d, %v", n, err)
		}
		counts := CountAll(ctx, l, []string{"/authz/pods/", "/authz/secrets/"}, 0)
		if counts[0].Err != nil || counts[0].Count != 1 || !errors.Is(counts[1].Err, ErrPermissionDenied) {
			t.Errorf("CountAll over an allowed and a refused prefix: %+v", counts)
		}
	})

	t.Run("follow a refused prefix", func(t *testing.T) {
		c := cfg
		c.User, c.Password = "reader", "readerpw"
		l, err := NewLive(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		// The keys-only listing a follow starts from is refused at once.
		if _, err := Follow(ctx, l, "/authz/", FollowOptions{}); !errors.Is(err, ErrPermissionDenied) {
			t.Errorf("Follow of a refused prefix: %v", err)
		}
		// Without it, the watch is refused: one fatal error, then the end.
		ch, err := Follow(ctx, l, "/authz/secrets/", FollowOptions{StopAtCompaction: true})
		if err != nil {
			t.Fatal(err)
		}
		ev, ok := <-ch
		if !ok || ev.Type != EventError || ev.Transient || !errors.Is(ev.Err, ErrPermissionDenied) || !strings.Contains(ev.Err.Error(), "/authz/secrets/") {
			t.Fatalf("first event %+v, want a fatal permission error naming the prefix", ev)
		}
		if ev, ok := <-ch; ok {
			t.Fatalf("the follow goes on after a fatal error: %+v", ev)
		}
		// An allowed prefix follows.
		ch, err = Follow(ctx, l, "/authz/pods/", FollowOptions{})
		if err != nil {
			t.Fatal(err)
		}
		quiet(t, ch)
	})
}
