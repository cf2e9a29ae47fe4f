package snapshot

import (
	"context"
	"fmt"

	"github.com/etcdscope/etcdscope/etcdsrc"
)

var _ etcdsrc.DeletionIndex = (*Snapshot)(nil)

// Deletions calls fn, in key order, for every key under prefix ("" is
// every key) whose last revision in the file is a deletion, with the
// revision of that deletion. It reads the index only: the file holds
// every revision since its compaction point, so the span is complete.
func (s *Snapshot) Deletions(ctx context.Context, prefix string, fn func(key string, rev int64) error) (etcdsrc.DeletedSpan, error) {
	x := s.idx
	span := etcdsrc.DeletedSpan{From: x.compact + 1, To: x.current, CompactRevision: x.compact, Complete: true}
	lo, hi := s.bounds(prefix)
	for i := lo; i < hi; i++ {
		if i%4096 == 0 && ctx.Err() != nil {
			return span, fmt.Errorf("deleted keys under %q: %w", prefix, ctx.Err())
		}
		rs := x.revsOf(i)
		if last := rs[len(rs)-1]; last.tomb {
			if err := fn(x.keyString(i), last.main); err != nil {
				return span, err
			}
		}
	}
	return span, nil
}
