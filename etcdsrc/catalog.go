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
	catalog := decode.NewCatalog()
	prefix := strings.TrimSuffix(root, "/") + crdPrefix
	_, err := src.Range(ctx, prefix, 0, func(kv KeyValue) error {
		v := dec.Decode(kv.Key, kv.Value, nil)
		if v.IsObject() {
			_ = catalog.AddCRD(v.Object) // a malformed CRD only loses its kind
		}
		return nil
	})
	if err != nil && !errors.Is(err, ErrRevisionMoved) {
		return nil, fmt.Errorf("read CRDs under %s: %w", prefix, err)
	}
	return catalog, nil
}
