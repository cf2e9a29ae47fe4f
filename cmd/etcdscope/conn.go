package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/encryption"
	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/etcdsrc/snapshot"
)

// sourceFlags are the connection flags every verb shares: etcdctl's, with
// its ETCDCTL_* variables, plus --snapshot, --prefix-root,
// --encryption-config and --apiserver-manifest.
type sourceFlags struct {
	cfg              etcdsrc.Config
	consistency      string
	snapshot         string
	roots            []string
	encryptionConfig string
	debugLog         string
	// manifest is --apiserver-manifest; defaultManifest the file read
	// when it is given without a value, or when no endpoint is given.
	manifest        string
	defaultManifest string

	// Set by resolve: rootsGiven says --prefix-root (or the manifest's
	// --etcd-prefix) named the roots, so none is looked for in the data;
	// fromManifest is the manifest the connection was read from ("":
	// none), manifestImplicit that it was read without being asked for.
	rootsGiven             bool
	fromManifest           string
	manifestImplicit       bool
	encryptionFromManifest bool
	// unreachable says a lenient open dialled a cluster that did not
	// answer: nothing is asked of it before the explorer shows that.
	unreachable bool
	// encryption is the loaded --encryption-config, shared by the
	// decoders of every root.
	encryption *encryption.Config
}

// defaultManifestPath is where kubeadm writes kube-apiserver's static Pod.
const defaultManifestPath = "/etc/kubernetes/manifests/kube-apiserver.yaml"

// manifestDefaultWord is what --apiserver-manifest given alone holds: the
// default manifest (./default names a file called so).
const manifestDefaultWord = "default"

func newSourceFlags() *sourceFlags {
	return &sourceFlags{cfg: etcdsrc.DefaultConfig(), consistency: "l", roots: []string{decode.DefaultRoot}, defaultManifest: defaultManifestPath}
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
	fs.StringArrayVar(&f.roots, "prefix-root", f.roots, "the key prefix kube-apiserver stores under (its --etcd-prefix); repeat it for several (OpenShift: /kubernetes.io and /openshift.io)")
	fs.StringVar(&f.encryptionConfig, "encryption-config", "", "kube-apiserver EncryptionConfiguration to decrypt values with")
	fs.StringVar(&f.manifest, "apiserver-manifest", "", "read the etcd endpoints, TLS files, prefix and encryption config from kube-apiserver's static Pod manifest: --apiserver-manifest=FILE, or alone for "+f.defaultManifest+" (read unasked when no endpoint is given)")
	// Given alone, the flag reads the default path; a short word stands
	// for it so that the help's flag column stays narrow.
	fs.Lookup("apiserver-manifest").NoOptDefVal = manifestDefaultWord
	fs.StringVar(&f.debugLog, "debug", "", "write a log of what the explorer does to this file (never values or credentials)")
}

// resolve applies ETCDCTL_* variables and kube-apiserver's manifest to
// every flag not given on the command line and checks the values. A flag
// given wins; then a manifest asked for with --apiserver-manifest; then
// ETCDCTL_*; then the default manifest, read when no endpoint is given by
// flag or variable and the file is readable (said on errOut).
func (f *sourceFlags) resolve(cmd *cobra.Command, getenv func(string) string, errOut io.Writer) error {
	flags := cmd.Flags()
	explicit := flags.Changed("apiserver-manifest")
	var m *apiserverManifest
	if explicit {
		if f.manifest == manifestDefaultWord {
			f.manifest = f.defaultManifest
		}
		var err error
		if m, err = readAPIServerManifest(f.manifest); err != nil {
			return err
		}
	} else if f.snapshot == "" && !flags.Changed("endpoints") && getenv("ETCDCTL_ENDPOINTS") == "" {
		m = f.implicitManifest(errOut)
	}
	if m != nil && !explicit {
		f.applyManifest(m, flags.Changed)
	}
	if err := f.cfg.FromEnv(getenv, flags.Changed); err != nil {
		return err
	}
	if m != nil && explicit {
		f.applyManifest(m, flags.Changed)
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
	if flags.Changed("prefix-root") {
		f.rootsGiven = true
	}
	return f.normalizeRoots()
}

// normalizeRoots checks the roots and writes them as keys start with
// them: "/registry/" is "/registry"; a root given twice counts once.
func (f *sourceFlags) normalizeRoots() error {
	var roots []string
	for _, r := range f.roots {
		if !strings.HasPrefix(r, "/") {
			return fmt.Errorf("--prefix-root must start with /, not %q", r)
		}
		if r != "/" {
			r = strings.TrimRight(r, "/")
			if r == "" {
				r = "/"
			}
		}
		if !slices.Contains(roots, r) {
			roots = append(roots, r)
		}
	}
	if len(roots) == 0 {
		roots = []string{decode.DefaultRoot}
	}
	f.roots = roots
	return nil
}

// implicitManifest reads the default manifest when it is there and
// readable, and says so; nil when it is not (not a word then: most
// machines have none, and only root reads a control-plane node's), or
// when it does not name etcd (said as a note).
func (f *sourceFlags) implicitManifest(errOut io.Writer) *apiserverManifest {
	if f.defaultManifest == "" {
		return nil
	}
	file, err := os.Open(f.defaultManifest)
	if err != nil {
		return nil
	}
	file.Close()
	m, err := readAPIServerManifest(f.defaultManifest)
	if err != nil {
		fmt.Fprintf(errOut, "etcdscope: note: not using %v\n", err)
		return nil
	}
	f.manifestImplicit = true
	fmt.Fprintf(errOut, "etcdscope: no endpoint given: connecting as %s says (%s)\n", f.defaultManifest, m.summary())
	return m
}

// applyManifest sets from m every flag that isSet does not report given.
func (f *sourceFlags) applyManifest(m *apiserverManifest, isSet func(string) bool) {
	f.fromManifest = m.path
	set := func(flag, v string, dst *string) {
		if v != "" && !isSet(flag) {
			*dst = v
		}
	}
	if len(m.endpoints) > 0 && !isSet("endpoints") {
		f.cfg.Endpoints = m.endpoints
	}
	set("cacert", m.caFile, &f.cfg.CACert)
	set("cert", m.certFile, &f.cfg.Cert)
	set("key", m.keyFile, &f.cfg.Key)
	if m.encryptionConfig != "" && !isSet("encryption-config") {
		f.encryptionConfig, f.encryptionFromManifest = m.encryptionConfig, true
	}
	if m.prefix != "" && !isSet("prefix-root") {
		f.roots = []string{m.prefix}
		f.rootsGiven = true
	}
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
		f.unreachable = err == nil
	}
	if err != nil {
		return nil, "", err
	}
	return live, strings.Join(f.cfg.Endpoints, ","), nil
}

// decoder builds the value decoder of keys under root, with decryption
// when a config is given (loaded once for every root).
func (f *sourceFlags) decoder(root string) (*decode.Decoder, error) {
	opts := []decode.Option{decode.WithRoot(root)}
	if f.encryptionConfig != "" {
		if f.encryption == nil {
			cfg, err := encryption.LoadConfig(f.encryptionConfig)
			if err != nil {
				if f.encryptionFromManifest {
					return nil, fmt.Errorf("%w (named by --encryption-provider-config in %s)", err, f.fromManifest)
				}
				return nil, err
			}
			f.encryption = cfg
		}
		opts = append(opts, decode.WithDecrypter(f.encryption.WithPrefixRoot(root)))
	}
	return decode.NewDecoder(opts...), nil
}
