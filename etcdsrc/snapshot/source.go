package snapshot

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/storage/schema"
	"google.golang.org/protobuf/proto"

	"github.com/etcdscope/etcdscope/etcdsrc"
)

// ErrFutureRevision is wrapped by errors for a revision after the
// snapshot's last one.
var ErrFutureRevision = errors.New("revision is after the snapshot's last revision")

// rangeBatch is how many values Range reads in one transaction before
// handing them to its callback, so memory stays flat over any prefix.
const rangeBatch = 256

// revision turns a requested revision (0 or less: the last one) into one
// the file can answer, as etcd would.
func (s *Snapshot) revision(rev int64) (int64, error) {
	switch {
	case rev <= 0:
		return s.idx.current, nil
	case rev < s.idx.compact:
		return 0, &etcdsrc.CompactedError{Requested: rev, Compacted: s.idx.compact}
	case rev > s.idx.current:
		return 0, fmt.Errorf("revision %d: %w (%d)", rev, ErrFutureRevision, s.idx.current)
	}
	return rev, nil
}

// bounds is the index range of the keys under prefix ("" is every key).
func (s *Snapshot) bounds(prefix string) (lo, hi int) {
	lo, hi = s.idx.lowerBound(prefix), s.idx.len()
	if prefix == "" {
		return 0, hi
	}
	if end := clientv3.GetPrefixRangeEnd(prefix); end != "\x00" {
		hi = s.idx.lowerBound(end)
	}
	return lo, hi
}

// Children lists the immediate children of prefix from the index: a
// directory is found by one binary search past its sub-tree, and listed
// only when a key under it exists at the revision asked for. Order,
// paging and names follow the live source: key order (so a leaf comes
// before the directory of the same name), After is a child's full key,
// and the key equal to prefix is the leaf with an empty name.
func (s *Snapshot) Children(ctx context.Context, prefix string, opts etcdsrc.ChildrenOptions) (etcdsrc.ChildPage, error) {
	r, err := s.revision(opts.Rev)
	if err != nil {
		return etcdsrc.ChildPage{}, fmt.Errorf("list %q: %w", prefix, err)
	}
	x := s.idx
	lo, hi := s.bounds(prefix)
	if start := childrenStart(prefix, opts.After); start > prefix {
		lo = max(lo, x.lowerBound(start))
	}
	// One child more than asked for tells whether the level goes on.
	want := opts.Limit + 1
	var kids []etcdsrc.Child
	for i := lo; i < hi && (opts.Limit <= 0 || len(kids) < want); {
		if i%4096 == 0 && ctx.Err() != nil {
			return etcdsrc.ChildPage{}, fmt.Errorf("list %q: %w", prefix, ctx.Err())
		}
		key := x.key(i)
		rest := key[len(prefix):]
		j := bytes.IndexByte(rest, '/')
		if j < 0 {
			if x.exists(i, r) {
				k := string(key)
				kids = append(kids, etcdsrc.Child{Name: k[len(prefix):], Key: k, Leaf: true, Count: 1})
			}
			i++
			continue
		}
		dir := string(key[:len(prefix)+j+1])
		// '0' is the byte after '/': the first key past the sub-tree.
		end := x.lowerBoundIn(dir[:len(dir)-1]+"0", i, hi)
		if x.count(i, end, r, 1) > 0 {
			kids = append(kids, etcdsrc.Child{Name: dir[len(prefix) : len(dir)-1], Key: dir, Count: -1})
		}
		i = end
	}
	page := etcdsrc.ChildPage{Children: kids, Rev: r}
	if opts.Limit > 0 && len(kids) > opts.Limit {
		page.Children, page.More = kids[:opts.Limit], true
	}
	return page, nil
}

// childrenStart is the first key of a page: the level's start, or just
// past the child named by after (past a whole directory for a "/" key).
func childrenStart(prefix, after string) string {
	if after == "" || after < prefix {
		return prefix
	}
	if after != prefix && strings.HasSuffix(after, "/") {
		return after[:len(after)-1] + "0"
	}
	return after + "\x00"
}

// Count returns how many keys under prefix exist at revision rev: two
// look-ups at the last revision, a walk of the prefix's keys at others.
func (s *Snapshot) Count(ctx context.Context, prefix string, rev int64) (int64, error) {
	r, err := s.revision(rev)
	if err != nil {
		return 0, fmt.Errorf("count %q: %w", prefix, err)
	}
	lo, hi := s.bounds(prefix)
	return s.idx.count(lo, hi, r, 0), nil
}

// Get returns key at revision rev (0: the last one).
func (s *Snapshot) Get(ctx context.Context, key string, rev int64) (etcdsrc.KeyValue, error) {
	r, err := s.revision(rev)
	if err != nil {
		return etcdsrc.KeyValue{}, fmt.Errorf("get %q: %w", key, err)
	}
	i, ok := s.idx.find(key)
	if !ok {
		return etcdsrc.KeyValue{}, fmt.Errorf("get %q: %w", key, etcdsrc.ErrNotFound)
	}
	e, ok := s.idx.at(i, r)
	if !ok {
		return etcdsrc.KeyValue{}, fmt.Errorf("get %q at revision %d: %w", key, r, etcdsrc.ErrNotFound)
	}
	var kv etcdsrc.KeyValue
	err = s.view(func(tx *bolt.Tx) error {
		kv, err = readKV(tx, key, e)
		return err
	})
	if err != nil {
		return etcdsrc.KeyValue{}, fmt.Errorf("get %q: %w", key, err)
	}
	return kv, nil
}

// readKV reads and checks one stored revision of key.
func readKV(tx *bolt.Tx, key string, e rev) (etcdsrc.KeyValue, error) {
	b := tx.Bucket(schema.Key.Name())
	v := b.Get(revBytes(e))
	if v == nil {
		return etcdsrc.KeyValue{}, fmt.Errorf("%w: revision %d is in the index but not in the file", ErrCorrupt, e.main)
	}
	kv := &mvccpb.KeyValue{} // Unmarshal copies out of the mmap
	if err := proto.Unmarshal(v, kv); err != nil {
		return etcdsrc.KeyValue{}, fmt.Errorf("%w: revision %d: %v", ErrCorrupt, e.main, err)
	}
	if string(kv.Key) != key {
		return etcdsrc.KeyValue{}, fmt.Errorf("%w: revision %d holds key %q", ErrCorrupt, e.main, kv.Key)
	}
	return etcdsrc.KeyValue{
		Key:            key,
		Value:          kv.Value,
		CreateRevision: kv.CreateRevision,
		ModRevision:    kv.ModRevision,
		Version:        kv.Version,
		Lease:          kv.Lease,
	}, nil
}

// Range calls fn for every key under prefix that exists at rev, in key
// order, reading values a batch at a time outside fn. It returns the
// revision read at.
func (s *Snapshot) Range(ctx context.Context, prefix string, rev int64, fn func(etcdsrc.KeyValue) error) (int64, error) {
	r, err := s.revision(rev)
	if err != nil {
		return 0, fmt.Errorf("range %q: %w", prefix, err)
	}
	lo, hi := s.bounds(prefix)
	batch := make([]etcdsrc.KeyValue, 0, rangeBatch)
	for i := lo; i < hi; {
		if err := ctx.Err(); err != nil {
			return r, fmt.Errorf("range %q: %w", prefix, err)
		}
		batch = batch[:0]
		err := s.view(func(tx *bolt.Tx) error {
			for ; i < hi && len(batch) < rangeBatch; i++ {
				e, ok := s.idx.at(i, r)
				if !ok {
					continue
				}
				kv, err := readKV(tx, s.idx.keyString(i), e)
				if err != nil {
					return err
				}
				batch = append(batch, kv)
			}
			return nil
		})
		if err != nil {
			return r, fmt.Errorf("range %q: %w", prefix, err)
		}
		for _, kv := range batch {
			if err := fn(kv); err != nil {
				return r, err
			}
		}
	}
	return r, nil
}

// History returns every revision of key the file holds, newest first:
// deletions as Deleted entries, earlier incarnations of a re-created key
// too. A key with no revision at all is an error wrapping ErrNotFound.
func (s *Snapshot) History(ctx context.Context, key string) ([]etcdsrc.Revision, error) {
	i, ok := s.idx.find(key)
	if !ok {
		return nil, fmt.Errorf("history %q: %w", key, etcdsrc.ErrNotFound)
	}
	rs := s.idx.revsOf(i)
	out := make([]etcdsrc.Revision, 0, len(rs))
	err := s.view(func(tx *bolt.Tx) error {
		for j := len(rs) - 1; j >= 0; j-- {
			e := rs[j]
			if e.tomb {
				out = append(out, etcdsrc.Revision{KeyValue: etcdsrc.KeyValue{Key: key, ModRevision: e.main}, Deleted: true})
				continue
			}
			kv, err := readKV(tx, key, e)
			if err != nil {
				return err
			}
			out = append(out, etcdsrc.Revision{KeyValue: kv})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("history %q: %w", key, err)
	}
	return out, nil
}

// Watch always fails: a file does not change.
func (s *Snapshot) Watch(ctx context.Context, prefix string, rev int64) (<-chan etcdsrc.Event, error) {
	return nil, fmt.Errorf("watch %q: a snapshot file is one moment in time and has no watch; point etcdscope at a live cluster to watch: %w", prefix, etcdsrc.ErrNoWatch)
}
