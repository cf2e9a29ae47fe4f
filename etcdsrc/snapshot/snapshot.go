// Package snapshot reads an etcd db file offline: a snapshot written by
// `etcdctl snapshot save` or a member's member/snap/db copied off a broken
// node. It implements etcdsrc.Source, so the explorer and every CLI verb
// but watch work on a file when no etcd is running.
//
// The file is opened read-only with bbolt (a shared lock, no write, no
// lock file), indexed once in memory (key → revisions) and read through
// that index afterwards: listing, Get and History never scan the file.
package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
	"go.etcd.io/etcd/server/v3/storage/schema"

	"github.com/etcdscope/etcdscope/etcdsrc"
)

// ErrNotBolt is wrapped by Open's error for a file that is not a bbolt
// database at all.
var ErrNotBolt = errors.New("not an etcd db file: not a bbolt database")

// ErrNotEtcd is wrapped by Open's error for a bbolt database that has no
// etcd key bucket (another program's bbolt file).
var ErrNotEtcd = errors.New("a bbolt database but not an etcd db: it has no \"key\" bucket")

// ErrTruncated is wrapped by Open's error for a file shorter than the
// database it claims to hold (an interrupted copy).
var ErrTruncated = errors.New("the file is truncated: it is shorter than the database it holds")

// ErrLocked is wrapped by Open's error for a db file a running etcd holds.
var ErrLocked = errors.New("held by a running etcd: copy it or use etcdctl snapshot save")

// ErrCorrupt is wrapped by errors for data that is not what etcd writes.
var ErrCorrupt = errors.New("corrupt etcd db")

// DefaultLockTimeout is how long Open waits for the file's shared lock
// before deciding a running etcd holds it.
const DefaultLockTimeout = 500 * time.Millisecond

// Options tune OpenWithOptions.
type Options struct {
	// Progress, when set, is called now and then while the file is
	// indexed, with how many of the file's revisions (counted from its
	// first to its last main revision) are done, so a caller can draw a
	// progress bar. Calls come from the indexing goroutines, one at a
	// time; it must return quickly.
	Progress func(done, total int64)
	// LockTimeout bounds the wait for the file lock; 0 means
	// DefaultLockTimeout.
	LockTimeout time.Duration
}

// Snapshot is an etcd db file opened read-only and indexed. It is safe
// for concurrent use; its index does not change after Open.
type Snapshot struct {
	path     string
	db       *bolt.DB
	fileSize int64 // bytes of the file, appended checksum included
	dbSize   int64 // bytes bbolt uses (the high-water mark)
	hasSum   bool
	idx      *index

	finishedCompact  int64
	scheduledCompact int64
	consistentIndex  uint64
	storageVersion   string

	sum       sumResult
	sumOnce   sync.Once
	sumDone   chan struct{}
	sumCancel context.CancelFunc
	closeOnce sync.Once
	closeErr  error
}

var _ etcdsrc.Source = (*Snapshot)(nil)

// Open opens and indexes the etcd db file at path, read-only. Its errors
// say what the file is when it is not a usable etcd db: missing,
// unreadable, not bbolt, truncated, bbolt but not etcd, or held by a
// running etcd.
func Open(path string) (*Snapshot, error) {
	return OpenWithOptions(context.Background(), path, Options{})
}

// OpenWithOptions is Open with a progress callback and a lock timeout;
// cancelling ctx stops the indexing of a big file.
func OpenWithOptions(ctx context.Context, path string, opts Options) (*Snapshot, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, openError(path, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("open snapshot %s: is a directory; give the db file (member/snap/db or a saved snapshot)", path)
	}
	// bbolt initialises an empty file as a new database; never let it try.
	if fi.Size() == 0 {
		return nil, fmt.Errorf("open snapshot %s: the file is empty: %w", path, ErrNotBolt)
	}
	timeout := opts.LockTimeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	db, err := bolt.Open(path, 0o444, &bolt.Options{ReadOnly: true, Timeout: timeout})
	if err != nil {
		return nil, openError(path, err)
	}
	s := &Snapshot{path: path, db: db, fileSize: fi.Size(), hasSum: hasChecksum(fi.Size()), sumDone: make(chan struct{})}
	if err := s.load(ctx, opts.Progress); err != nil {
		db.Close()
		return nil, fmt.Errorf("open snapshot %s: %w", path, err)
	}
	return s, nil
}

// openError names what went wrong in the words an operator needs.
func openError(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("open snapshot %s: no such file", path)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("open snapshot %s: permission denied: the file must be readable by this user: %w", path, err)
	case errors.Is(err, berrors.ErrTimeout):
		return fmt.Errorf("open snapshot %s: %w", path, ErrLocked)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch), errors.Is(err, berrors.ErrChecksum):
		return fmt.Errorf("open snapshot %s: %w (%v)", path, ErrNotBolt, err)
	case strings.HasPrefix(err.Error(), "file size too small"):
		// bbolt has no sentinel for a file shorter than its two meta
		// pages; its words ("file size too small 4095") say too little.
		return fmt.Errorf("open snapshot %s: %w: the file is shorter than the two pages every bbolt database starts with (truncated, or no db file at all)", path, ErrNotBolt)
	}
	return fmt.Errorf("open snapshot %s: %w", path, err)
}

// load checks the file is a whole etcd db and builds the index.
func (s *Snapshot) load(ctx context.Context, progress func(done, total int64)) error {
	err := s.view(func(tx *bolt.Tx) error {
		s.dbSize = tx.Size()
		// A copy cut short still has valid meta pages; reading a page past
		// the end of the file would fault, so refuse it up front.
		if limit := s.fileSize - checksumLen(s.hasSum); s.dbSize > limit {
			return fmt.Errorf("%w: the db needs %d bytes, the file has %d", ErrTruncated, s.dbSize, limit)
		}
		if tx.Bucket(schema.Key.Name()) == nil {
			return ErrNotEtcd
		}
		return s.readMeta(tx)
	})
	if err != nil {
		return err
	}
	idx, err := buildIndex(ctx, s.view, progress)
	if err != nil {
		return err
	}
	// etcd resumes an interrupted compaction on start, so reads below
	// the scheduled revision are as good as gone.
	idx.compact = max(s.finishedCompact, s.scheduledCompact)
	idx.current = max(idx.current, idx.compact)
	s.idx = idx
	return nil
}

// view runs fn in a read transaction, turning a panic or a memory fault
// inside bbolt (a damaged file) into an error instead of a crash.
func (s *Snapshot) view(fn func(tx *bolt.Tx) error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	return s.db.View(fn)
}

// Close stops the checksum check and closes the file. Later calls return
// the first call's result.
func (s *Snapshot) Close() error {
	s.closeOnce.Do(func() {
		// A check never started never will; one running is stopped.
		s.sumOnce.Do(func() { close(s.sumDone) })
		if s.sumCancel != nil {
			s.sumCancel()
			<-s.sumDone
		}
		if err := s.db.Close(); err != nil {
			s.closeErr = fmt.Errorf("close snapshot %s: %w", s.path, err)
		}
	})
	return s.closeErr
}

// Path is the file the snapshot was opened from.
func (s *Snapshot) Path() string { return s.path }

// Revision is the snapshot's last revision.
func (s *Snapshot) Revision() int64 { return s.idx.current }

// CompactRevision is the oldest revision still readable (0: never compacted).
func (s *Snapshot) CompactRevision() int64 { return s.idx.compact }

// Keys is the number of distinct keys the file holds revisions of,
// deleted ones included.
func (s *Snapshot) Keys() int { return s.idx.len() }
