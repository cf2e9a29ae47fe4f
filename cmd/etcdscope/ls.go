package main

import (
	"context"
	"fmt"
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
			"under each. The default prefix is the --prefix-root.",
		Example: "  etcdscope ls /registry\n  etcdscope ls /registry/pods/ -o json",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseOutput(output, outputJSON)
			if err != nil {
				return err
			}
			return a.withSession(cmd, func(ctx context.Context, s *session) error {
				prefix := s.rootDir()
				if len(args) == 1 {
					prefix = dirPrefix(decode.UnescapeKey(args[0]))
				}
				children, err := listLevel(ctx, s.src, prefix)
				if err != nil {
					return err
				}
				switch {
				case len(children) > 0:
				case prefix == s.rootDir():
					warnOtherRoots(ctx, a, s)
				case len(args) == 1:
					key := strings.TrimSuffix(prefix, "/")
					if _, err := s.src.Get(ctx, key, 0); err == nil {
						fmt.Fprintf(a.errOut, "etcdscope: %s is a key with nothing under it: etcdscope get %s shows its value\n", decode.EscapeKey(key), decode.EscapeKey(key))
					}
				}
				if format == outputJSON {
					entries := make([]lsEntry, len(children))
					for i, c := range children {
						entries[i] = lsEntry{Name: decode.EscapeKey(c.Name), Key: decode.EscapeKey(c.Key), Leaf: c.Leaf, Count: c.Count}
					}
					return writeIndentedJSON(a.out, entries)
				}
				return writeLsTable(ctx, a, s, prefix, children)
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json (default: readable)")
	return cmd
}

// listLevel reads every child of prefix at one revision, then counts the
// directories at that revision.
func listLevel(ctx context.Context, src etcdsrc.Source, prefix string) ([]etcdsrc.Child, error) {
	var children []etcdsrc.Child
	opts := etcdsrc.ChildrenOptions{Limit: 1000}
	for {
		page, err := src.Children(ctx, prefix, opts)
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
	var dirs []string
	var at []int
	for i := range children {
		if children[i].Leaf {
			children[i].Count = 1
			continue
		}
		dirs = append(dirs, children[i].Key)
		at = append(at, i)
	}
	for j, r := range etcdsrc.CountAll(ctx, src, dirs, opts.Rev) {
		if r.Err != nil {
			return nil, r.Err // it names the prefix
		}
		children[at[j]].Count = r.Count
	}
	return children, nil
}

// writeLsTable prints a level for people: directories end in "/", and
// resource directories name their kind.
func writeLsTable(ctx context.Context, a *app, s *session, prefix string, children []etcdsrc.Child) error {
	catalog, err := etcdsrc.LoadCatalog(ctx, s.src, s.decoder, s.root)
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

// wellKnownRoots are prefixes other distributions keep Kubernetes data under.
var wellKnownRoots = []string{"/registry", "/kubernetes.io", "/openshift.io", "/k3s"}

// warnOtherRoots says where the data is when the root prefix is empty.
func warnOtherRoots(ctx context.Context, a *app, s *session) {
	for _, r := range wellKnownRoots {
		if r == s.root {
			continue
		}
		if n, err := s.src.Count(ctx, r+"/", 0); err == nil && n > 0 {
			fmt.Fprintf(a.errOut, "etcdscope: %s/ is empty, but %s/ holds %d keys: try --prefix-root %s\n", s.root, r, n, r)
		}
	}
}
