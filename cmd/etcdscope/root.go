package main

import (
	"io"

	"github.com/spf13/cobra"
)

// streams are where a command reads and writes; tests pass buffers.
type streams struct {
	in     io.Reader
	out    io.Writer
	errOut io.Writer
}

func newRootCmd(in io.Reader, out, errOut io.Writer) *cobra.Command {
	s := &streams{in: in, out: out, errOut: errOut}
	root := &cobra.Command{
		Use:   "etcdscope",
		Short: "Explore the Kubernetes data kube-apiserver keeps in etcd",
		Long: "etcdscope explores the Kubernetes objects kube-apiserver stores in etcd:\n" +
			"browse /registry as a tree, decode any value (protobuf, JSON, CBOR,\n" +
			"encrypted) to YAML or JSON, watch a prefix, find objects by kind and\n" +
			"read an object's history, live or from a snapshot file.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(in)
	root.SetOut(out)
	root.SetErr(errOut)
	root.AddCommand(
		newVersionCmd(s),
	)
	return root
}
