package etcdsrc

import (
	"context"
	"errors"
	"fmt"
)

// FutureRevisionError reports a read at a revision the source has not
// reached.
type FutureRevisionError struct {
	// Requested is the revision asked for; Newest the source's last one.
	Requested, Newest int64
}

// Error says which revision was asked for and which is the newest.
func (e *FutureRevisionError) Error() string {
	return fmt.Sprintf("revision %d is after the newest revision, %d", e.Requested, e.Newest)
}

// CheckRevision tells whether src can be read as of revision rev (0 or
// less: now, always readable): nil, a *CompactedError naming the
// compaction point, a *FutureRevisionError naming the newest revision, or
// the error that kept the source from answering. It costs one read of a
// key that does not exist.
func CheckRevision(ctx context.Context, src Source, rev int64) error {
	if rev <= 0 {
		return nil
	}
	_, err := src.Get(ctx, "\x00", rev)
	var compacted *CompactedError
	switch {
	case err == nil || errors.Is(err, ErrNotFound):
		return nil
	case errors.As(err, &compacted):
		return compacted
	}
	if st, serr := src.Status(ctx); serr == nil && st.Revision > 0 && rev > st.Revision {
		return &FutureRevisionError{Requested: rev, Newest: st.Revision}
	}
	return fmt.Errorf("read at revision %d: %w", rev, err)
}

// RangeKeys calls fn with every key under prefix at revision rev (0: now)
// in key order, without the values where the source can leave them out
// (a live etcd), and returns the revision it read at.
func RangeKeys(ctx context.Context, src Source, prefix string, rev int64, fn func(key []byte) error) (int64, error) {
	return listKeys(ctx, src, prefix, rev, fn)
}
