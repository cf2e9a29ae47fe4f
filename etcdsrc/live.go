package etcdsrc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrPermissionDenied is wrapped by errors for reads the etcd user's roles
// do not allow; the error names the key or prefix refused.
var ErrPermissionDenied = errors.New("permission denied: the etcd user's roles do not allow reading this range")

// ErrAuthRequired is wrapped by errors from a cluster with authentication
// enabled when no user was given.
var ErrAuthRequired = errors.New("etcd requires authentication: give --user")

// ErrClosed is wrapped by the errors of calls made on a closed Live, or
// cut short because it was closed.
var ErrClosed = errors.New("source closed")

// Live reads a running etcd cluster through clientv3. It only reads: no
// method issues Put, Delete or Txn. Its methods may be called from many
// goroutines, also while Close runs: a call cut short or made after it
// fails with ErrClosed.
type Live struct {
	cfg     Config
	client  *clientv3.Client
	owned   bool // Close closes client
	tls     *tls.Config
	kv      clientv3.KV
	watcher clientv3.Watcher
	lease   clientv3.Lease
	// newWatcher makes a private watcher (its own gRPC stream) for
	// History, whose progress requests must not reach other watches.
	newWatcher func() clientv3.Watcher
	closers    []func() error

	roundTrips atomic.Int64
	// stream is the RangeStream state: 0 not tried yet, 1 works,
	// 2 the server answered Unimplemented (older than etcd 3.7).
	stream atomic.Int32
	// serializable is the read consistency now (Config.Serializable at
	// first; SetSerializable changes it while the source is open).
	serializable atomic.Bool

	// life ends when Close starts, and every call in flight with it.
	life context.Context
	stop context.CancelFunc
	// mu orders calls.Add against Close's Wait.
	mu     sync.Mutex
	closed bool
	calls  sync.WaitGroup
}

var _ Source = (*Live)(nil)

// Serializable reports whether reads go to one member without a quorum
// round (etcdctl's --consistency s).
func (l *Live) Serializable() bool { return l.serializable.Load() }

// SetSerializable switches the read consistency of the calls that start
// from now on: serializable reads keep working when quorum is lost (and
// may be stale); linearizable ones need a leader. A watch already running
// keeps the consistency it started with.
func (l *Live) SetSerializable(on bool) { l.serializable.Store(on) }

// The gRPC flow-control windows NewLive dials with: per stream, and for
// the whole connection (many streams: watches, listings, counts).
const (
	streamWindow = 256 << 10
	connWindow   = 16 << 20
)

const (
	streamUnknown int32 = iota
	streamYes
	streamNo
)

// probeGrace is how long a connect check or a member's status request
// runs before a probe of the endpoints starts beside it, so that a
// failure is explained by the time the request gives up. A healthy etcd
// answers sooner, and is not probed.
const probeGrace = 150 * time.Millisecond

func newLive(cfg Config) *Live {
	l := &Live{cfg: cfg}
	l.serializable.Store(cfg.Serializable)
	l.life, l.stop = context.WithCancel(context.Background())
	return l
}

// NewLive connects to the cluster cfg names and checks, within
// cfg.DialTimeout, that a member answers (any member: no leader is
// needed). Its errors are one line that says what is wrong and which flag
// changes it: nothing listening or nothing answering, TLS refused or
// expected, an unknown certificate authority, a missing client
// certificate, a certificate for another name, failed authentication.
func NewLive(ctx context.Context, cfg Config) (*Live, error) {
	l, ccfg, err := prepare(cfg)
	if err != nil {
		return nil, err
	}
	if err := l.check(ctx, ccfg); err != nil {
		return nil, err
	}
	return l, nil
}

// check makes the client (which, given a user, authenticates within the
// dial timeout) and asks for the member list, serializable (a member
// without a leader answers, and so does a user allowed only a sub-tree),
// within the dial timeout. While it waits, a probe of the endpoints runs
// beside it: when every endpoint has a problem the probe's diagnosis is
// the error at once, and a check that fails for want of a connection is
// explained by it, or else by gRPC's last connection error. On failure
// the client is closed.
func (l *Live) check(ctx context.Context, ccfg clientv3.Config) error {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout(l.cfg))
	defer cancel()
	checked := make(chan error, 1)
	go func() {
		if err := l.open(ccfg); err != nil {
			checked <- err
			return
		}
		// The raw call, not clientv3's: on a deadline clientv3 keeps only
		// "context deadline exceeded"; gRPC's status says why it failed.
		_, err := pb.NewClusterClient(l.client.ActiveConnection()).MemberList(ctx, &pb.MemberListRequest{}, grpc.WaitForReady(true))
		checked <- err
	}()
	err := l.waitCheck(ctx, checked)
	if err != nil {
		// The check may still run (a probe answered first): close its
		// client when it is done.
		go func() {
			<-checked
			l.Close()
		}()
		cancel()
	}
	return err
}

func (l *Live) waitCheck(ctx context.Context, checked chan error) error {
	var probed chan error
	probe := func() {
		probed = make(chan error, 1)
		go func() { probed <- l.prober(dialTimeout(l.cfg)).probeAll(ctx, l.cfg.Endpoints) }()
	}
	grace := time.NewTimer(probeGrace)
	defer grace.Stop()
	cancelled := ctx.Done()
	for {
		select {
		case <-cancelled:
			if errors.Is(ctx.Err(), context.Canceled) {
				return ctx.Err() // the caller gave up (ctrl-c): no diagnosis to wait for
			}
			cancelled = nil // the dial timeout: the check and the probe end with it
		case err := <-checked:
			if err == nil {
				return nil
			}
			checked <- err // for the clean-up
			if connFailure(err) && ctx.Err() == nil || probed != nil {
				if probed == nil {
					probe()
				}
				if perr := <-probed; perr != nil {
					return perr
				}
			}
			return l.dialError(err)
		case <-grace.C:
			probe()
		case perr := <-probed:
			if perr != nil {
				return perr // every endpoint has a problem
			}
			probed = nil // one looks fine: the check decides
		}
	}
}

// prober probes as l's client connects; its messages say it waited
// within.
func (l *Live) prober(within time.Duration) prober {
	return prober{tls: l.tls, cfg: &l.cfg, within: within}
}

// connFailure reports a call that failed for want of a working connection.
func connFailure(err error) bool {
	switch status.Code(err) {
	case codes.DeadlineExceeded, codes.Unavailable:
		return true
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// Dial builds a Live for the cluster cfg names without waiting for it to
// answer: the explorer opens on a cluster that is down and retries. Only a
// config that cannot work (unreadable certificates, say) fails here, or,
// with a user given, authentication (which clientv3 does at once, within
// the dial timeout).
func Dial(cfg Config) (*Live, error) {
	l, ccfg, err := prepare(cfg)
	if err != nil {
		return nil, err
	}
	if err := l.open(ccfg); err != nil {
		return nil, l.dialError(err)
	}
	return l, nil
}

// prepare builds a Live without its client, and the client's config.
func prepare(cfg Config) (*Live, clientv3.Config, error) {
	ccfg, err := cfg.clientConfig()
	if err != nil {
		return nil, ccfg, err
	}
	l := newLive(cfg)
	l.owned, l.tls = true, ccfg.TLS
	if ccfg.Username != "" {
		// Every RangeStream of an authenticated client is refused as
		// without a user and retried after a new Authenticate (a bcrypt
		// check, ~100 ms) by clientv3 3.7.3: unary ranges cost less then.
		l.stream.Store(streamNo)
	}
	ccfg.DialOptions = append(ccfg.DialOptions,
		grpc.WithChainUnaryInterceptor(l.countUnary),
		grpc.WithChainStreamInterceptor(l.countStream),
		// A fixed stream window bounds what etcd computes ahead for a
		// RangeStream that Children cancels after its first chunk; with
		// gRPC's dynamic window it grows to megabytes, and every jump
		// then costs the server tens of thousands of keys.
		grpc.WithInitialWindowSize(streamWindow),
		grpc.WithInitialConnWindowSize(connWindow))
	return l, ccfg, nil
}

// open makes the client.
func (l *Live) open(ccfg clientv3.Config) error {
	cli, err := clientv3.New(ccfg)
	if err != nil {
		return err
	}
	l.client = cli
	l.kv, l.watcher, l.lease = cli.KV, cli.Watcher, cli.Lease
	l.newWatcher = func() clientv3.Watcher { return clientv3.NewWatcher(cli) }
	return nil
}

func dialTimeout(cfg Config) time.Duration {
	if cfg.DialTimeout > 0 {
		return cfg.DialTimeout
	}
	return 2 * time.Second
}

// NewLiveFromClient reads through an existing client (tests, the demo).
// The client stays the caller's: Close does not close it. cfg supplies the
// read options (Serializable, CommandTimeout); its connection fields are
// not used. RoundTrips counts the RPCs this Live issues.
func NewLiveFromClient(c *clientv3.Client, cfg Config) *Live {
	l := newLive(cfg)
	l.client = c
	// The client's connection already has its interceptors; counting
	// wraps the gRPC clients instead, keeping clientv3's retry policies.
	l.kv = clientv3.NewKVFromKVClient(&countingKV{KVClient: clientv3.RetryKVClient(c), n: &l.roundTrips}, c)
	ls := clientv3.NewLeaseFromLeaseClient(&countingLease{LeaseClient: clientv3.RetryLeaseClient(c), n: &l.roundTrips}, c, time.Second)
	cc := &countingConn{ClientConnInterface: c.ActiveConnection(), n: &l.roundTrips}
	newWatcher := func() clientv3.Watcher { return clientv3.NewWatchFromWatchClient(pb.NewWatchClient(cc), c) }
	w := newWatcher()
	l.watcher, l.lease, l.newWatcher = w, ls, newWatcher
	l.closers = append(l.closers, w.Close, ls.Close)
	return l
}

// countingKV counts the range RPCs issued through a client Live does not own.
type countingKV struct {
	pb.KVClient
	n *atomic.Int64
}

func (c *countingKV) Range(ctx context.Context, in *pb.RangeRequest, opts ...grpc.CallOption) (*pb.RangeResponse, error) {
	c.n.Add(1)
	return c.KVClient.Range(ctx, in, opts...)
}

func (c *countingKV) RangeStream(ctx context.Context, in *pb.RangeRequest, opts ...grpc.CallOption) (pb.KV_RangeStreamClient, error) {
	c.n.Add(1)
	return c.KVClient.RangeStream(ctx, in, opts...)
}

// countingLease counts lease look-ups.
type countingLease struct {
	pb.LeaseClient
	n *atomic.Int64
}

func (c *countingLease) LeaseTimeToLive(ctx context.Context, in *pb.LeaseTimeToLiveRequest, opts ...grpc.CallOption) (*pb.LeaseTimeToLiveResponse, error) {
	c.n.Add(1)
	return c.LeaseClient.LeaseTimeToLive(ctx, in, opts...)
}

// countingConn counts the watch streams opened on a connection Live does
// not own.
type countingConn struct {
	grpc.ClientConnInterface
	n *atomic.Int64
}

func (c *countingConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	c.n.Add(1)
	return c.ClientConnInterface.Invoke(ctx, method, args, reply, opts...)
}

func (c *countingConn) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	c.n.Add(1)
	return c.ClientConnInterface.NewStream(ctx, desc, method, opts...)
}

func (l *Live) countUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	l.roundTrips.Add(1)
	return invoker(ctx, method, req, reply, cc, opts...)
}

func (l *Live) countStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	l.roundTrips.Add(1)
	return streamer(ctx, desc, cc, method, opts...)
}

// RoundTrips is the number of RPCs (unary calls and stream openings)
// issued so far; benchmarks hold it against the round-trip budget.
func (l *Live) RoundTrips() int64 { return l.roundTrips.Load() }

// Client is the underlying client, for callers that need more than the
// Source methods (the demo seeds through its own client instead).
func (l *Live) Client() *clientv3.Client { return l.client }

// enter starts one call: its context ends with ctx or when Close starts,
// and done must be called when the call is over. After Close it fails
// with ErrClosed.
func (l *Live) enter(ctx context.Context) (context.Context, func(), error) {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ctx, func() {}, ErrClosed
	}
	l.calls.Add(1)
	l.mu.Unlock()
	cctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(l.life, cancel)
	return cctx, func() { stop(); cancel(); l.calls.Done() }, nil
}

// guarded runs fn as one call of l (see enter); a call Close cut short
// fails with ErrClosed, saying what it was doing.
func guarded[T any](ctx context.Context, l *Live, what string, fn func(context.Context) (T, error)) (T, error) {
	cctx, done, err := l.enter(ctx)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	defer done()
	v, err := fn(cctx)
	if err != nil && l.life.Err() != nil && ctx.Err() == nil && !errors.Is(err, ErrClosed) {
		err = fmt.Errorf("%s: %w", what, ErrClosed)
	}
	return v, err
}

// Close cancels every call in flight (watches included), waits for them
// to return, then releases the watchers and, for a Live made by NewLive or
// Dial, the client. Calls after it fail with ErrClosed; closing twice is
// harmless.
func (l *Live) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	l.stop()
	l.calls.Wait()
	var errs []error
	for _, c := range l.closers {
		if err := c(); err != nil {
			errs = append(errs, err)
		}
	}
	l.closers = nil
	if l.owned && l.client != nil {
		if err := l.client.Close(); err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close etcd client: %w", err)
	}
	return nil
}

// dialError turns a failed connect check into one line that says what to
// do, when the probe found nothing wrong with the endpoints themselves.
func (l *Live) dialError(err error) error {
	eps := strings.Join(l.cfg.Endpoints, ",")
	switch normalize(err) {
	case rpctypes.ErrAuthFailed:
		return fmt.Errorf("etcd authentication failed for user %q at %s: the user does not exist or the password is wrong (etcd does not say which); check --user and --password", userName(l.cfg), eps)
	case rpctypes.ErrUserEmpty:
		return fmt.Errorf("etcd at %s: %w", eps, ErrAuthRequired)
	}
	if l.life.Err() != nil {
		return fmt.Errorf("connect to etcd at %s: %w", eps, ErrClosed)
	}
	if status.Code(err) == codes.Canceled || errors.Is(err, context.Canceled) {
		return fmt.Errorf("connect to etcd at %s: %w", eps, context.Canceled)
	}
	if nerr := notGRPC(eps, err); nerr != nil {
		return nerr
	}
	if !connFailure(err) {
		return fmt.Errorf("connect to etcd at %s: %w", eps, normalize(err))
	}
	return unreachable("etcd at %s did not answer within %s (%s); %s, or raise --dial-timeout", eps, dialTimeout(l.cfg), lastConnError(err), endpointHint)
}

// notGRPC explains a call that an HTTP/2 server answered with a plain
// HTTP status instead of gRPC (a reverse proxy, a web server, another
// service's port: "404 (Not Found)"), or is nil for any other error.
func notGRPC(eps string, err error) error {
	const marker = "unexpected HTTP status code received from server: "
	msg := status.Convert(err).Message()
	i := strings.Index(msg, marker)
	if i < 0 {
		return nil
	}
	code, _, _ := strings.Cut(msg[i+len(marker):], ";")
	return unreachable("etcd at %s: the server there answers HTTP %s, not gRPC: a proxy or another service answers on that port, not etcd; %s",
		eps, strings.TrimSpace(code), endpointHint)
}

// lastConnError is what gRPC says of the last failed connection, without
// its wrapping ("latest balancer error: connection error: desc = …").
func lastConnError(err error) string {
	msg := err.Error()
	if s, ok := status.FromError(err); ok {
		msg = s.Message()
	}
	for _, p := range []string{"latest balancer error: ", "last connection error: ", "connection error: desc = "} {
		if i := strings.Index(msg, p); i >= 0 {
			msg = msg[i+len(p):]
		}
	}
	return strings.Trim(msg, `"`)
}

func userName(cfg Config) string {
	if cfg.Password != "" {
		return cfg.User
	}
	name, _, _ := strings.Cut(cfg.User, ":")
	return name
}

// normalize maps gRPC status errors to etcd's error values, so they compare
// with ==, whether they came through clientv3's unary path (already
// mapped) or a stream (raw status).
func normalize(err error) error {
	if err == nil {
		return nil
	}
	var ee rpctypes.EtcdError
	if errors.As(err, &ee) {
		return ee
	}
	if _, ok := status.FromError(err); ok {
		if mapped := rpctypes.Error(err); errors.As(mapped, &ee) {
			return ee
		}
	}
	// A watch etcd cancels carries its reason as text, a status error
	// printed ("rpc error: code = … desc = etcdserver: …"): map its
	// description.
	if _, desc, ok := strings.Cut(err.Error(), "desc = "); ok {
		if mapped := rpctypes.Error(errors.New(desc)); errors.As(mapped, &ee) {
			return ee
		}
	}
	return err
}

// isUnimplemented reports a server that does not know the RPC.
func isUnimplemented(err error) bool {
	if s, ok := status.FromError(err); ok && s.Code() == codes.Unimplemented {
		return true
	}
	var ee rpctypes.EtcdError
	return errors.As(err, &ee) && ee.Code() == codes.Unimplemented
}

// readError names what was read and turns etcd's refusals into this
// package's errors; compaction is handled by the callers, which know the
// revision asked for. A read that got no answer in time is explained:
// quorum lost (with how many members answer), or no member answering.
func (l *Live) readError(ctx context.Context, verb, what string, err error) error {
	switch normalize(err) {
	case rpctypes.ErrPermissionDenied:
		if u := userName(l.cfg); u != "" {
			return fmt.Errorf("%s %q: %w (etcd user %q)", verb, what, ErrPermissionDenied, u)
		}
		return fmt.Errorf("%s %q: %w", verb, what, ErrPermissionDenied)
	case rpctypes.ErrUserEmpty:
		return fmt.Errorf("%s %q: %w", verb, what, ErrAuthRequired)
	case rpctypes.ErrInvalidAuthToken, rpctypes.ErrAuthOldRevision:
		return fmt.Errorf("%s %q: etcd rejected the session's auth token; reconnect: %w", verb, what, err)
	}
	if nerr := notGRPC(strings.Join(l.cfg.Endpoints, ","), err); nerr != nil {
		return fmt.Errorf("%s %q: %w", verb, what, nerr)
	}
	if unanswered(err) && ctx.Err() == nil && l.life.Err() == nil {
		if why := l.whyUnanswered(ctx); why != nil {
			return fmt.Errorf("%s %q: %w", verb, what, why)
		}
		if l.cfg.CommandTimeout > 0 && errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%s %q: no answer within --command-timeout %s, though etcd answers: raise --command-timeout", verb, what, l.cfg.CommandTimeout)
		}
	}
	return fmt.Errorf("%s %q: %w", verb, what, err)
}

// isCompacted reports etcd's "required revision has been compacted".
func isCompacted(err error) bool {
	return normalize(err) == rpctypes.ErrCompacted
}

// readOpts are the options of a read at rev (0: now). A read pinned at a
// revision asks the member it reaches without a quorum round: the data at a
// revision never changes, so any member that has applied it answers the
// same. linear forces the quorum round, for a member that lags behind rev.
func (l *Live) readOpts(rev int64, linear bool, more ...clientv3.OpOption) []clientv3.OpOption {
	if rev > 0 {
		more = append(more, clientv3.WithRev(rev))
	}
	if l.serializable.Load() || (rev > 0 && !linear) {
		more = append(more, clientv3.WithSerializable())
	}
	return more
}

// lagging reports a serializable read at rev that reached a member which
// has not applied rev yet; asking again with a quorum round waits for it.
func (l *Live) lagging(rev int64, err error) bool {
	return rev > 0 && !l.serializable.Load() && normalize(err) == rpctypes.ErrFutureRev
}

// callCtx bounds one request by CommandTimeout, less the time kept back
// to find out why, should it fail for want of an answer.
func (l *Live) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if l.cfg.CommandTimeout > 0 {
		return context.WithTimeout(ctx, l.cfg.CommandTimeout-l.diagBudget())
	}
	return context.WithCancel(ctx)
}

// diagBudget is the part of CommandTimeout kept back from a read to ask
// the members, when it fails, why: a fifth, at most a second.
func (l *Live) diagBudget() time.Duration {
	if l.cfg.CommandTimeout <= 0 {
		return time.Second
	}
	return min(l.cfg.CommandTimeout/5, time.Second)
}

// get is one unary range at rev under CommandTimeout.
func (l *Live) get(ctx context.Context, key string, rev int64, more ...clientv3.OpOption) (*clientv3.GetResponse, error) {
	cctx, cancel := l.callCtx(ctx)
	defer cancel()
	resp, err := l.kv.Get(cctx, key, l.readOpts(rev, false, more...)...)
	if err != nil && l.lagging(rev, err) {
		resp, err = l.kv.Get(cctx, key, l.readOpts(rev, true, more...)...)
	}
	return resp, err
}

// compactRevision finds the compaction revision: a watch from revision 1
// is answered with it when history was compacted. 0 means none known (no
// compaction, or the watch was refused).
func (l *Live) compactRevision(ctx context.Context, key string) int64 {
	w := l.newWatcher()
	defer w.Close()
	cctx, cancel := l.callCtx(ctx)
	defer cancel()
	var compact int64
	_ = watchCaughtUp(cctx, w, key, 1, func(resp clientv3.WatchResponse) bool {
		compact = resp.CompactRevision
		return true // any answer settles it: compacted, events, or progress
	})
	return compact
}

// progressRetry is how often watchCaughtUp asks again for progress: etcd
// drops a progress request while a watch is still catching up.
const progressRetry = 50 * time.Millisecond

// watchCaughtUp watches key (with more options: a prefix, filters) from
// rev on its own watcher and hands every response to fn until fn returns
// true. It keeps requesting progress so a watch with nothing to replay is
// answered too; a progress notification arrives only after every older
// event was sent on the same stream.
func watchCaughtUp(ctx context.Context, w clientv3.Watcher, key string, rev int64, fn func(clientv3.WatchResponse) bool, more ...clientv3.OpOption) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wch := w.Watch(wctx, key, append([]clientv3.OpOption{clientv3.WithRev(rev)}, more...)...)
	tick := time.NewTicker(progressRetry)
	defer tick.Stop()
	if err := w.RequestProgress(wctx); err != nil {
		return err
	}
	for {
		select {
		case resp, ok := <-wch:
			if !ok {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return errors.New("the watch ended early")
			}
			if fn(resp) {
				return nil
			}
			if resp.Canceled {
				if err := resp.Err(); err != nil {
					return err
				}
				return errors.New("the watch was canceled")
			}
		case <-tick.C:
			if err := w.RequestProgress(wctx); err != nil {
				return err
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// compactedError builds the error for a read at a compacted revision.
func (l *Live) compactedError(ctx context.Context, key string, rev int64) *CompactedError {
	return &CompactedError{Requested: rev, Compacted: l.compactRevision(ctx, key)}
}
