package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
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
// directories, a few at a time.
func listLevel(ctx context.Context, src etcdsrc.Source, prefix string) ([]etcdsrc.Child, error) {
	var children []etcdsrc.Child
	opts := etcdsrc.ChildrenOptions{Limit: 1000}
	for {
		page, err := src.Children(ctx, prefix, opts)
		if err != nil {
			return nil, err
		}
		children = append(children, page.Children...)
		if !page.More || len(page.Children) == 0 {
			break
		}
		opts.After = page.Children[len(page.Children)-1].Key
		opts.Rev = page.Rev
	}
	if err := countChildren(ctx, src, children, opts.Rev); err != nil {
		return nil, err
	}
	return children, nil
}

// countChildren fills the Count of every directory, with a few requests in
// flight at once.
func countChildren(ctx context.Context, src etcdsrc.Source, children []etcdsrc.Child, rev int64) error {
	const inFlight = 8
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		slots    = make(chan struct{}, inFlight)
	)
	for i := range children {
		if children[i].Leaf {
			children[i].Count = 1
			continue
		}
		wg.Add(1)
		slots <- struct{}{}
		go func(c *etcdsrc.Child) {
			defer func() { <-slots; wg.Done() }()
			n, err := src.Count(ctx, c.Key, rev)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("count %s: %w", decode.EscapeKey(c.Key), err)
			}
			c.Count = n
		}(&children[i])
	}
	wg.Wait()
	return firstErr
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
