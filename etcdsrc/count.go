package etcdsrc

import (
	"context"
	"sync"
)

// countInFlight is how many count requests CountAll keeps in flight: enough
// to hide the round trips of a level with many directories, few enough
// not to crowd a busy etcd.
const countInFlight = 8

// CountResult is the key count of one prefix, or why it is not known.
type CountResult struct {
	Prefix string
	Count  int64
	Err    error
}

// CountAll counts the keys under each prefix at revision rev (0: the
// current one), a few requests at a time, and returns the results in the
// order of prefixes. One prefix failing (permission denied on it, say)
// does not stop the others; once ctx ends, the prefixes not yet counted
// fail with its error.
func CountAll(ctx context.Context, src Source, prefixes []string, rev int64) []CountResult {
	return countEach(ctx, prefixes, func(ctx context.Context, p string) (int64, error) { return src.Count(ctx, p, rev) })
}

// countEach runs count for every prefix, countInFlight at a time, as
// CountAll says.
func countEach(ctx context.Context, prefixes []string, count func(context.Context, string) (int64, error)) []CountResult {
	out := make([]CountResult, len(prefixes))
	var wg sync.WaitGroup
	slots := make(chan struct{}, countInFlight)
	for i, p := range prefixes {
		out[i].Prefix = p
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			out[i].Err = ctx.Err()
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			out[i].Count, out[i].Err = count(ctx, p)
		})
	}
	wg.Wait()
	return out
}
