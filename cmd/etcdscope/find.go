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
