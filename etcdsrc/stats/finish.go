package stats

import (
	"cmp"
	"slices"
	"strings"

	"github.com/etcdscope/etcdscope/decode"
)

// finish turns the merged tally into the Result's sorted lists.
func (r *run) finish() {
	t, res := r.t, r.res
	esc := decode.EscapeKey
	res.Totals = Totals{Keys: t.totals.keys, ValueBytes: t.totals.valueBytes, KeyBytes: t.totals.keyBytes}
	for name, c := range t.segments {
		res.Segments = append(res.Segments, Segment{Segment: esc(name), Keys: c.keys, ValueBytes: c.valueBytes, KeyBytes: c.keyBytes})
	}
	sortBySize(res.Segments, func(s Segment) (int64, string) { return s.ValueBytes, s.Segment })
	for name, c := range t.resources {
		enc := make(map[string]int64, len(c.encodings))
		for e, n := range c.encodings {
			enc[string(e)] = n
		}
		res.Resources = append(res.Resources, Resource{
			Resource: esc(name), Group: c.group, Kind: c.kind,
			Keys: c.keys, ValueBytes: c.valueBytes, KeyBytes: c.keyBytes, Encodings: enc,
			HistoryRevisions: c.historyRevisions, HistoryBytes: c.historyBytes,
		})
	}
	sortBySize(res.Resources, func(x Resource) (int64, string) { return x.ValueBytes, x.Resource })
	for name, c := range t.namespaces {
		res.Namespaces = append(res.Namespaces, Namespace{Namespace: esc(name), Keys: c.keys, ValueBytes: c.valueBytes})
	}
	sortBySize(res.Namespaces, func(n Namespace) (int64, string) { return n.ValueBytes, n.Namespace })
	for _, o := range t.largest.sorted() {
		res.Largest = append(res.Largest, Object{Key: esc(o.Key), Kind: o.Kind, ValueBytes: o.ValueBytes})
	}
	for name, c := range t.outside {
		res.OutsidePrefix = append(res.OutsidePrefix, Outside{Key: esc(name), Keys: c.keys, ValueBytes: c.valueBytes})
	}
	sortBySize(res.OutsidePrefix, func(o Outside) (int64, string) { return o.ValueBytes, o.Key })

	for k, e := range t.encryption {
		entry := Encryption{Provider: k.provider, KeyName: k.keyName, Values: e.values, Resources: map[string]int64{}}
		for name, n := range e.resources {
			entry.Resources[esc(name)] = n
		}
		if k.provider != "none" && r.o.Decrypting {
			ok := e.decrypted > 0
			entry.Decryptable = &ok
		}
		res.Encryption = append(res.Encryption, entry)
	}
	slices.SortFunc(res.Encryption, func(a, b Encryption) int {
		return cmp.Or(cmp.Compare(b.Values, a.Values), strings.Compare(a.Provider, b.Provider), strings.Compare(a.KeyName, b.KeyName))
	})

	for _, o := range t.nsGone {
		res.Orphans.NamespaceGone = append(res.Orphans.NamespaceGone, NamespaceGone{Key: esc(o.Key), Namespace: esc(o.Namespace)})
	}
	sortByKey(res.Orphans.NamespaceGone, func(o NamespaceGone) string { return o.Key })
	for _, o := range t.crdGone {
		res.Orphans.CRDGone = append(res.Orphans.CRDGone, CRDGone{Key: esc(o.Key), CRD: esc(o.CRD)})
	}
	sortByKey(res.Orphans.CRDGone, func(o CRDGone) string { return o.Key })
	for _, o := range r.ownerGone {
		o.Key = esc(o.Key)
		res.Orphans.OwnerGone = append(res.Orphans.OwnerGone, o)
	}
	slices.SortFunc(res.Orphans.OwnerGone, func(a, b OwnerGone) int {
		return cmp.Or(strings.Compare(a.Key, b.Key), strings.Compare(a.OwnerUID, b.OwnerUID))
	})
	for _, o := range t.terminating {
		o.Key = esc(o.Key)
		res.Terminating = append(res.Terminating, o)
	}
	// The longest stuck first.
	slices.SortFunc(res.Terminating, func(a, b Terminating) int {
		return cmp.Or(strings.Compare(a.DeletionTimestamp, b.DeletionTimestamp), strings.Compare(a.Key, b.Key))
	})
	for _, u := range t.undecodable {
		u.Key = esc(u.Key)
		res.Undecodable = append(res.Undecodable, u)
	}
	sortByKey(res.Undecodable, func(u Undecodable) string { return u.Key })
	for _, o := range r.churn.sorted() {
		res.Churn = append(res.Churn, Churn{Key: esc(o.Key), Revisions: o.ValueBytes})
	}
	res.NearLimit = t.nearLimit
}

// sortBySize sorts xs by size, largest first, then by name.
func sortBySize[T any](xs []T, of func(T) (int64, string)) {
	slices.SortFunc(xs, func(a, b T) int {
		sa, na := of(a)
		sb, nb := of(b)
		return cmp.Or(cmp.Compare(sb, sa), strings.Compare(na, nb))
	})
}

// sortByKey sorts xs by key.
func sortByKey[T any](xs []T, key func(T) string) {
	slices.SortFunc(xs, func(a, b T) int { return strings.Compare(key(a), key(b)) })
}
