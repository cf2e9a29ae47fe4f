package etcdsrc

import (
	"crypto/tls"
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// Config says how to reach etcd. Its fields and defaults are etcdctl's, so
// the same flags and ETCDCTL_* variables work for both tools.
type Config struct {
	// Endpoints are the client URLs (host:port or http(s)://host:port).
	Endpoints []string
	// CACert, Cert and Key are PEM files: the CA bundle that verifies the
	// server, and the client certificate and key.
	CACert, Cert, Key string
	// User is "name" or, as etcdctl's --user, "name:password".
	User string
	// Password, when given, makes User the whole user name.
	Password string
	// InsecureSkipTLSVerify accepts any server certificate.
	InsecureSkipTLSVerify bool
	// InsecureTransport allows plain-text connections when no TLS file is
	// given (etcdctl's default); false asks for TLS with the system roots.
	InsecureTransport bool
	// DialTimeout bounds the first connection; CommandTimeout each request.
	DialTimeout, CommandTimeout time.Duration
	// KeepAliveTime and KeepAliveTimeout drive gRPC keep-alive pings.
	KeepAliveTime, KeepAliveTimeout time.Duration
	// MaxRecvBytes caps one response; 0 keeps the client's default.
	MaxRecvBytes int
	// Serializable reads from the member the client talks to without a
	// quorum round (etcdctl --consistency s): faster, maybe stale, and
	// still working when quorum is lost.
	Serializable bool
}

// DefaultConfig returns etcdctl's defaults.
func DefaultConfig() Config {
	return Config{
		Endpoints:         []string{"127.0.0.1:2379"},
		InsecureTransport: true,
		DialTimeout:       2 * time.Second,
		CommandTimeout:    5 * time.Second,
		KeepAliveTime:     2 * time.Second,
		KeepAliveTimeout:  6 * time.Second,
	}
}

// FromEnv fills c from the ETCDCTL_* environment variables read through
// getenv, skipping every field whose flag isSet reports as given on the
// command line (flag names as etcdctl's: "endpoints", "dial-timeout", …),
// because a flag wins over the environment. A malformed value is an error
// naming the variable.
func (c *Config) FromEnv(getenv func(string) string, isSet func(flag string) bool) error {
	if isSet == nil {
		isSet = func(string) bool { return false }
	}
	// lookup returns the variable for flag when the flag was not given.
	lookup := func(flag string) (name, val string, ok bool) {
		name = "ETCDCTL_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
		if isSet(flag) {
			return name, "", false
		}
		val = getenv(name)
		return name, val, val != ""
	}
	str := func(flag string, dst *string) {
		if _, v, ok := lookup(flag); ok {
			*dst = v
		}
	}
	boolean := func(flag string, dst *bool) error {
		name, v, ok := lookup(flag)
		if !ok {
			return nil
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s=%q: not a boolean (true or false)", name, v)
		}
		*dst = b
		return nil
	}
	duration := func(flag string, dst *time.Duration) error {
		name, v, ok := lookup(flag)
		if !ok {
			return nil
		}
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return fmt.Errorf("%s=%q: not a duration such as 2s or 500ms", name, v)
		}
		*dst = d
		return nil
	}

	if name, v, ok := lookup("endpoints"); ok {
		var eps []string
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" {
				eps = append(eps, e)
			}
		}
		if len(eps) == 0 {
			return fmt.Errorf("%s=%q: no endpoint in it", name, v)
		}
		c.Endpoints = eps
	}
	str("cacert", &c.CACert)
	str("cert", &c.Cert)
	str("key", &c.Key)
	str("user", &c.User)
	str("password", &c.Password)
	for _, b := range []struct {
		flag string
		dst  *bool
	}{
		{"insecure-skip-tls-verify", &c.InsecureSkipTLSVerify},
		{"insecure-transport", &c.InsecureTransport},
	} {
		if err := boolean(b.flag, b.dst); err != nil {
			return err
		}
	}
	for _, d := range []struct {
		flag string
		dst  *time.Duration
	}{
		{"dial-timeout", &c.DialTimeout},
		{"command-timeout", &c.CommandTimeout},
		{"keepalive-time", &c.KeepAliveTime},
		{"keepalive-timeout", &c.KeepAliveTimeout},
	} {
		if err := duration(d.flag, d.dst); err != nil {
			return err
		}
	}
	if name, v, ok := lookup("max-recv-bytes"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fmt.Errorf("%s=%q: not a byte count", name, v)
		}
		c.MaxRecvBytes = n
	}
	if name, v, ok := lookup("consistency"); ok {
		s, err := parseConsistency(v)
		if err != nil {
			return fmt.Errorf("%s=%q: %w", name, v, err)
		}
		c.Serializable = s
	}
	return nil
}

// ParseConsistency reads etcdctl's --consistency value: "l" (linearizable)
// or "s" (serializable); it returns true for serializable.
func ParseConsistency(v string) (bool, error) { return parseConsistency(v) }

func parseConsistency(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "l":
		return false, nil
	case "s":
		return true, nil
	}
	return false, fmt.Errorf("consistency must be l (linearizable) or s (serializable)")
}

// credentials splits User as etcdctl does: with Password given, User is
// the whole name; otherwise "name:password".
func (c *Config) credentials() (user, password string, err error) {
	if c.User == "" {
		if c.Password != "" {
			return "", "", fmt.Errorf("a password was given without a user: give --user too")
		}
		return "", "", nil
	}
	if c.Password != "" {
		return c.User, c.Password, nil
	}
	name, pass, ok := strings.Cut(c.User, ":")
	if !ok || pass == "" {
		return "", "", fmt.Errorf("no password for etcd user %q: give --user name:password or --password", c.User)
	}
	return name, pass, nil
}

// tlsConfig builds the client TLS settings the way etcdctl does: files
// given mean TLS; no files and InsecureTransport false mean TLS with the
// system roots; InsecureSkipTLSVerify turns verification off.
func (c *Config) tlsConfig() (*tls.Config, error) {
	var cfg *tls.Config
	if c.CACert != "" || c.Cert != "" || c.Key != "" {
		if (c.Cert == "") != (c.Key == "") {
			return nil, fmt.Errorf("tls: --cert and --key must be given together")
		}
		info := transport.TLSInfo{CertFile: c.Cert, KeyFile: c.Key, TrustedCAFile: c.CACert}
		t, err := info.ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("tls: %w", err)
		}
		cfg = t
	}
	if cfg == nil && !c.InsecureTransport {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if c.InsecureSkipTLSVerify {
		if cfg == nil {
			cfg = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		cfg.InsecureSkipVerify = true
	}
	return cfg, nil
}

// clientConfig turns c into the clientv3 configuration.
func (c *Config) clientConfig() (clientv3.Config, error) {
	if len(c.Endpoints) == 0 {
		return clientv3.Config{}, fmt.Errorf("no etcd endpoint given: set --endpoints")
	}
	user, pass, err := c.credentials()
	if err != nil {
		return clientv3.Config{}, err
	}
	t, err := c.tlsConfig()
	if err != nil {
		return clientv3.Config{}, err
	}
	return clientv3.Config{
		Endpoints:            c.Endpoints,
		DialTimeout:          c.DialTimeout,
		DialKeepAliveTime:    c.KeepAliveTime,
		DialKeepAliveTimeout: c.KeepAliveTimeout,
		MaxCallRecvMsgSize:   c.MaxRecvBytes,
		TLS:                  t,
		Username:             user,
		Password:             pass,
		// The client logs to stderr by default, which would tear the TUI;
		// errors reach the caller as values instead.
		Logger: zap.NewNop(),
	}, nil
}
