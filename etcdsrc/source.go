// Package etcdsrc is where keys and values come from: the Source interface
// the TUI and the CLI read through, its live etcd implementation (clientv3)
// and, in sub-packages, an offline snapshot implementation and the embedded
// etcd used by the demo and by tests.
//
// Every Source is read-only: no method writes to etcd.
package etcdsrc

import (
	"context"
	"errors"
	"fmt"

	"github.com/etcdscope/etcdscope/decode"
)

// Source is what the explorer reads keys and values through.
type Source interface {
	// Children lists the immediate children of a directory prefix (which
	// ends in "/", or is "" for the whole keyspace) in key order, one page
	// at a time. Counts are filled in only with opts.Counts (else Count is
	// -1 for directories): ask Count for them, so a level shows before it
	// is counted.
	Children(ctx context.Context, prefix string, opts ChildrenOptions) (ChildPage, error)
	// Count returns how many keys lie under prefix at revision rev (0: the
	// current one).
	Count(ctx context.Context, prefix string, rev int64) (int64, error)
	// Get returns one key at revision rev (0: the current one). A missing
	// key is an error wrapping ErrNotFound; a compacted revision one
	// wrapping ErrCompacted.
	Get(ctx context.Context, key string, rev int64) (KeyValue, error)
	// Range calls fn for every key under prefix, in key order, at one
	// pinned revision, reading in pages so memory stays flat. It returns
	// the revision it read at. fn returning an error stops the scan.
	Range(ctx context.Context, prefix string, rev int64, fn func(KeyValue) error) (int64, error)
	// History returns every revision of key still held, newest first,
	// deletions included.
	History(ctx context.Context, key string) ([]Revision, error)
	// Watch streams the changes under prefix from revision rev (0: from
	// now) until ctx ends; the channel is closed then.
	Watch(ctx context.Context, prefix string, rev int64) (<-chan Event, error)
	// Status describes the source: endpoints or file, revision, members.
	Status(ctx context.Context) (Status, error)
	// Close releases the connection or file.
	Close() error
}

// ChildrenOptions select one page of a level.
type ChildrenOptions struct {
	// After continues a level after the child with this full key (a
	// leaf's key or a directory's key ending in "/"); "" starts at the top.
	After string
	// Limit is the most children one page returns; 0 means all.
	Limit int
	// Rev pins the listing to a revision; 0 means the current one.
	Rev int64
	// Guesses are names likely to be directories of the level (the
	// resources under a Kubernetes root, the namespaces under a namespaced
	// resource). A source may probe them with narrow requests instead of
	// finding each child in turn; the page is the same with or without
	// them, a wrong guess only costs a request.
	Guesses []string
	// Counts asks for the key count of every directory of the page (at
	// the page's revision) with the listing. A source that does not count
	// leaves Count at -1; ask Count then.
	Counts bool
}

// Child is one entry of a level.
type Child struct {
	// Name is the path segment, with no "/" (raw bytes; may be invalid UTF-8).
	Name string
	// Key is the full key of a leaf, or the child prefix ending in "/".
	Key string
	// Leaf is true for a key, false for a directory. A name that is both a
	// key and a directory appears twice, the leaf first.
	Leaf bool
	// Count is the number of keys under a directory (1 for a leaf); -1
	// while not counted.
	Count int64
}

// ChildPage is one page of a level.
type ChildPage struct {
	Children []Child
	// More is true when the level goes on after the last child.
	More bool
	// Rev is the revision the page was read at; pass it back to read the
	// next page at the same revision.
	Rev int64
}

// KeyValue is a key, its value and what etcd keeps about it.
type KeyValue struct {
	Key            string
	Value          []byte
	CreateRevision int64
	ModRevision    int64
	Version        int64
	Lease          int64
	// LeaseTTL is the lease's remaining time to live in seconds, when Get
	// could ask for it (0 otherwise, -1 when the lease has expired).
	LeaseTTL int64
}

// Meta is what a decoded value's record carries of the key: its revisions,
// version and lease.
func (kv KeyValue) Meta() *decode.KeyMeta {
	return &decode.KeyMeta{
		CreateRevision: kv.CreateRevision,
		ModRevision:    kv.ModRevision,
		Version:        kv.Version,
		Lease:          kv.Lease,
	}
}

// Revision is one entry of a key's history.
type Revision struct {
	KeyValue
	// Deleted marks a deletion at ModRevision; Value is then empty.
	Deleted bool
}

// EventType says what a watch event reports.
type EventType int

// The kinds of watch event.
const (
	EventPut EventType = iota
	EventDelete
	// EventCompacted: the watch fell behind compaction; the consumer should
	// re-list. Event.Revision holds the compaction revision.
	EventCompacted
	// EventError: the watch failed; Event.Err says why. A Watch channel
	// closes after it; a Follow goes on after one marked Transient.
	EventError
)

// eventProgress is what the watch under a Follow sends when the stream
// is up or has caught up with Event.Revision (0: not known) without an
// event to show; it never reaches a consumer.
const eventProgress EventType = -1

// String returns the event type as machine output spells it.
func (t EventType) String() string {
	switch t {
	case EventPut:
		return "PUT"
	case EventDelete:
		return "DELETE"
	case EventCompacted:
		return "COMPACTED"
	case EventError:
		return "ERROR"
	}
	return fmt.Sprintf("EventType(%d)", int(t))
}

// Event is one change seen by Watch.
type Event struct {
	Type     EventType
	Revision int64
	// KV is the key after a put; for a delete, the key with the deletion's
	// revision and no value.
	KV KeyValue
	// PrevKV is the key before the change, when etcd still had it.
	PrevKV *KeyValue
	Err    error
	// Unmatched marks a DELETE a Selection made of a PUT: the key stopped
	// matching and is still there, KV its value now.
	Unmatched bool
	// Transient marks an EventError that Follow recovers from by itself
	// (a member lost, no leader, the stream cut): it watches again from
	// the revision after the last one reported. An error without it ends
	// the stream.
	Transient bool
	// Stripped marks an event a consumer let go of the values of (KV.Value
	// and PrevKV), to hold many events in little memory; ValueLen keeps
	// the length of the value.
	Stripped bool
	ValueLen int
}

// ValueSize is the length of the event's value, stripped or not.
func (e Event) ValueSize() int {
	if e.Stripped {
		return e.ValueLen
	}
	return len(e.KV.Value)
}

// Strip lets go of the event's value and previous value, keeping the
// value's length.
func (e *Event) Strip() {
	if e.Stripped {
		return
	}
	e.ValueLen, e.Stripped = len(e.KV.Value), true
	e.KV.Value, e.PrevKV = nil, nil
}

// Member is one etcd cluster member.
type Member struct {
	ID         uint64
	Name       string
	ClientURLs []string
	Leader     bool
	Learner    bool
	// Err is set when the member did not answer a status request.
	Err error
}

// Status describes a source.
type Status struct {
	// Endpoints are the client endpoints (live source).
	Endpoints []string
	// Snapshot is the file path for an offline snapshot source.
	Snapshot string
	// Revision is the current revision (the snapshot's last one).
	Revision int64
	// CompactRevision is the oldest revision still readable, when known.
	CompactRevision int64
	Members         []Member
	// Answering is how many members answered a status request.
	Answering int
	// LeaderID is the member that leads, as the members that answered
	// say (0: none known).
	LeaderID uint64
	// NoLeader is set when members answer but none knows a leader: quorum
	// is lost, and only serializable reads (--consistency s) work.
	NoLeader bool
	// DBSize and DBSizeInUse are the backend sizes in bytes.
	DBSize      int64
	DBSizeInUse int64
	// Alarms are the cluster's alarms ("NOSPACE on member 8e9e05c52164694d"),
	// as the members report them.
	Alarms  []string
	Version string
	// Checksum is what the sha256 `etcdctl snapshot save` appends says of
	// a snapshot file (ChecksumNone for a live source or a file without one).
	Checksum Checksum
	// MayLagWAL is set for a snapshot that is a member's own db file, not
	// a saved snapshot: writes in the member's WAL may be missing from it.
	MayLagWAL bool
	// Notes say in sentences what a person should know about the source
	// (the checksum result, WAL lag, an unfinished compaction).
	Notes []string
}

// Checksum is the result of checking a snapshot's appended sha256.
type Checksum int

// The results of a snapshot checksum check.
const (
	// ChecksumNone: no checksum to check.
	ChecksumNone Checksum = iota
	// ChecksumPending: the check is still running.
	ChecksumPending
	// ChecksumOK: the file's content matches its checksum.
	ChecksumOK
	// ChecksumMismatch: the file was damaged or changed after it was saved.
	ChecksumMismatch
	// ChecksumUnchecked: the file could not be read to the end to check.
	ChecksumUnchecked
)

// String names the result in a few words.
func (c Checksum) String() string {
	switch c {
	case ChecksumNone:
		return "no checksum"
	case ChecksumPending:
		return "checksum pending"
	case ChecksumOK:
		return "checksum ok"
	case ChecksumMismatch:
		return "CHECKSUM MISMATCH"
	case ChecksumUnchecked:
		return "checksum unchecked"
	}
	return fmt.Sprintf("Checksum(%d)", int(c))
}

// ErrNotFound is wrapped by errors for keys that do not exist.
var ErrNotFound = errors.New("key not found")

// ErrNoWatch is returned by Watch on sources that cannot watch (snapshots).
var ErrNoWatch = errors.New("watch is not possible on this source")

// CompactedError reports a read below the compaction revision.
type CompactedError struct {
	// Requested is the revision asked for.
	Requested int64
	// Compacted is the compaction revision: the oldest still readable.
	Compacted int64
}

// Error says which revision was asked for and which is the oldest left.
func (e *CompactedError) Error() string {
	if e.Compacted > 0 {
		return fmt.Sprintf("revision %d has been compacted; the oldest revision still held is %d", e.Requested, e.Compacted)
	}
	return fmt.Sprintf("revision %d has been compacted", e.Requested)
}

// ErrCompacted is matched by errors.Is for every *CompactedError.
var ErrCompacted = errors.New("revision compacted")

// Is makes errors.Is(err, ErrCompacted) true.
func (e *CompactedError) Is(target error) bool { return target == ErrCompacted }
