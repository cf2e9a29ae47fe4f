package snapshot

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
	"go.etcd.io/etcd/server/v3/storage/schema"
	"google.golang.org/protobuf/encoding/protowire"
)

// KeyHistory is what the file holds of one key over time.
type KeyHistory struct {
	Key string
	// Revisions is the number of revisions the file holds of the key,
	// the current one and deletions included.
	Revisions int
	// ValueBytes is the size of the values of all those revisions.
	ValueBytes int64
	// Live is true when the key exists at the last revision.
	Live bool
}

// historyBatch is how many keys KeyHistories reads in one transaction
// before handing them to its callback.
const historyBatch = 1024

// KeyHistories calls fn for every key under prefix ("" is every key) that
// the file holds any revision of, deleted keys included, in key order:
// what compaction would leave and what it would free. Only the length of
// each stored value is read, never the value.
func (s *Snapshot) KeyHistories(ctx context.Context, prefix string, fn func(KeyHistory) error) error {
	lo, hi := s.bounds(prefix)
	batch := make([]KeyHistory, 0, historyBatch)
	for i := lo; i < hi; {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("history under %q: %w", prefix, err)
		}
		batch = batch[:0]
		err := s.view(func(tx *bolt.Tx) error {
			b := tx.Bucket(schema.Key.Name())
			for ; i < hi && len(batch) < historyBatch; i++ {
				rs := s.idx.revsOf(i)
				h := KeyHistory{Key: s.idx.keyString(i), Revisions: len(rs), Live: !rs[len(rs)-1].tomb}
				for _, r := range rs {
					if r.tomb {
						continue
					}
					v := b.Get(revBytes(r))
					if v == nil {
						return fmt.Errorf("%w: revision %d is in the index but not in the file", ErrCorrupt, r.main)
					}
					n, err := valueLen(v)
					if err != nil {
						return fmt.Errorf("%w: revision %d: %v", ErrCorrupt, r.main, err)
					}
					h.ValueBytes += int64(n)
				}
				batch = append(batch, h)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("history under %q: %w", prefix, err)
		}
		for _, h := range batch {
			if err := fn(h); err != nil {
				return err
			}
		}
	}
	return nil
}

// valueLen finds field 5 (value) of a marshalled mvccpb.KeyValue and
// returns its length without copying it; a value left empty is absent.
func valueLen(v []byte) (int, error) {
	for len(v) > 0 {
		num, typ, n := protowire.ConsumeTag(v)
		if n < 0 {
			return 0, protowire.ParseError(n)
		}
		v = v[n:]
		if num == 5 && typ == protowire.BytesType {
			val, m := protowire.ConsumeBytes(v)
			if m < 0 {
				return 0, protowire.ParseError(m)
			}
			return len(val), nil
		}
		m := protowire.ConsumeFieldValue(num, typ, v)
		if m < 0 {
			return 0, protowire.ParseError(m)
		}
		v = v[m:]
	}
	return 0, nil
}

// InUseBytes is how much of the file bbolt uses: the pages of every
// bucket plus the two meta pages and the root page. The rest is free
// pages, which a defrag gives back. It walks every page of the file.
func (s *Snapshot) InUseBytes(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("pages in use: %w", err)
	}
	var used int64
	err := s.view(func(tx *bolt.Tx) error {
		page := int64(tx.DB().Info().PageSize)
		used = 3 * page
		return tx.ForEach(func(_ []byte, b *bolt.Bucket) error {
			st := b.Stats()
			used += int64(st.BranchAlloc + st.LeafAlloc)
			return nil
		})
	})
	if err != nil {
		return 0, fmt.Errorf("pages in use: %w", err)
	}
	return used, nil
}

// DBSize is the size of the database in the file, in bytes: the file
// less the checksum `etcdctl snapshot save` appends.
func (s *Snapshot) DBSize() int64 { return s.fileSize - checksumLen(s.hasSum) }
