package encryption

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/etcdscope/etcdscope/decode"
)

// resourceOf returns the group and resource of the object stored under an
// etcd key, which is what the API server picks a transformer by. root is
// the storage prefix; "" means /registry, or else the key's first segment
// (kube-apiserver's --etcd-prefix is often /kubernetes.io), so values read
// with no root given still find their resource.
func resourceOf(key, root string) schema.GroupResource {
	kp := decode.ParseKey(key, root)
	if kp.Root == "" && root == "" {
		if first, _, ok := strings.Cut(strings.TrimPrefix(key, "/"), "/"); ok && first != "" {
			kp = decode.ParseKey(key, "/"+first)
		}
	}
	return schema.GroupResource{Group: kp.Group, Resource: kp.Resource}
}
