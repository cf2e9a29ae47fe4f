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
		sel           selectorFlags
	)
	cmd := &cobra.Command{
		Use:   "find KIND [NAME-PREFIX]",
		Short: "Find the objects of a resource kind, in all namespaces or one",
		Long: "find lists the objects of one resource kind. KIND is a kind, plural,\n" +
			"singular or short name (deploy, po, svc, cm, Secret) or, for custom\n" +
			"resources, the CRD's names (foos.cr.bar.com); CRDs are read from the data.\n" +
			"All namespaces unless -n is given; every --prefix-root is searched. -l and\n" +
			"--field-selector select as kubectl's do; -o name names objects as kubectl's.",
		Example: "  etcdscope find deploy\n  etcdscope find po -n kube-system\n  etcdscope find foos.cr.bar.com -o json\n" +
			"  etcdscope find po -l app=web --field-selector status.phase=Running -o name",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseOutput(output, outputYAML, outputJSON, outputRecords, outputName)
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
				a.settleRoots(ctx, s)
				targets, err := findTargets(ctx, s, args[0], namespace)
				if err != nil {
					return err
				}
				sl, err := sel.parse(&targets[0].kind)
				if err != nil {
					return err
				}
				keep := func(kv etcdsrc.KeyValue) bool {
					return namePrefix == "" || strings.HasPrefix(decode.ParseKey(kv.Key, s.rootOf(kv.Key)).Name, namePrefix)
				}
				if format == outputReadable {
					match := func(kv etcdsrc.KeyValue) bool {
						if !keep(kv) {
							return false
						}
						ok, _ := sl.Match(s.decoderFor(kv.Key), kv.Key, kv.Value)
						return ok
					}
					for i, t := range targets {
						if len(targets) > 1 {
							if i > 0 {
								fmt.Fprintln(a.out)
							}
							fmt.Fprintf(a.out, "%s:\n", t.s.rootDir())
						}
						if err := writeFindTable(ctx, a, t.s, t.kind, t.prefix, match); err != nil {
							return err
						}
					}
					return nil
				}
				prefixes := make([]string, len(targets))
				for i, t := range targets {
					prefixes[i] = t.prefix
				}
				return writeList(ctx, a, s, prefixes, listOptions{format: format, sel: sl, keep: keep})
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: yaml, json, records or name (default: a table)")
	cmd.Flags().StringVarP(&namespace, "namespace", "n", "", "only this namespace")
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "all namespaces (the default)")
	a.addRevFlag(cmd)
	sel.register(cmd)
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
