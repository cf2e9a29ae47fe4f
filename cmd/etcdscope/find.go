package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

func newFindCmd(a *app) *cobra.Command {
	var (
		output        string
		namespace     string
		allNamespaces bool
	)
	cmd := &cobra.Command{
		Use:   "find KIND [NAME-PREFIX]",
		Short: "Find the objects of a resource kind, in all namespaces or one",
		Long: "find lists the objects of one resource kind. KIND is a kind, plural,\n" +
			"singular or short name (deploy, po, svc, cm, Secret) or, for custom\n" +
			"resources, the CRD's names (foos.cr.bar.com); CRDs are read from the data.\n" +
			"All namespaces unless -n is given.",
		Example: "  etcdscope find deploy\n  etcdscope find po -n kube-system\n  etcdscope find foos.cr.bar.com -o json",
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseOutput(output, outputYAML, outputJSON, outputRecords)
			if err != nil {
				return err
			}
			if allNamespaces && namespace != "" {
				return fmt.Errorf("-n and -A exclude each other")
			}
			namePrefix := ""
			if len(args) == 2 {
				namePrefix = args[1]
			}
			return a.withSession(cmd, func(ctx context.Context, s *session) error {
				catalog, err := etcdsrc.LoadCatalog(ctx, s.src, s.decoder, s.root)
				if err != nil {
					return err
				}
				kind, err := catalog.Lookup(args[0])
				if err != nil {
					return err
				}
				prefix := s.rootDir() + kind.Prefix + "/"
				if kind.Namespaced && namespace != "" {
					prefix += namespace + "/"
				}
				match := func(kv etcdsrc.KeyValue) bool {
					if namePrefix == "" {
						return true
					}
					kp := decode.ParseKey(kv.Key, s.root)
					return strings.HasPrefix(kp.Name, namePrefix)
				}
				if format == outputReadable {
					return writeFindTable(ctx, a, s, kind, prefix, match)
				}
				list := newListWriter(a.out, format, false)
				err = scan(ctx, a, s.src, prefix, 0, func(kv etcdsrc.KeyValue) error {
					if !match(kv) {
						return nil
					}
					return list.add(s.decoder.Decode(kv.Key, kv.Value, kv.Meta()))
				})
				if cerr := list.close(a.errOut); err == nil {
					err = cerr
				}
				return err
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: yaml, json or records (default: a table)")
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "", "only this namespace")
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "all namespaces (the default)")
	return cmd
}

// writeFindTable prints the objects as k9s lists them: namespace, name,
// size and age.
func writeFindTable(ctx context.Context, a *app, s *session, kind decode.Kind, prefix string, match func(etcdsrc.KeyValue) bool) error {
	out := bufio.NewWriter(a.out)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	if kind.Namespaced {
		fmt.Fprintln(tw, "NAMESPACE\tNAME\tSIZE\tAGE")
	} else {
		fmt.Fprintln(tw, "NAME\tSIZE\tAGE")
	}
	now := time.Now()
	found := 0
	err := scan(ctx, a, s.src, prefix, 0, func(kv etcdsrc.KeyValue) error {
		if !match(kv) {
			return nil
		}
		found++
		kp := decode.ParseKey(kv.Key, s.root)
		age := objectAge(s.decoder.Decode(kv.Key, kv.Value, nil), now)
		if kind.Namespaced {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", kp.Namespace, decode.EscapeKey(kp.Name), humanize.IBytes(uint64(len(kv.Value))), age)
		} else {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", decode.EscapeKey(kp.Name), humanize.IBytes(uint64(len(kv.Value))), age)
		}
		return nil
	})
	if ferr := tw.Flush(); err == nil {
		err = ferr
	}
	if ferr := out.Flush(); err == nil {
		err = ferr
	}
	if err == nil && found == 0 {
		fmt.Fprintf(a.errOut, "etcdscope: no %s found under %s\n", kind.Resource, decode.EscapeKey(prefix))
	}
	return err
}

// objectAge is kubectl's age column: how long ago the object was created.
func objectAge(v decode.Value, now time.Time) string {
	created := decode.CreationTime(v.Object)
	if created.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(created))
}
