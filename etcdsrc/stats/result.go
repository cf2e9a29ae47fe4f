package stats

// Result is what Run found. Its JSON is the `etcdscope stats -o json`
// form: one object whose sections are always present (lists empty, never
// missing), lists sorted by bytes, largest first, sizes in bytes, keys
// that are not valid UTF-8 with Go escapes.
type Result struct {
	Source SourceInfo `json:"source"`
	// Prefix is the prefix the figures are of.
	Prefix string `json:"prefix"`
	// Complete is false when the scan was cancelled (or failed) before
	// the end: the figures are then those of the keys read so far.
	Complete      bool          `json:"complete"`
	Totals        Totals        `json:"totals"`
	Segments      []Segment     `json:"segments"`
	Resources     []Resource    `json:"resources"`
	Namespaces    []Namespace   `json:"namespaces"`
	Largest       []Object      `json:"largest"`
	OutsidePrefix []Outside     `json:"outsidePrefix"`
	Encryption    []Encryption  `json:"encryption"`
	Orphans       Orphans       `json:"orphans"`
	Terminating   []Terminating `json:"terminating"`
	Undecodable   []Undecodable `json:"undecodable"`
	Churn         []Churn       `json:"churn"`
	// File is the backend's size and the part of it in use: the
	// database in a snapshot file (less the checksum etcdctl snapshot
	// save appends) and the bytes of its pages in use; on a live cluster
	// the leader's db size and db size in use. Nil when not known.
	File *File `json:"file"`
	// Etcd is the cluster's health (live; empty lists on a snapshot).
	Etcd   Etcd    `json:"etcd"`
	Leases []Lease `json:"leases"`

	// NearLimit counts the values of NearLimitBytes or more: close to the
	// request size etcd accepts, so the next update may be refused.
	NearLimit int `json:"-"`
	// Notes say in sentences what could not be read or told (leases not
	// readable, owners not checked); they are not part of the JSON form.
	Notes []string `json:"-"`
}

// SourceInfo says where the figures were read and at which revision.
type SourceInfo struct {
	// Type is "live" or "snapshot".
	Type string `json:"type"`
	// Endpoint is the live cluster's endpoints, comma-separated.
	Endpoint string `json:"endpoint,omitempty"`
	// File is the snapshot's path.
	File string `json:"file,omitempty"`
	// Revision is the one revision every value was read at.
	Revision int64 `json:"revision"`
	// CompactRevision is the oldest revision still readable (0: none
	// known).
	CompactRevision int64 `json:"compactRevision"`
}

// Totals are the figures of every key under the prefix.
type Totals struct {
	Keys       int64 `json:"keys"`
	ValueBytes int64 `json:"valueBytes"`
	KeyBytes   int64 `json:"keyBytes"`
}

// Segment is one top-level segment under the prefix: "configmaps", or a
// group ("cr.bar.com") holding its custom resources.
type Segment struct {
	Segment    string `json:"segment"`
	Keys       int64  `json:"keys"`
	ValueBytes int64  `json:"valueBytes"`
	KeyBytes   int64  `json:"keyBytes"`
}

// Resource is one resource: its storage prefix under the root
// ("services/endpoints", "cr.bar.com/foos"), group and kind.
type Resource struct {
	Resource   string `json:"resource"`
	Group      string `json:"group"`
	Kind       string `json:"kind"`
	Keys       int64  `json:"keys"`
	ValueBytes int64  `json:"valueBytes"`
	KeyBytes   int64  `json:"keyBytes"`
	// Encodings counts the values per stored encoding (protobuf, json,
	// cbor, yaml, text, binary, empty, encrypted).
	Encodings map[string]int64 `json:"encodings"`
	// HistoryRevisions and HistoryBytes are the revisions a snapshot
	// holds of the resource's keys (current ones, older ones and
	// deletions) and the bytes of their values; 0 on a live cluster.
	HistoryRevisions int64 `json:"historyRevisions"`
	HistoryBytes     int64 `json:"historyBytes"`
}

// Namespace is the namespaced objects of one namespace.
type Namespace struct {
	Namespace  string `json:"namespace"`
	Keys       int64  `json:"keys"`
	ValueBytes int64  `json:"valueBytes"`
}

// Object is one of the largest values.
type Object struct {
	Key        string `json:"key"`
	Kind       string `json:"kind"`
	ValueBytes int64  `json:"valueBytes"`
}

// Outside is a group of keys outside the prefix root: another
// application's top-level prefix ("/calico"), or a key of its own
// ("compact_rev_key").
type Outside struct {
	Key        string `json:"key"`
	Keys       int64  `json:"keys"`
	ValueBytes int64  `json:"valueBytes"`
}

// Encryption is the values stored under one provider and key name;
// provider "none" (and key name "") for values stored in clear.
type Encryption struct {
	Provider string `json:"provider"`
	KeyName  string `json:"keyName"`
	Values   int64  `json:"values"`
	// Resources counts the values per resource.
	Resources map[string]int64 `json:"resources"`
	// Decryptable says whether the encryption config given decrypts
	// them: nil without a config, and for values in clear.
	Decryptable *bool `json:"decryptable"`
}

// Orphans are objects left behind by something deleted.
type Orphans struct {
	NamespaceGone []NamespaceGone `json:"namespaceGone"`
	CRDGone       []CRDGone       `json:"crdGone"`
	OwnerGone     []OwnerGone     `json:"ownerGone"`
}

// NamespaceGone is a namespaced object whose namespace key is gone.
type NamespaceGone struct {
	Key       string `json:"key"`
	Namespace string `json:"namespace"`
}

// CRDGone is a custom resource whose CustomResourceDefinition is gone.
type CRDGone struct {
	Key string `json:"key"`
	// CRD is the name the definition would have: plural.group.
	CRD string `json:"crd"`
}

// OwnerGone is an ownerReference whose owner uid no longer exists.
type OwnerGone struct {
	Key       string `json:"key"`
	OwnerKind string `json:"ownerKind"`
	OwnerName string `json:"ownerName"`
	OwnerUID  string `json:"ownerUID"`
}

// Terminating is an object being deleted that finalizers hold back.
type Terminating struct {
	Key               string   `json:"key"`
	DeletionTimestamp string   `json:"deletionTimestamp"`
	Finalizers        []string `json:"finalizers"`
}

// Undecodable is a value that claims a Kubernetes encoding and does not
// decode (or decrypt with a key the config holds).
type Undecodable struct {
	Key   string `json:"key"`
	Error string `json:"error"`
}

// Churn is a key with many revisions still held.
type Churn struct {
	Key       string `json:"key"`
	Revisions int64  `json:"revisions"`
}

// File compares the backend's size with the part in use: what a defrag
// would give back.
type File struct {
	Bytes     int64 `json:"bytes"`
	LiveBytes int64 `json:"liveBytes"`
}

// Etcd is the live cluster's health.
type Etcd struct {
	Members []Member `json:"members"`
	// Alarms are the alarm types raised on any member: NOSPACE, CORRUPT.
	Alarms []string `json:"alarms"`
	// QuotaBytes is the backend quota, when the members tell it.
	QuotaBytes *int64 `json:"quotaBytes"`
}

// Member is one etcd member's status.
type Member struct {
	Name        string   `json:"name"`
	Endpoint    string   `json:"endpoint"`
	Leader      bool     `json:"leader"`
	DBSize      int64    `json:"dbSize"`
	DBSizeInUse int64    `json:"dbSizeInUse"`
	RaftIndex   uint64   `json:"raftIndex"`
	RaftTerm    uint64   `json:"raftTerm"`
	Version     string   `json:"version"`
	Errors      []string `json:"errors"`
}

// Lease is one etcd lease and how many keys are attached to it.
type Lease struct {
	// ID is the lease id in hex, as etcdctl prints it.
	ID string `json:"id"`
	// TTL is the remaining time to live in seconds.
	TTL  int64 `json:"ttl"`
	Keys int64 `json:"keys"`
}

// empty returns a Result whose lists are all empty, not nil, so that
// every section is present in the JSON form.
func empty() *Result {
	return &Result{
		Segments:      []Segment{},
		Resources:     []Resource{},
		Namespaces:    []Namespace{},
		Largest:       []Object{},
		OutsidePrefix: []Outside{},
		Encryption:    []Encryption{},
		Orphans: Orphans{
			NamespaceGone: []NamespaceGone{},
			CRDGone:       []CRDGone{},
			OwnerGone:     []OwnerGone{},
		},
		Terminating: []Terminating{},
		Undecodable: []Undecodable{},
		Churn:       []Churn{},
		Etcd:        Etcd{Members: []Member{}, Alarms: []string{}},
		Leases:      []Lease{},
	}
}
