package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// lsEntry is one line of `ls -o json`.
type lsEntry struct {
	Name  string `json:"name"`
	Key   string `json:"key"`
	Leaf  bool   `json:"leaf"`
	Count int64  `json:"count"`
}

func newLsCmd(a *app) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "ls [PREFIX]",
		Short: "List the immediate children of a prefix, with key counts",
		Long: "ls lists the children of a prefix (a directory: /registry and /registry/\n" +
			"are the same) without reading the keys below them, and counts the keys\n" +
			"under each. With no prefix it lists the top of each --prefix-root.",
		Example: "  etcdscope ls /registry\n  etcdscope ls /registry/pods/ -o json\n  etcdscope ls --rev 4100",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseOutput(output, outputJSON)
			if err != nil {
				return err
			}
			return a.withSession(cmd, func(ctx context.Context, s *session) error {
				var prefixes []string
				if len(args) == 1 {
					prefixes = []string{dirPrefix(decode.UnescapeKey(args[0]))}
				} else {
					a.settleRoots(ctx, s)
					prefixes = dirPrefixes(s.roots)
				}
				var entries []lsEntry
				for i, prefix := range prefixes {
					children, err := listLevel(ctx, s, prefix)
					if err != nil {
						return err
					}
					if len(children) == 0 {
						lsEmpty(ctx, a, s, prefix)
					}
					if format == outputJSON {
						for _, c := range children {
							entries = append(entries, lsEntry{Name: decode.EscapeKey(c.Name), Key: decode.EscapeKey(c.Key), Leaf: c.Leaf, Count: c.Count})
						}
						continue
					}
					if len(prefixes) > 1 {
						if i > 0 {
							fmt.Fprintln(a.out)
						}
						fmt.Fprintf(a.out, "%s:\n", decode.EscapeKey(prefix))
					}
					if err := writeLsTable(ctx, a, s.at(s.rootOf(prefix)), children); err != nil {
						return err
					}
				}
				if format == outputJSON {
					if entries == nil {
						entries = []lsEntry{}
					}
					return writeIndentedJSON(a.out, entries)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json (default: readable)")
	a.addRevFlag(cmd)
	return cmd
}

// lsEmpty says on stderr why a level is empty: a prefix that is a key
// with nothing under it, or a root that holds nothing while other
// prefixes hold keys.
func lsEmpty(ctx context.Context, a *app, s *session, prefix string) {
	if prefix == "/" {
		return
	}
	key := strings.TrimSuffix(prefix, "/")
	if !slices.Contains(s.roots, key) {
		if _, err := s.src.Get(ctx, key, s.rev); err == nil {
			fmt.Fprintf(a.errOut, "etcdscope: %s is a key with nothing under it: etcdscope get %s shows its value\n", decode.EscapeKey(key), decode.EscapeKey(key))
		}
		return
	}
	top, err := s.src.Children(ctx, "", etcdsrc.ChildrenOptions{Limit: 8, Rev: s.rev})
	if err != nil || len(top.Children) == 0 {
		return
	}
	var names []string
	for _, c := range top.Children {
		if !c.Leaf && c.Key != "/" {
			names = append(names, decode.EscapeKey(c.Key))
		}
	}
	// The top of the keyspace is "" then "/": keys under "/" are listed
	// one level down.
	if len(names) == 0 {
		if under, err := s.src.Children(ctx, "/", etcdsrc.ChildrenOptions{Limit: 8, Rev: s.rev}); err == nil {
			for _, c := range under.Children {
				if !c.Leaf {
					names = append(names, decode.EscapeKey(c.Key))
				}
			}
		}
	}
	if len(names) > 0 {
		fmt.Fprintf(a.errOut, "etcdscope: %s holds no keys; the keyspace holds %s: --prefix-root names the root\n", decode.EscapeKey(prefix), strings.Join(names, ", "))
	}
}

// listLevel reads every child of prefix with its key count at one
// revision (rev, or now). The names a Kubernetes level likely holds are
// handed to the source as guesses, which it may probe in parallel.
func listLevel(ctx context.Context, s *session, prefix string) ([]etcdsrc.Child, error) {
	guesses := etcdsrc.KubeGuesses(ctx, s.src, decode.NewCatalog(), s.rootOf(prefix), prefix, s.rev)
	var children []etcdsrc.Child
	opts := etcdsrc.ChildrenOptions{Limit: 1000, Rev: s.rev, Guesses: guesses, Counts: true}
	for {
		page, err := s.src.Children(ctx, prefix, opts)
		if err != nil {
			return nil, err
		}
		children = append(children, page.Children...)
		opts.Rev = page.Rev
		if !page.More || len(page.Children) == 0 {
			break
		}
		opts.After = page.Children[len(page.Children)-1].Key
	}
	// A source that does not count with the listing leaves it to Count.
	var dirs []string
	var at []int
	for i := range children {
		if children[i].Leaf {
			children[i].Count = 1
			continue
		}
		if children[i].Count < 0 {
			dirs = append(dirs, children[i].Key)
			at = append(at, i)
		}
	}
	for j, r := range etcdsrc.CountAll(ctx, s.src, dirs, opts.Rev) {
		if r.Err != nil {
			return nil, r.Err // it names the prefix
		}
		children[at[j]].Count = r.Count
	}
	return children, nil
}

// writeLsTable prints a level for people: directories end in "/", and
// resource directories name their kind.
func writeLsTable(ctx context.Context, a *app, s *session, children []etcdsrc.Child) error {
	catalog, _, err := etcdsrc.LoadCatalogAt(ctx, s.src, s.decoder, s.root, s.rev)
	if err != nil {
		catalog = decode.NewCatalog() // the kind labels only miss the custom resources
	}
	tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tKEYS")
	for _, c := range children {
		name := decode.EscapeKey(c.Name)
		kind := ""
		if !c.Leaf {
			name += "/"
			if k, ok := catalog.ForPrefix(strings.TrimSuffix(strings.TrimPrefix(c.Key, s.rootDir()), "/")); ok {
				kind = k.APIVersion() + " " + k.Kind
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\n", name, kind, c.Count)
	}
	return tw.Flush()
}
