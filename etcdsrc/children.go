package etcdsrc

import (
	"context"
	"fmt"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// unaryPageKeys is how many keys one unary range of a listing asks for on
// servers without RangeStream: enough that leaf-heavy levels take few
// requests, small enough that a page inside one big directory stays cheap
// to send.
const unaryPageKeys = 256

// Children lists the immediate children of prefix without reading the
// whole keyspace: it finds the first key at or after a start key, takes
// that key's next path segment as a child and jumps past the child's whole
// sub-tree (prefix+name+"0", as '0' is the byte after '/'). Every request
// of one page is pinned at one revision, returned in ChildPage.Rev.
//
// etcd's unary Range counts every key left in its range even with a limit,
// which makes each jump cost as much as the rest of the level. etcd 3.7's
// RangeStream counts nothing until its last chunk, so a jump opens a
// stream, reads its first chunk and cancels it. Servers without
// RangeStream answer Unimplemented once; the unary way is used from then on.
func (l *Live) Children(ctx context.Context, prefix string, opts ChildrenOptions) (ChildPage, error) {
	return guarded(ctx, l, fmt.Sprintf("list %q", prefix), func(ctx context.Context) (ChildPage, error) {
		page, err := l.children(ctx, prefix, opts)
		if err != nil {
			if isCompacted(err) {
				return ChildPage{}, fmt.Errorf("list %q: %w", prefix, l.compactedError(ctx, prefix, opts.Rev))
			}
			return ChildPage{}, l.readError(ctx, "list", prefix, err)
		}
		return page, nil
	})
}

// folder turns keys, in key order, into the children of one level.
type folder struct {
	prefix string
	limit  int // children wanted, plus one to learn whether more follow
	kids   []Child
	// first is the first key seen of the last directory appended: what
	// follows its name is how the guesses of its siblings are probed.
	first string
}

// add folds one key; it returns false once enough children are known.
func (f *folder) add(key string) bool {
	rest := key[len(f.prefix):]
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		dir := f.prefix + rest[:i+1]
		if n := len(f.kids); n > 0 && !f.kids[n-1].Leaf && f.kids[n-1].Key == dir {
			return true // more of the directory just seen
		}
		f.kids = append(f.kids, Child{Name: rest[:i], Key: dir, Count: -1})
		f.first = key
	} else {
		f.kids = append(f.kids, Child{Name: rest, Key: key, Leaf: true, Count: 1})
	}
	return !f.full()
}

// addChild folds a child found by other means than its keys (a guess
// probed, a sub-range listed apart), keeping a directory's count.
func (f *folder) addChild(c Child) bool {
	n := len(f.kids)
	more := f.add(c.Key)
	if len(f.kids) > n && !c.Leaf {
		f.kids[n].Count = c.Count
	}
	return more
}

// full reports that the folder holds as many children as it wants.
func (f *folder) full() bool {
	return f.limit > 0 && len(f.kids) >= f.limit
}

// next is where the level goes on after the last child folded: past a
// directory's sub-tree, or just after a leaf.
func (f *folder) next() string {
	last := f.kids[len(f.kids)-1]
	if last.Leaf {
		return last.Key + "\x00"
	}
	return dirEnd(last.Key)
}

// dirEnd is the first key past the sub-tree of dir (which ends in "/"):
// '0' is the byte after '/'.
func dirEnd(dir string) string {
	return dir[:len(dir)-1] + "0"
}

// childrenStart is the first key to look at for a page: the level's start,
// or just past the child named by after.
func childrenStart(prefix, after string) string {
	start := prefix
	if after != "" && after >= prefix {
		switch {
		case after == prefix:
			// The key equal to the prefix is the leaf with an empty name.
			start = after + "\x00"
		case strings.HasSuffix(after, "/"):
			start = dirEnd(after)
		default:
			start = after + "\x00"
		}
	}
	if start == "" {
		// etcd has no empty key; "\x00" is the smallest there is.
		start = "\x00"
	}
	return start
}

// levelEnd is the end of the range [prefix, end) a level lies in; "\x00"
// (with a start key: every key from it on) for the whole keyspace.
func levelEnd(prefix string) string {
	if prefix == "" {
		return "\x00"
	}
	return clientv3.GetPrefixRangeEnd(prefix)
}

// children lists a level: a step reads keys from the start until it meets
// a directory, then the directories that likely follow it are probed
// with narrow requests in parallel (guess.go); where the guesses end, or
// miss, the next step goes on from there.
func (l *Live) children(ctx context.Context, prefix string, opts ChildrenOptions) (ChildPage, error) {
	end := levelEnd(prefix)
	f := &folder{prefix: prefix}
	if opts.Limit > 0 {
		f.limit = opts.Limit + 1
	}
	start := childrenStart(prefix, opts.After)
	rev := opts.Rev
	g := newGuesser(prefix, opts.Guesses)

	for !beyond(start, end) {
		next, more, err := l.step(ctx, f, start, end, &rev)
		if err != nil {
			return ChildPage{}, err
		}
		if !more {
			break
		}
		start = next
		if last := f.kids[len(f.kids)-1]; !last.Leaf {
			if start, err = l.guessOn(ctx, f, g, start, rev, opts.Counts); err != nil {
				return ChildPage{}, err
			}
			if f.full() {
				break
			}
		}
	}

	page := ChildPage{Children: f.kids, Rev: rev}
	if opts.Limit > 0 && len(f.kids) > opts.Limit {
		page.Children, page.More = f.kids[:opts.Limit], true
	}
	if rev == 0 {
		// An empty level read only by unary ranges still has a header
		// revision; this is reached only when no request was made.
		resp, err := l.get(ctx, childrenStart(prefix, ""), 0, clientv3.WithCountOnly())
		if err != nil {
			return ChildPage{}, err
		}
		page.Rev = resp.Header.Revision
	}
	if opts.Counts {
		if err := l.fillCounts(ctx, page.Children, page.Rev); err != nil {
			return ChildPage{}, err
		}
	}
	return page, nil
}

// listRange folds the children of [start, end) the plain way, one step
// after another, at rev (pinned by the first step when 0).
func (l *Live) listRange(ctx context.Context, f *folder, start, end string, rev *int64) error {
	for !beyond(start, end) {
		next, more, err := l.step(ctx, f, start, end, rev)
		if err != nil || !more {
			return err
		}
		start = next
	}
	return nil
}

// step reads keys from start: by RangeStream until it meets a directory,
// else one unary page. It pins *rev when it is 0. more is false when the
// range has nothing after what was folded, or the folder is full.
func (l *Live) step(ctx context.Context, f *folder, start, end string, rev *int64) (next string, more bool, err error) {
	for {
		if l.stream.Load() == streamNo {
			next, more, *rev, err = l.unaryStep(ctx, f, start, end, *rev)
			return next, more, err
		}
		if *rev == 0 {
			// A stream tells its revision only on its last chunk, which
			// a jump never reads: pin the listing with a one-key read.
			resp, err := l.get(ctx, start, 0, clientv3.WithKeysOnly())
			if err != nil {
				return "", false, err
			}
			*rev = resp.Header.Revision
		}
		next, more, err = l.streamStep(ctx, f, start, end, *rev, false)
		if err != nil && l.lagging(*rev, err) {
			next, more, err = l.streamStep(ctx, f, start, end, *rev, true)
		}
		if err != nil && isUnimplemented(err) {
			l.stream.Store(streamNo)
			continue
		}
		return next, more, err
	}
}

// beyond reports that start is past the end of the range [.., end).
func beyond(start, end string) bool {
	return end != "\x00" && start >= end
}

// streamStep reads one stream from start: every chunk is folded until the
// last key seen lies in a directory (whose rest is jumped over by the
// next step) or enough children are known. more is false when the level
// has nothing after what was folded.
func (l *Live) streamStep(ctx context.Context, f *folder, start, end string, rev int64, linear bool) (next string, more bool, err error) {
	ch, stop, err := l.keyStream(ctx, start, end, rev, linear)
	if err != nil {
		return "", false, err
	}
	defer stop()
	folded := false
	for r := range ch {
		if err := r.Err(); err != nil {
			return "", false, err
		}
		if l.stream.Load() == streamUnknown {
			l.stream.Store(streamYes)
		}
		for _, kv := range r.Kvs {
			folded = true
			if !f.add(string(kv.Key)) {
				return "", false, nil
			}
		}
		if !folded {
			continue
		}
		if !f.kids[len(f.kids)-1].Leaf {
			return f.next(), true, nil
		}
	}
	// The stream ended: the level has nothing after the last key read.
	return "", false, nil
}

// keyStream opens a keys-only RangeStream of [start, end) at rev under
// CommandTimeout; stop cancels it and takes what it still holds, so its
// goroutine can end.
func (l *Live) keyStream(ctx context.Context, start, end string, rev int64, linear bool) (clientv3.GetStreamChan, func(), error) {
	sctx, cancel := l.callCtx(ctx)
	ch, err := l.kv.GetStream(sctx, start, l.readOpts(rev, linear, clientv3.WithRange(end), clientv3.WithKeysOnly())...)
	if err != nil {
		cancel()
		return nil, nil, err
	}
	return ch, func() {
		cancel()
		for range ch {
		}
	}, nil
}

// unaryStep is streamStep for servers without RangeStream: one page of
// keys, then either a jump past the last directory or the next page.
func (l *Live) unaryStep(ctx context.Context, f *folder, start, end string, rev int64) (next string, more bool, gotRev int64, err error) {
	resp, err := l.get(ctx, start, rev, clientv3.WithRange(end), clientv3.WithKeysOnly(), clientv3.WithLimit(unaryPageKeys))
	if err != nil {
		return "", false, rev, err
	}
	if rev == 0 {
		rev = resp.Header.Revision
	}
	for _, kv := range resp.Kvs {
		if !f.add(string(kv.Key)) {
			return "", false, rev, nil
		}
	}
	if !resp.More || len(resp.Kvs) == 0 {
		return "", false, rev, nil
	}
	return f.next(), true, rev, nil
}

// Count returns how many keys lie under prefix with one count-only range.
func (l *Live) Count(ctx context.Context, prefix string, rev int64) (int64, error) {
	return guarded(ctx, l, fmt.Sprintf("count %q", prefix), func(ctx context.Context) (int64, error) {
		return l.count(ctx, prefix, rev)
	})
}

func (l *Live) count(ctx context.Context, prefix string, rev int64) (int64, error) {
	resp, err := l.get(ctx, childrenStart(prefix, ""), rev, clientv3.WithRange(levelEnd(prefix)), clientv3.WithCountOnly())
	if err != nil {
		if isCompacted(err) {
			return 0, fmt.Errorf("count %q: %w", prefix, l.compactedError(ctx, prefix, rev))
		}
		return 0, l.readError(ctx, "count", prefix, err)
	}
	return resp.Count, nil
}
