package main

import (
	"context"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// wellKnownRoots are the prefixes other distributions keep Kubernetes
// data under: OpenShift's kube-apiserver /kubernetes.io, its
// openshift-apiserver /openshift.io.
var wellKnownRoots = []string{"/kubernetes.io", "/openshift.io"}

// rootProbe is how many children of a root are looked at to tell whether
// it holds Kubernetes objects.
const rootProbe = 32

// detectRoots returns the well-known roots that hold Kubernetes-shaped
// keys when root holds no key at all at rev; nil otherwise (and when the
// source cannot say). It costs one narrow listing when root has keys.
func detectRoots(ctx context.Context, src etcdsrc.Source, root string, rev int64) []string {
	page, err := src.Children(ctx, dirPrefix(root), etcdsrc.ChildrenOptions{Limit: 1, Rev: rev})
	if err != nil || len(page.Children) > 0 {
		return nil
	}
	var found []string
	for _, r := range wellKnownRoots {
		if r != root && kubeShaped(ctx, src, r, rev) {
			found = append(found, r)
		}
	}
	return found
}

// kubeShaped reports whether root holds keys laid out as kube-apiserver
// lays them out: a child directory that is a built-in storage prefix
// (pods, namespaces, …), or one named like a resource (a DNS label, or a
// group with a dot) whose first key is <resource>/[<namespace>/]<name>
// (or <group>/<resource>/…) in DNS names.
func kubeShaped(ctx context.Context, src etcdsrc.Source, root string, rev int64) bool {
	page, err := src.Children(ctx, dirPrefix(root), etcdsrc.ChildrenOptions{Limit: rootProbe, Rev: rev})
	if err != nil {
		return false
	}
	catalog := decode.NewCatalog()
	for _, c := range page.Children {
		if c.Leaf {
			continue
		}
		if _, ok := catalog.ForPrefix(c.Name); ok {
			return true
		}
		if len(validation.IsDNS1123Subdomain(c.Name)) == 0 && firstKeyShaped(ctx, src, c.Key, rev, 3) {
			return true
		}
	}
	return false
}

// firstKeyShaped follows the first child of dir down at most depth levels
// and reports whether it ends in a key, every segment on the way a DNS
// subdomain name as object names and namespaces are.
func firstKeyShaped(ctx context.Context, src etcdsrc.Source, dir string, rev int64, depth int) bool {
	for ; depth > 0; depth-- {
		page, err := src.Children(ctx, dir, etcdsrc.ChildrenOptions{Limit: 1, Rev: rev})
		if err != nil || len(page.Children) == 0 {
			return false
		}
		c := page.Children[0]
		if len(validation.IsDNS1123Subdomain(c.Name)) != 0 {
			return false
		}
		if c.Leaf {
			return true
		}
		dir = c.Key
	}
	return false
}

// findTarget is where find reads a kind under one root.
type findTarget struct {
	s      *session // the session at the root
	kind   decode.Kind
	prefix string
}

// findTargets looks the kind up under every root (each with the CRDs
// stored under it, as of --rev) and returns where to read it: the roots
// that hold objects of it or, when none does, the first that knows it.
func findTargets(ctx context.Context, s *session, query, namespace string) ([]findTarget, error) {
	var (
		known    []findTarget
		firstErr error
	)
	for _, r := range s.roots {
		rs := s.at(r)
		catalog, _, err := etcdsrc.LoadCatalogAt(ctx, s.src, rs.decoder, r, s.rev)
		if err != nil {
			return nil, err
		}
		kind, err := catalog.Lookup(query)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		prefix := rs.rootDir() + kind.Prefix + "/"
		if kind.Namespaced && namespace != "" {
			prefix += namespace + "/"
		}
		known = append(known, findTarget{s: rs, kind: kind, prefix: prefix})
	}
	if len(known) == 0 {
		return nil, firstErr
	}
	if len(known) == 1 {
		return known, nil
	}
	var holding []findTarget
	for _, t := range known {
		n, err := s.src.Count(ctx, t.prefix, s.rev)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			holding = append(holding, t)
		}
	}
	if len(holding) == 0 {
		return known[:1], nil
	}
	return holding, nil
}
