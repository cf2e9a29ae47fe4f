package snapshot

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/server/v3/storage/schema"

	"github.com/etcdscope/etcdscope/etcdsrc"
)

// readMeta reads what etcd keeps beside the keys: the compaction
// revisions, the applied raft index and the storage version.
func (s *Snapshot) readMeta(tx *bolt.Tx) error {
	mb := tx.Bucket(schema.Meta.Name())
	if mb == nil {
		return nil // very old or partial dbs; the keys still read
	}
	var err error
	if s.finishedCompact, err = metaRev(mb, schema.FinishedCompactKeyName); err != nil {
		return err
	}
	if s.scheduledCompact, err = metaRev(mb, schema.ScheduledCompactKeyName); err != nil {
		return err
	}
	if v := mb.Get(schema.MetaConsistentIndexKeyName); len(v) == 8 {
		s.consistentIndex = binary.BigEndian.Uint64(v)
	}
	if v := schema.ReadStorageVersionFromSnapshot(tx); v != nil {
		s.storageVersion = v.String()
	}
	return nil
}

// metaRev reads a revision stored in the meta bucket (0 when absent), as
// mvcc.UnsafeReadFinishedCompact does.
func metaRev(mb *bolt.Bucket, name []byte) (int64, error) {
	v := mb.Get(name)
	if v == nil {
		return 0, nil
	}
	r, err := parseRevKey(v)
	if err != nil {
		return 0, fmt.Errorf("meta %s: %w", name, err)
	}
	return r.main, nil
}

// hasChecksum reports a file with a sha256 appended, as `etcdctl snapshot
// save` writes it: bbolt files are whole pages (multiples of 512 bytes),
// so 32 bytes over means a digest (etcd's client/v3/snapshot uses the
// same test).
func hasChecksum(size int64) bool { return size%512 == sha256.Size }

func checksumLen(has bool) int64 {
	if has {
		return sha256.Size
	}
	return 0
}

// sumState is the outcome of the checksum check.
type sumState int

const (
	sumNone     sumState = iota // no digest appended
	sumMatch                    // the digest matches the content
	sumMismatch                 // the digest does not match
	sumFailed                   // the file could not be read
)

// sumResult is what the checksum goroutine found.
type sumResult struct {
	state sumState
	err   error
}

// startChecksum checks the appended sha256 in the background, once. It
// starts on the first Status, not on Open: hashing a big file takes
// longer than indexing it and would slow the first screen down.
func (s *Snapshot) startChecksum() {
	s.sumOnce.Do(func() {
		if !s.hasSum {
			close(s.sumDone)
			return
		}
		ctx, cancel := context.WithCancel(context.Background())
		s.sumCancel = cancel
		go func() {
			defer close(s.sumDone)
			s.sum = verifyChecksum(ctx, s.path, s.fileSize)
		}()
	})
}

// verifyChecksum hashes everything but the last 32 bytes of the file and
// compares it with them.
func verifyChecksum(ctx context.Context, path string, size int64) sumResult {
	f, err := os.Open(path)
	if err != nil {
		return sumResult{state: sumFailed, err: err}
	}
	defer f.Close()
	h := sha256.New()
	body := size - sha256.Size
	if _, err := io.Copy(h, &ctxReader{ctx: ctx, r: io.NewSectionReader(f, 0, body)}); err != nil {
		return sumResult{state: sumFailed, err: err}
	}
	want := make([]byte, sha256.Size)
	if _, err := f.ReadAt(want, body); err != nil {
		return sumResult{state: sumFailed, err: err}
	}
	if string(h.Sum(nil)) == string(want) {
		return sumResult{state: sumMatch}
	}
	return sumResult{state: sumMismatch}
}

// ctxReader stops a long copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// notes says what a person should know about the file, and the checksum
// result they tell of.
func (s *Snapshot) notes(ctx context.Context) ([]string, etcdsrc.Checksum) {
	var notes []string
	sum := etcdsrc.ChecksumNone
	if s.hasSum {
		select {
		case <-s.sumDone:
			switch s.sum.state {
			case sumMatch:
				sum = etcdsrc.ChecksumOK
				notes = append(notes, "sha256 checksum appended by etcdctl snapshot save: matches")
			case sumMismatch:
				sum = etcdsrc.ChecksumMismatch
				notes = append(notes, "sha256 checksum appended by etcdctl snapshot save: DOES NOT MATCH; the file was damaged or changed after it was saved")
			case sumNone:
				sum = etcdsrc.ChecksumUnchecked
				notes = append(notes, "sha256 checksum not checked: the snapshot was closed first")
			case sumFailed:
				sum = etcdsrc.ChecksumUnchecked
				if errors.Is(s.sum.err, context.Canceled) {
					notes = append(notes, "sha256 checksum not checked: the snapshot was closed first")
				} else {
					notes = append(notes, fmt.Sprintf("sha256 checksum could not be checked: %v", s.sum.err))
				}
			}
		case <-ctx.Done():
			sum = etcdsrc.ChecksumPending
			notes = append(notes, "sha256 checksum check still running")
		}
	} else {
		what := "no sha256 checksum appended: not written by etcdctl snapshot save"
		if filepath.Base(s.path) == "db" && filepath.Base(filepath.Dir(s.path)) == "snap" {
			what = "a member's member/snap/db (no sha256 checksum appended)"
		}
		lag := "; a member's db file may lag its WAL: writes the member logged after its last backend commit are not in it"
		if s.consistentIndex > 0 {
			lag += fmt.Sprintf(" (this db applied raft index %d)", s.consistentIndex)
		}
		notes = append(notes, what+lag)
	}
	if s.scheduledCompact > s.finishedCompact {
		notes = append(notes, fmt.Sprintf("a compaction to revision %d was scheduled but had not finished (last finished: %d); etcd would complete it on start", s.scheduledCompact, s.finishedCompact))
	}
	return notes, sum
}

// Status describes the file: path, last and compaction revisions, size,
// etcd storage version and notes (checksum result, WAL lag). It waits for
// the checksum check (started by the first Status) until ctx ends; a
// check still running then is noted as such rather than failing Status.
// DBSizeInUse stays 0: bbolt cannot tell its free pages without reading
// the freelist, which a read-only open does not load.
func (s *Snapshot) Status(ctx context.Context) (etcdsrc.Status, error) {
	s.startChecksum()
	notes, sum := s.notes(ctx)
	return etcdsrc.Status{
		Snapshot:        s.path,
		Revision:        s.idx.current,
		CompactRevision: s.idx.compact,
		DBSize:          s.fileSize - checksumLen(s.hasSum),
		Version:         s.storageVersion,
		Checksum:        sum,
		// Only etcdctl snapshot save appends a checksum; a file without
		// one is a member's db, which may lag its WAL.
		MayLagWAL: !s.hasSum,
		Notes:     notes,
	}, nil
}
