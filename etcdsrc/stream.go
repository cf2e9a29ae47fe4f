package etcdsrc

import (
	"context"
	"errors"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// streamRetries is how many times StreamRange resumes a stream that broke
// off (a member restarting, a connection reset) before giving up.
const streamRetries = 3

// errStreamIdle ends a stream that sent nothing for CommandTimeout.
var errStreamIdle = errors.New("no answer within --command-timeout")

// StreamRange is Range through etcd 3.7's RangeStream: the whole prefix
// in one stream, which the server reads in chunks as the caller takes
// them, pinned at rev (0: the current revision). Range's pages cost the
// server a count of the rest of the range each (tens of milliseconds a
// page over a million keys, so the server's work grows with the square of
// the range); a stream does not. A stream that breaks off is resumed
// after the last key delivered; servers without RangeStream are read
// with Range. CommandTimeout bounds each wait for a chunk, not the whole
// stream, whose pace is the caller's. It only reads.
func (l *Live) StreamRange(ctx context.Context, prefix string, rev int64, fn func(KeyValue) error) (int64, error) {
	return guarded(ctx, l, fmt.Sprintf("range %q", prefix), func(ctx context.Context) (int64, error) {
		return l.streamRange(ctx, prefix, rev, fn)
	})
}

func (l *Live) streamRange(ctx context.Context, prefix string, rev int64, fn func(KeyValue) error) (int64, error) {
	if l.stream.Load() == streamNo {
		return l.Range(ctx, prefix, rev, fn)
	}
	start := childrenStart(prefix, "")
	end := clientv3.GetPrefixRangeEnd(prefix)
	if prefix == "" {
		end = "\x00"
	}
	if rev == 0 {
		// A stream tells its revision only on its last chunk: pin the
		// scan with a one-key read first.
		resp, err := l.get(ctx, start, 0, clientv3.WithKeysOnly(), clientv3.WithLimit(1))
		if err != nil {
			return 0, l.readError(ctx, "range", prefix, err)
		}
		rev = resp.Header.Revision
	}
	var lastErr error
	for try := 0; try <= streamRetries; try++ {
		next, delivered, err := l.streamFrom(ctx, start, end, rev, false, fn)
		if err != nil && !delivered && l.lagging(rev, err) {
			next, delivered, err = l.streamFrom(ctx, start, end, rev, true, fn)
		}
		var stop *callerError
		switch {
		case err == nil:
			return rev, nil
		case isUnimplemented(err) && !delivered && start == childrenStart(prefix, ""):
			l.stream.Store(streamNo)
			return l.Range(ctx, prefix, rev, fn)
		case errors.As(err, &stop):
			return rev, stop.err
		case ctx.Err() != nil:
			return rev, fmt.Errorf("range %q: %w", prefix, ctx.Err())
		case isCompacted(err):
			return rev, fmt.Errorf("range %q: %w", prefix, l.compactedError(ctx, prefix, rev))
		case status.Code(err) != codes.Unavailable:
			// etcd refused the read (permission, auth) or did not
			// answer in time: trying again would say the same.
			return rev, l.readError(ctx, "range", prefix, err)
		}
		lastErr = err
		start = next
	}
	return rev, l.readError(ctx, "range", prefix, lastErr)
}

// callerError is an error fn returned, which ends the scan as it is.
type callerError struct{ err error }

func (e *callerError) Error() string { return e.err.Error() }

// streamFrom reads one stream of [start, end) at rev and hands every key
// to fn. It returns where a resumed stream would start (just after the
// last key delivered) and whether any key was.
func (l *Live) streamFrom(ctx context.Context, start, end string, rev int64, linear bool, fn func(KeyValue) error) (next string, delivered bool, err error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := l.kv.GetStream(sctx, start, l.readOpts(rev, linear, clientv3.WithRange(end))...)
	if err != nil {
		return start, false, err
	}
	// Cancel the stream and take what it still holds, so its goroutine
	// can end.
	defer func() {
		cancel()
		for range ch {
		}
	}()
	idle := l.cfg.CommandTimeout
	if idle <= 0 {
		idle = time.Hour
	}
	timer := time.NewTimer(idle)
	defer timer.Stop()
	next = start
	for {
		timer.Reset(idle)
		var (
			r  clientv3.RangeStreamResponse
			ok bool
		)
		select {
		case r, ok = <-ch:
		case <-timer.C:
			return next, delivered, errStreamIdle
		}
		if !ok {
			return next, delivered, nil
		}
		if err := r.Err(); err != nil {
			return next, delivered, err
		}
		if l.stream.Load() == streamUnknown {
			l.stream.Store(streamYes)
		}
		for _, kv := range r.Kvs {
			if err := fn(fromKV(kv)); err != nil {
				return next, delivered, &callerError{err: err}
			}
			delivered = true
			next = string(kv.Key) + "\x00"
		}
	}
}
