package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/encryption"
	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/etcdsrc/snapshot"
)

// sourceFlags are the connection flags every verb shares: etcdctl's, with
// its ETCDCTL_* variables, plus --snapshot, --prefix-root and
// --encryption-config.
type sourceFlags struct {
	cfg              etcdsrc.Config
	consistency      string
	snapshot         string
	root             string
	encryptionConfig string
	debugLog         string
}

func newSourceFlags() *sourceFlags {
	return &sourceFlags{cfg: etcdsrc.DefaultConfig(), consistency: "l", root: decode.DefaultRoot}
}

func (f *sourceFlags) register(fs *pflag.FlagSet) {
	c := &f.cfg
	fs.StringSliceVar(&c.Endpoints, "endpoints", c.Endpoints, "gRPC endpoints of the etcd cluster (ETCDCTL_ENDPOINTS)")
	fs.StringVar(&c.CACert, "cacert", "", "verify the server's certificate with this CA bundle")
	fs.StringVar(&c.Cert, "cert", "", "client certificate for TLS")
	fs.StringVar(&c.Key, "key", "", "client key for TLS")
	fs.StringVar(&c.User, "user", "", "username[:password] for authentication")
	fs.StringVar(&c.Password, "password", "", "password for authentication (when --user has none)")
	fs.BoolVar(&c.InsecureSkipTLSVerify, "insecure-skip-tls-verify", false, "skip verification of the server's certificate")
	fs.BoolVar(&c.InsecureTransport, "insecure-transport", c.InsecureTransport, "allow plain-text connections (no TLS)")
	fs.DurationVar(&c.DialTimeout, "dial-timeout", c.DialTimeout, "how long to wait for a connection")
	fs.DurationVar(&c.CommandTimeout, "command-timeout", c.CommandTimeout, "how long one request may take")
	fs.DurationVar(&c.KeepAliveTime, "keepalive-time", c.KeepAliveTime, "keepalive ping interval")
	fs.DurationVar(&c.KeepAliveTimeout, "keepalive-timeout", c.KeepAliveTimeout, "keepalive ping timeout")
	fs.IntVar(&c.MaxRecvBytes, "max-recv-bytes", c.MaxRecvBytes, "largest response the client accepts (0: no limit)")
	fs.StringVar(&f.consistency, "consistency", f.consistency, "read consistency: l (linearizable) or s (serializable, works without quorum)")
	fs.StringVar(&f.snapshot, "snapshot", "", "browse an etcd snapshot or db file offline instead of a live cluster")
	fs.StringVar(&f.root, "prefix-root", f.root, "the key prefix kube-apiserver stores under (its --etcd-prefix)")
	fs.StringVar(&f.encryptionConfig, "encryption-config", "", "kube-apiserver EncryptionConfiguration to decrypt values with")
	fs.StringVar(&f.debugLog, "debug", "", "write a log of what the explorer does to this file (never values or credentials)")
}

// resolve applies ETCDCTL_* variables to every flag not given on the
// command line and checks the values.
func (f *sourceFlags) resolve(cmd *cobra.Command, getenv func(string) string) error {
	flags := cmd.Flags()
	if err := f.cfg.FromEnv(getenv, flags.Changed); err != nil {
		return err
	}
	if !flags.Changed("consistency") {
		if v := getenv("ETCDCTL_CONSISTENCY"); v != "" {
			f.consistency = v
		}
	}
	switch f.consistency {
	case "l":
		f.cfg.Serializable = false
	case "s":
		f.cfg.Serializable = true
	default:
		return fmt.Errorf("--consistency must be l or s, not %q", f.consistency)
	}
	if f.root != "/" {
		f.root = strings.TrimSuffix(f.root, "/")
	}
	if !strings.HasPrefix(f.root, "/") {
		return fmt.Errorf("--prefix-root must start with /, not %q", f.root)
	}
	return nil
}

// open builds the Source the flags name and a title for it. Indexing a
// large snapshot takes seconds: progress, when not nil, hears how far it got.
// A lenient open returns a live source even when the cluster does not
// answer yet.
func (f *sourceFlags) open(ctx context.Context, progress func(done, total int64), lenient bool) (etcdsrc.Source, string, error) {
	if f.snapshot != "" {
		snap, err := snapshot.OpenWithOptions(ctx, f.snapshot, snapshot.Options{Progress: progress})
		if err != nil {
			return nil, "", err
		}
		return snap, f.snapshot, nil
	}
	live, err := etcdsrc.NewLive(ctx, f.cfg)
	if err != nil && lenient && errors.Is(err, etcdsrc.ErrUnreachable) {
		// The explorer opens anyway: it shows the cluster as unreachable
		// and keeps trying, rather than exiting before a screen is seen.
		// Refused credentials or a bad config do not mend by waiting.
		live, err = etcdsrc.Dial(f.cfg)
	}
	if err != nil {
		return nil, "", err
	}
	return live, strings.Join(f.cfg.Endpoints, ","), nil
}

// decoder builds the value decoder, with decryption when a config is given.
func (f *sourceFlags) decoder() (*decode.Decoder, error) {
	opts := []decode.Option{decode.WithRoot(f.root)}
	if f.encryptionConfig != "" {
		cfg, err := encryption.LoadConfig(f.encryptionConfig)
		if err != nil {
			return nil, err
		}
		opts = append(opts, decode.WithDecrypter(cfg.WithPrefixRoot(f.root)))
	}
	return decode.NewDecoder(opts...), nil
}
