package main

import (
	"context"
	"io"

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
}

func newRootCmd(a *app) *cobra.Command {
	a.src = newSourceFlags()
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
	root.AddCommand(
		newVersionCmd(a),
		newDecodeCmd(a),
		newLsCmd(a),
		newGetCmd(a),
		newHistoryCmd(a),
		newWatchCmd(a),
		newFindCmd(a),
		newStatsCmd(a),
		newDemoCmd(a),
	)
	return root
}

// session is an open source with the decoder and catalog that go with it.
type session struct {
	src     etcdsrc.Source
	title   string
	decoder *decode.Decoder
	root    string
}

// rootDir is the root prefix as a directory: "/registry/", or "/" for a
// root of "/".
func (s *session) rootDir() string { return dirPrefix(s.root) }

// openSession resolves the connection flags and opens the source.
func (a *app) openSession(cmd *cobra.Command) (*session, error) {
	if err := a.src.resolve(cmd, a.getenv); err != nil {
		return nil, err
	}
	dec, err := a.src.decoder()
	if err != nil {
		return nil, err
	}
	src, title, err := a.src.open(cmd.Context(), a.progress, a.lenient)
	if err != nil {
		return nil, err
	}
	return &session{src: src, title: title, decoder: dec, root: a.src.root}, nil
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
