package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at link time (-ldflags "-X main.version=v1.2.3").
var version = "dev"

func newVersionCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of etcdscope and of the libraries it decodes with",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(a.out, "etcdscope %s (%s)\n", version, runtime.Version())
			info, ok := debug.ReadBuildInfo()
			if !ok {
				return nil
			}
			for _, dep := range info.Deps {
				switch dep.Path {
				case "k8s.io/api", "k8s.io/apimachinery", "go.etcd.io/etcd/client/v3":
					fmt.Fprintf(a.out, "  %s %s\n", dep.Path, dep.Version)
				}
			}
			return nil
		},
	}
}
