package etcdsrc

import (
	"context"
	"slices"
	"strings"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Finding a level's next child without knowing its name costs a jump: a
// RangeStream over the rest of the level, of which etcd encodes growing
// chunks until the cancel reaches it or the stream's window is full
// (3.3 ms of its CPU on the 1M-key bench data). A unary range over one
// key costs 0.2 ms, one over 20,000 keys 1.6 ms (etcd counts every key
// of a unary range). So once a directory
// is found, the names likely to follow it are probed in parallel, each
// with one narrow range that also covers the gap before it: a key in a
// gap (a child nobody guessed) makes that gap be listed the plain way, so
// the page is the plain listing's whatever the guesses.
//
// A probe of a guess g after cursor c covers [c, g/σ\x00), σ being what
// follows the name in the first key of the directory found last
// ("res00/ns00/obj-0000" makes "res01/" probed up to
// "res01/ns00/obj-0000\x00"): a sibling laid out alike holds one key
// there. A probe that finds nothing asks once more for any key in the
// rest of g's sub-tree. With counts wanted the probe covers g's whole
// sub-tree instead, and etcd's count of it is the directory's count.

// The limits of guessing.
const (
	// probeInFlight is how many probes run at once: narrow ranges cost
	// etcd little each, so more in flight hide the round trips.
	probeInFlight = 16
	// firstGuesses is how many numbered successors the first batch after
	// a directory probes; each batch whose last guess is there doubles
	// it, up to maxGuesses.
	firstGuesses = 8
	maxGuesses   = 64
	// maxBatch bounds the guesses of one batch (the caller's guesses may
	// be thousands of namespaces).
	maxBatch = 256
	// missRatio: a batch with fewer hits than one in missRatio guesses
	// ends the use of the caller's guesses for the listing, as a miss
	// costs up to two requests and a jump about ten.
	missRatio = 5
)

// guesser makes the batches of names probed after a directory: numbered
// successors of its name ("res07" then "res08", "res09", "res10"…) and the
// caller's guesses that sort before the last of them.
type guesser struct {
	prefix string
	given  []string // the caller's guesses, sorted by directory key
}

func newGuesser(prefix string, guesses []string) *guesser {
	g := &guesser{prefix: prefix}
	for _, name := range guesses {
		if !strings.Contains(name, "/") {
			g.given = append(g.given, name)
		}
	}
	slices.SortFunc(g.given, func(a, b string) int { return strings.Compare(a+"/", b+"/") })
	g.given = slices.Compact(g.given)
	return g
}

// batch returns the names to probe after cursor, sorted by directory key:
// the n successors of base after cursor and the given names up to the
// last of them; with no successor, the next given names.
func (g *guesser) batch(cursor, base string, n int) []string {
	key := func(name string) string { return g.prefix + name + "/" }
	byKey := func(a, b string) int { return strings.Compare(key(a), key(b)) }
	var names []string
	for _, s := range successors(base, n) {
		if key(s) >= cursor {
			names = append(names, s)
		}
	}
	slices.SortFunc(names, byKey)
	i, _ := slices.BinarySearchFunc(g.given, cursor, func(name, c string) int { return strings.Compare(key(name), c) })
	for _, name := range g.given[i:] {
		if len(names) >= maxBatch || len(names) > 0 && n > 0 && hasDigits(base) && key(name) > key(names[len(names)-1]) {
			break
		}
		names = append(names, name)
	}
	slices.SortFunc(names, byKey)
	return slices.Compact(names)
}

func hasDigits(s string) bool {
	return strings.ContainsAny(s, "0123456789")
}

// successors returns the n names after name when its last run of digits
// counts up: "res09" gives "res10", "res11"…; "a-9" gives "a-10". A name
// without digits has none.
func successors(name string, n int) []string {
	j := len(name)
	for j > 0 && !isDigit(name[j-1]) {
		j--
	}
	i := j
	for i > 0 && isDigit(name[i-1]) {
		i--
	}
	if i == j {
		return nil
	}
	digits := []byte(name[i:j])
	out := make([]string, 0, n)
	for range n {
		digits = increment(digits)
		out = append(out, name[:i]+string(digits)+name[j:])
	}
	return out
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// increment adds one to a run of decimal digits, keeping its width unless
// it overflows ("09" → "10", "99" → "100").
func increment(d []byte) []byte {
	d = slices.Clone(d)
	for k := len(d) - 1; k >= 0; k-- {
		if d[k] < '9' {
			d[k]++
			return d
		}
		d[k] = '0'
	}
	return append([]byte{'1'}, d...)
}

// probe is one guess of a batch and what its range showed.
type probe struct {
	name   string
	lo, hi string // the range probed: the gap before the guess and its start
	// kids are the children found in the gap (listed the plain way when
	// it held keys); hit says the guess is a directory, count its keys
	// (-1: not known).
	kids  []Child
	hit   bool
	count int64
}

// guessOn probes batches of guesses after the directory f folded last,
// from cursor (just past it), and folds what they find. It returns where
// the level goes on: past the last guess of the last batch, or cursor
// when there was nothing to guess.
func (l *Live) guessOn(ctx context.Context, f *folder, g *guesser, cursor string, rev int64, counts bool) (string, error) {
	last := f.kids[len(f.kids)-1]
	sigma := strings.TrimPrefix(f.first, last.Key)
	base := last.Name
	for n := firstGuesses; ; n = min(2*n, maxGuesses) {
		names := g.batch(cursor, base, n)
		if len(names) == 0 {
			return cursor, nil
		}
		probes := make([]*probe, len(names))
		lo := cursor
		for i, name := range names {
			dir := f.prefix + name + "/"
			p := &probe{name: name, lo: lo, hi: dir + sigma + "\x00", count: -1}
			if counts {
				p.hi = dirEnd(dir)
			}
			probes[i] = p
			lo = dirEnd(dir)
		}
		if err := l.runProbes(ctx, f, probes, rev, counts); err != nil {
			return "", err
		}
		hits := 0
		for _, p := range probes {
			for _, c := range p.kids {
				if !f.addChild(c) {
					return "", nil
				}
			}
			if p.hit {
				hits++
				if !f.addChild(Child{Name: p.name, Key: f.prefix + p.name + "/", Count: p.count}) {
					return "", nil
				}
			}
		}
		if hits*missRatio < len(probes) {
			// Mostly wrong: the given names do not fit this level (pods
			// in a few of many namespaces); jumps cost less from here.
			g.given = nil
		}
		cursor = lo
		tail := probes[len(probes)-1]
		if !tail.hit || successors(tail.name, 1) == nil {
			return cursor, nil
		}
		base = tail.name
	}
}

// runProbes resolves every probe, probeInFlight at a time, and returns
// the first error (the others are then cut short).
func (l *Live) runProbes(ctx context.Context, f *folder, probes []*probe, rev int64, counts bool) error {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	slots := make(chan struct{}, probeInFlight)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for _, p := range probes {
		select {
		case slots <- struct{}{}:
		case <-pctx.Done():
		}
		if pctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := l.resolve(pctx, f, p, rev, counts); err != nil {
				once.Do(func() { first = err })
				cancel() // the listing fails: the other probes need not finish
			}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	return first
}

// resolve reads one probe's range and decides what it holds: nothing, the
// guessed directory alone, or keys before it, which are listed the plain
// way.
func (l *Live) resolve(ctx context.Context, f *folder, p *probe, rev int64, counts bool) error {
	dir := f.prefix + p.name + "/"
	first, n, err := l.firstKey(ctx, p.lo, p.hi, rev, counts)
	switch {
	case err != nil:
		return err
	case n == 0:
		if counts {
			return nil // the whole sub-tree was in the range
		}
		p.hit, err = l.anyKey(ctx, p.hi, dirEnd(dir), rev)
		return err
	case first >= dir:
		p.hit = true
		if counts {
			p.count = n
		}
		return nil
	}
	// Keys nobody guessed lie in the gap: list the range the plain way
	// (the guess, when its start holds keys, comes last).
	sub := &folder{prefix: f.prefix, limit: f.limit}
	if err := l.listRange(ctx, sub, p.lo, p.hi, &rev); err != nil {
		return err
	}
	if k := len(sub.kids); k > 0 && !sub.kids[k-1].Leaf && sub.kids[k-1].Key == dir {
		sub.kids, p.hit = sub.kids[:k-1], true
	}
	p.kids = sub.kids
	if !p.hit && !counts && !sub.full() {
		p.hit, err = l.anyKey(ctx, p.hi, dirEnd(dir), rev)
	}
	return err
}

// firstKey reads the first key of [start, end) at rev; n is how many keys
// the range holds (0: none). Without counts a RangeStream is read when the
// server has it, which costs etcd at most a few chunks however many keys
// follow, and n is then only 0 or 1; with counts one unary range gives
// etcd's count.
func (l *Live) firstKey(ctx context.Context, start, end string, rev int64, counts bool) (string, int64, error) {
	if !counts && l.stream.Load() == streamYes {
		key, ok, err := l.streamFirst(ctx, start, end, rev, false)
		if err != nil && l.lagging(rev, err) {
			key, ok, err = l.streamFirst(ctx, start, end, rev, true)
		}
		if err == nil && ok {
			return key, 1, nil
		}
		if err == nil || !isUnimplemented(err) {
			return "", 0, err
		}
		l.stream.Store(streamNo)
	}
	resp, err := l.get(ctx, start, rev, clientv3.WithRange(end), clientv3.WithKeysOnly(), clientv3.WithLimit(1))
	if err != nil || len(resp.Kvs) == 0 {
		return "", 0, err
	}
	return string(resp.Kvs[0].Key), resp.Count, nil
}

// anyKey reports whether [start, end) holds a key at rev.
func (l *Live) anyKey(ctx context.Context, start, end string, rev int64) (bool, error) {
	if beyond(start, end) {
		return false, nil
	}
	_, n, err := l.firstKey(ctx, start, end, rev, false)
	return n > 0, err
}

// streamFirst reads a RangeStream until its first key and cancels it.
func (l *Live) streamFirst(ctx context.Context, start, end string, rev int64, linear bool) (string, bool, error) {
	ch, stop, err := l.keyStream(ctx, start, end, rev, linear)
	if err != nil {
		return "", false, err
	}
	defer stop()
	for r := range ch {
		if err := r.Err(); err != nil {
			return "", false, err
		}
		if len(r.Kvs) > 0 {
			return string(r.Kvs[0].Key), true, nil
		}
	}
	return "", false, nil
}

// fillCounts counts the directories of kids not counted yet, at rev,
// countInFlight at a time.
func (l *Live) fillCounts(ctx context.Context, kids []Child, rev int64) error {
	var dirs []string
	var at []int
	for i, c := range kids {
		if !c.Leaf && c.Count < 0 {
			dirs = append(dirs, c.Key)
			at = append(at, i)
		}
	}
	count := func(ctx context.Context, dir string) (int64, error) {
		resp, err := l.get(ctx, dir, rev, clientv3.WithRange(dirEnd(dir)), clientv3.WithCountOnly())
		if err != nil {
			return 0, err
		}
		return resp.Count, nil
	}
	for j, r := range countEach(ctx, dirs, count) {
		if r.Err != nil {
			return r.Err
		}
		kids[at[j]].Count = r.Count
	}
	return nil
}
