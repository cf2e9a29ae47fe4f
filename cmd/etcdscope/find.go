package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/columns"
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

// writeFindTable prints the objects as kubectl get lists them: NAMESPACE
// when listing all namespaces, NAME, the kind's columns (a CRD's printer
// columns; not kubectl's -o wide ones), then SIZE and AGE.
func writeFindTable(ctx context.Context, a *app, s *session, kind decode.Kind, prefix string, match func(etcdsrc.KeyValue) bool) error {
	// find -n NS reads the namespace's prefix only; kubectl shows no
	// NAMESPACE column then.
	allNamespaces := prefix == s.rootDir()+kind.Prefix+"/"
	table := columns.ForKind(kind, allNamespaces)
	var shown []int
	var header []string
	for i, c := range table.Columns() {
		if !c.Wide {
			shown = append(shown, i)
			header = append(header, c.Name)
		}
	}
	out := bufio.NewWriter(a.out)
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(header, "\t"))
	now := time.Now()
	found := 0
	line := make([]string, len(shown))
	err := scan(ctx, a, s.src, prefix, 0, func(kv etcdsrc.KeyValue) error {
		if !match(kv) {
			return nil
		}
		found++
		row := table.Row(s.decoder.Decode(kv.Key, kv.Value, kv.Meta()), now)
		for i, c := range shown {
			line[i] = findCellText.Replace(row[c].Text)
		}
		fmt.Fprintln(tw, strings.Join(line, "\t"))
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

// findCellText keeps a cell on its line and in its column: tabs and line
// breaks become spaces.
var findCellText = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
