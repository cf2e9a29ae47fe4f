package decode

import (
	"path"
	"strings"
)

// DefaultRoot is kube-apiserver's default --etcd-prefix.
const DefaultRoot = "/registry"

// kpCompactRevKey is the key kube-apiserver's compactor bumps
// (k8s.io/apiserver/pkg/storage/etcd3/compact.go). Its client has no
// namespace, so the key sits at the top of the keyspace whatever
// --etcd-prefix is.
const kpCompactRevKey = "compact_rev_key"

// KeyPath is a parsed etcd key.
type KeyPath struct {
	// Root is the prefix root the key lies under ("/registry"); empty
	// when the key is outside it.
	Root string
	// Prefix is the storage prefix matched, relative to the root, with no
	// leading or trailing slash (see Kind.Prefix); "" when none matched.
	Prefix string
	// Resource is the plural resource name ("pods", "nodes" for keys under
	// "minions"), or the first segment when no prefix matched.
	Resource string
	// Group is the API group ("" for core, "apps", "cr.bar.com").
	Group string
	// Namespace is empty for cluster-scoped objects.
	Namespace string
	// Name is the object name; empty for a directory such as
	// "/registry/pods/shop/".
	Name string
	// Special names one of kube-apiserver's special keys:
	// "compact_rev_key" (outside the root), "masterleases",
	// "peerserverleases", "ranges/serviceips", "ranges/servicenodeports".
	Special string
}

// ParseKey parses key, read under the prefix root ("" means DefaultRoot),
// by structure alone: the built-in table's storage prefixes, and for other
// keys the rule that a first segment holding a dot is an API group
// (/registry/<group>/<plural>/[<namespace>/]<name>). It never fails; the
// result is filled as far as the key parses. A key ending in "/" is a
// directory: its last segment is a namespace where one can stand.
func ParseKey(key, root string) KeyPath {
	kp, _, _ := kpParse(key, root, kpBuiltinPrefix)
	return kp
}

// kpBuiltinPrefix resolves a storage prefix against the built-in table.
func kpBuiltinPrefix(prefix string) (Kind, bool) {
	k, ok := catBuiltinIndex()[prefix]
	return k, ok
}

// kpNormRoot turns a root as a user gives it ("registry", "/registry/")
// into the form kube-apiserver builds keys from: path.Join("/", prefix).
func kpNormRoot(root string) string {
	if root == "" {
		return DefaultRoot
	}
	if strings.HasPrefix(root, "/") {
		// Clean returns a clean root as it is, without allocating.
		return path.Clean(root)
	}
	return path.Join("/", root)
}

// kpParse is ParseKey with the prefix table passed in, so the catalog can
// parse with its CRDs. It reports the kind of the matched prefix.
func kpParse(key, root string, resolve func(string) (Kind, bool)) (KeyPath, Kind, bool) {
	if key == kpCompactRevKey {
		return KeyPath{Special: kpCompactRevKey}, Kind{}, false
	}
	root = kpNormRoot(root)
	below := root + "/"
	if root == "/" {
		below = root
	}
	if key == root {
		return KeyPath{Root: root}, Kind{}, false
	}
	rest, under := strings.CutPrefix(key, below)
	if !under {
		return KeyPath{}, Kind{}, false
	}
	kp := KeyPath{Root: root}
	// One trailing slash marks a directory; the segments before it parse
	// as in a key.
	rest, dir := strings.CutSuffix(rest, "/")
	seg0, after0, _ := strings.Cut(rest, "/")
	if seg0 == "" {
		return kp, Kind{}, false
	}
	seg1, after1, _ := strings.Cut(after0, "/")
	// seg01 is "seg0/seg1", sliced from the key rather than built, so
	// parsing a key allocates nothing.
	seg01 := rest[:min(len(rest), len(seg0)+1+len(seg1))]
	// Two-segment prefixes first: "services/specs" and group-prefixed
	// resources, whose group segment alone matches nothing.
	if seg1 != "" {
		if k, ok := resolve(seg01); ok {
			kpFill(&kp, k, after1)
			return kp, k, true
		}
	}
	if k, ok := resolve(seg0); ok {
		kpFill(&kp, k, after0)
		return kp, k, true
	}
	if strings.Contains(seg0, ".") {
		// A custom resource: /<group>/<plural>/... Built-in groups that
		// use this layout (apiextensions.k8s.io, apiregistration.k8s.io)
		// were matched by the table above, so a custom group ending in
		// .k8s.io lands here too.
		kp.Group = seg0
		if seg1 == "" {
			return kp, Kind{}, false
		}
		kp.Resource = seg1
		kp.Prefix = seg01
		kpNamesUnknownScope(&kp, after1, dir)
		return kp, Kind{}, false
	}
	kp.Resource = seg0
	kpNamesUnknownScope(&kp, after0, dir)
	return kp, Kind{}, false
}

// kpFill sets what a matched prefix tells and splits the rest of the key
// by the kind's scope (a directory splits the same way: "pods/shop" names
// a namespace).
func kpFill(kp *KeyPath, k Kind, rest string) {
	kp.Prefix = k.Prefix
	kp.Resource = k.Resource
	kp.Group = k.Group
	if rest != "" {
		if k.Namespaced {
			kp.Namespace, kp.Name, _ = strings.Cut(rest, "/")
		} else {
			kp.Name = rest
		}
	}
	switch k.Prefix {
	case catPrefixMasterLeases, catPrefixPeerLeases:
		kp.Special = k.Prefix
	case catPrefixRanges:
		kp.Special = catPrefixRanges
		if kp.Name != "" {
			kp.Special += "/" + kp.Name
		}
	}
}

// kpNamesUnknownScope splits the segments after a prefix whose scope is not
// known: two segments are namespace and name; one is a name, or a
// namespace when the key is a directory.
func kpNamesUnknownScope(kp *KeyPath, rest string, dir bool) {
	if rest == "" {
		return
	}
	ns, name, two := strings.Cut(rest, "/")
	switch {
	case two:
		kp.Namespace, kp.Name = ns, name
	case dir:
		kp.Namespace = rest
	default:
		kp.Name = rest
	}
}
