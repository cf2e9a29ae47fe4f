package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// app is what every command shares: where it reads and writes, the
// environment, and the connection flags.
type app struct {
	in     io.Reader
	out    io.Writer
	errOut io.Writer
	getenv func(string) string
	src    *sourceFlags
	// progress, when set, hears how far indexing a snapshot got.
	progress func(done, total int64)
	// lenient opens a live source even when the cluster does not answer
	// yet: the explorer shows that and retries.
	lenient bool
	// defaultRoot and defaultManifest, when set, stand for /registry and
	// kube-apiserver's manifest path (tests point them elsewhere).
	defaultRoot, defaultManifest string
	// rev is --rev of the explorer and of every read verb but watch (whose
	// --rev is where it starts): read as of this revision, 0 now.
	rev int64
	// tty opens the terminal the explorer reads q and ctrl-c from before
	// its screen opens (nil: openTTY; tests give a pseudo-terminal).
	tty func() *os.File
}

// addRevFlag gives cmd the --rev that reads as of a revision.
func (a *app) addRevFlag(cmd *cobra.Command) {
	cmd.Flags().Int64Var(&a.rev, "rev", 0, "read as of this revision (default: the current one); a compacted one is an error naming the oldest left")
}

func newRootCmd(a *app) *cobra.Command {
	a.src = newSourceFlags()
	if a.defaultRoot != "" {
		a.src.roots = []string{a.defaultRoot}
	}
	if a.defaultManifest != "" {
		a.src.defaultManifest = a.defaultManifest
	}
	root := &cobra.Command{
		Use:   "etcdscope",
		Short: "Explore the Kubernetes data kube-apiserver keeps in etcd",
		Long: "etcdscope explores the Kubernetes objects kube-apiserver stores in etcd:\n" +
			"browse /registry as a tree, decode any value (protobuf, JSON, CBOR,\n" +
			"encrypted) to YAML or JSON, watch a prefix, find objects by kind and\n" +
			"read an object's history, live or from a snapshot file. It never writes.\n\n" +
			"Connection flags are etcdctl's, and so are their ETCDCTL_* variables.",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.runTUI(cmd)
		},
	}
	root.SetIn(a.in)
	root.SetOut(a.out)
	root.SetErr(a.errOut)
	a.src.register(root.PersistentFlags())
	a.addRevFlag(root)
	root.AddCommand(
		newVersionCmd(a),
		newDecodeCmd(a),
		newLsCmd(a),
		newGetCmd(a),
		newHistoryCmd(a),
		newWatchCmd(a),
		newFindCmd(a),
		newStatsCmd(a),
		newDeletedCmd(a),
		newDemoCmd(a),
	)
	return root
}

// session is an open source with the decoders and roots that go with it.
type session struct {
	src   etcdsrc.Source
	title string
	// root and decoder are the first root's: the one a verb reads when
	// it reads one root, and the decoder of keys under no root.
	root    string
	decoder *decode.Decoder
	// roots are every root the data is read under, in the order given;
	// rootsDetected says they were found in the data (the root given or
	// defaulted was empty), which is worth saying wherever they show.
	roots         []string
	rootsDetected bool
	// decoders holds each root's decoder (the root decides how a key's
	// resource is told, for decryption and for values that tell no kind).
	decoders map[string]*decode.Decoder
	// rev is --rev: the revision every read is made at (0: now).
	rev int64
	// manifest is the kube-apiserver manifest the connection was read
	// from ("": none); manifestImplicit says it was read unasked.
	manifest         string
	manifestImplicit bool
}

// rootDir is the root prefix as a directory: "/registry/", or "/" for a
// root of "/".
func (s *session) rootDir() string { return dirPrefix(s.root) }

// rootOf is the root key lies under (the longest, when roots nest), or
// the first root when it lies under none.
func (s *session) rootOf(key string) string { return rootOf(s.roots, key) }

// rootOf is the root of roots key lies under (the longest, when roots
// nest), or the first when it lies under none.
func rootOf(roots []string, key string) string {
	best := ""
	for _, r := range roots {
		if (key == r || strings.HasPrefix(key, dirPrefix(r))) && len(r) > len(best) {
			best = r
		}
	}
	if best == "" {
		return roots[0]
	}
	return best
}

// decoderFor is the decoder of the root key lies under: one of the
// session's roots or, when none was given, a well-known one.
func (s *session) decoderFor(key string) *decode.Decoder {
	r := s.rootOf(key)
	if !strings.HasPrefix(key, dirPrefix(r)) {
		for _, w := range wellKnownRoots {
			if strings.HasPrefix(key, dirPrefix(w)) {
				r = w
			}
		}
	}
	if d, ok := s.decoders[r]; ok {
		return d
	}
	return s.decoder
}

// decode decodes a key's value with the decoder of its root.
func (s *session) decode(kv etcdsrc.KeyValue) decode.Value {
	return s.decoderFor(kv.Key).Decode(kv.Key, kv.Value, kv.Meta())
}

// at is the session reading one of its roots: root and decoder are that
// root's.
func (s *session) at(root string) *session {
	c := *s
	c.root = root
	c.decoder = s.decoderFor(dirPrefix(root))
	return &c
}

// openSession resolves the connection flags, opens the source, checks
// --rev against it and finds the roots the data lies under.
func (a *app) openSession(cmd *cobra.Command) (*session, error) {
	if err := a.src.resolve(cmd, a.getenv, a.errOut); err != nil {
		return nil, err
	}
	ctx := cmd.Context()
	src, title, err := a.src.open(ctx, a.progress, a.lenient)
	if err != nil {
		return nil, err
	}
	s := &session{src: src, title: title, rev: a.rev, manifest: a.src.fromManifest, manifestImplicit: a.src.manifestImplicit}
	if err := a.startSession(ctx, s); err != nil {
		src.Close()
		return nil, err
	}
	return s, nil
}

// startSession checks --rev and builds the decoders of the roots: those
// given, and, when none was, the well-known ones too, so that a key under
// them decodes as its API server wrote it without a look at the data.
func (a *app) startSession(ctx context.Context, s *session) error {
	if a.rev < 0 {
		return fmt.Errorf("--rev must be a revision (1 or more), not %d", a.rev)
	}
	s.roots = a.src.roots
	if !a.src.unreachable {
		if err := etcdsrc.CheckRevision(ctx, s.src, a.rev); err != nil {
			return fmt.Errorf("--rev %d: %w", a.rev, err)
		}
	}
	roots := s.roots
	if !a.src.rootsGiven {
		roots = append(slices.Clone(roots), wellKnownRoots...)
	}
	s.decoders = make(map[string]*decode.Decoder, len(roots))
	for _, r := range roots {
		d, err := a.src.decoder(r)
		if err != nil {
			return err
		}
		s.decoders[r] = d
	}
	s.root, s.decoder = s.roots[0], s.decoders[s.roots[0]]
	return nil
}

// settleRoots looks, when no root was given, whether the root is empty
// while well-known roots hold Kubernetes objects, and reads those instead
// (said on stderr). Verbs that read the roots themselves (ls and stats
// without a prefix, find, deleted, the explorer) call it; those given
// absolute keys need not pay for the look.
func (a *app) settleRoots(ctx context.Context, s *session) {
	if a.src.rootsGiven || a.src.unreachable || s.rootsDetected {
		return
	}
	found := detectRoots(ctx, s.src, s.root, s.rev)
	if len(found) == 0 {
		return
	}
	fmt.Fprintf(a.errOut, "etcdscope: %s holds no keys; reading %s, which hold Kubernetes objects (--prefix-root chooses)\n",
		dirPrefix(s.root), strings.Join(dirPrefixes(found), " and "))
	s.roots, s.rootsDetected = found, true
	s.root, s.decoder = found[0], s.decoders[found[0]]
}

// dirPrefixes is dirPrefix of each root.
func dirPrefixes(roots []string) []string {
	out := make([]string, len(roots))
	for i, r := range roots {
		out[i] = dirPrefix(r)
	}
	return out
}

// withSession runs fn with an open session and closes it afterwards.
func (a *app) withSession(cmd *cobra.Command, fn func(ctx context.Context, s *session) error) error {
	s, err := a.openSession(cmd)
	if err != nil {
		return err
	}
	defer s.src.Close()
	return fn(cmd.Context(), s)
}
