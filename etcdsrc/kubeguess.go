package etcdsrc

import (
	"context"
	"strings"

	"github.com/etcdscope/etcdscope/decode"
)

// KubeGuesses returns the names a Kubernetes level likely holds, for
// ChildrenOptions.Guesses: under root, the first segment of every
// resource prefix the catalog knows; under a namespaced resource
// (root/pods/), the namespaces stored under root/namespaces/ at rev. Other
// levels get none, and so does a nil catalog. A guess costs a listing one narrow request, and a
// wrong one changes nothing but that.
func KubeGuesses(ctx context.Context, src Source, catalog *decode.Catalog, root, prefix string, rev int64) []string {
	rootDir := strings.TrimSuffix(root, "/") + "/"
	rel, ok := strings.CutPrefix(prefix, rootDir)
	if !ok || catalog == nil {
		return nil
	}
	if rel == "" {
		var names []string
		for _, k := range catalog.Kinds() {
			first, _, _ := strings.Cut(k.Prefix, "/")
			names = append(names, first)
		}
		return names
	}
	if k, ok := catalog.ForPrefix(rel); !ok || !k.Namespaced {
		return nil
	}
	page, err := src.Children(ctx, rootDir+"namespaces/", ChildrenOptions{Rev: rev})
	if err != nil {
		return nil // guesses only: the listing goes on without them
	}
	var names []string
	for _, c := range page.Children {
		if c.Leaf {
			names = append(names, c.Name)
		}
	}
	return names
}
