package etcdsrc

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/etcdscope/etcdscope/decode"
)

// crdPrefix is where kube-apiserver keeps CustomResourceDefinitions,
// relative to its root.
const crdPrefix = "/apiextensions.k8s.io/customresourcedefinitions/"

// LoadCatalog returns the built-in kind catalog plus the custom resources
// whose CRDs are stored under root. A CRD that does not decode is skipped:
// its resources are still listed in the tree, just not found by kind.
func LoadCatalog(ctx context.Context, src Source, dec *decode.Decoder, root string) (*decode.Catalog, error) {
	catalog, _, err := LoadCatalogAt(ctx, src, dec, root, 0)
	return catalog, err
}

// LoadCatalogAt is LoadCatalog at revision rev (0: the current one); it
// also returns the revision it read at, so a caller can pin later reads
// to the same one.
func LoadCatalogAt(ctx context.Context, src Source, dec *decode.Decoder, root string, rev int64) (*decode.Catalog, int64, error) {
	catalog := decode.NewCatalog()
	prefix := strings.TrimSuffix(root, "/") + crdPrefix
	at, err := src.Range(ctx, prefix, rev, func(kv KeyValue) error {
		v := dec.Decode(kv.Key, kv.Value, nil)
		if v.IsObject() {
			_ = catalog.AddCRD(v.Object) // a malformed CRD only loses its kind
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrRevisionMoved) {
		return nil, 0, fmt.Errorf("read CRDs under %s: %w", prefix, err)
	}
	return catalog, at, nil
}
