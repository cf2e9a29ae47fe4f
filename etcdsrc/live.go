package etcdsrc

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
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

// Live reads a running etcd cluster through clientv3. It only reads: no
// method issues Put, Delete or Txn.
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
}

var _ Source = (*Live)(nil)

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

// NewLive connects to the cluster cfg names and checks, within
// cfg.DialTimeout, that it answers. Its errors are one line that says what
// to do: unreachable endpoints, a failed TLS handshake, failed
// authentication.
func NewLive(ctx context.Context, cfg Config) (*Live, error) {
	l, err := Dial(cfg)
	if err != nil {
		return nil, err
	}
	// A member list needs no read permission, so a user allowed only a
	// sub-tree still passes; with WaitForReady the call waits for the
	// connection until the deadline instead of failing on the first try.
	cctx, cancel := context.WithTimeout(ctx, dialTimeout(cfg))
	defer cancel()
	if _, err := l.client.MemberList(cctx); err != nil {
		l.client.Close()
		return nil, l.dialError(ctx, l.tls, err)
	}
	return l, nil
}

// Dial builds a Live for the cluster cfg names without waiting for it to
// answer: the explorer opens on a cluster that is down and retries. Only a
// config that cannot work (unreadable certificates, say) fails here.
func Dial(cfg Config) (*Live, error) {
	ccfg, err := cfg.clientConfig()
	if err != nil {
		return nil, err
	}
	l := &Live{cfg: cfg, owned: true, tls: ccfg.TLS}
	ccfg.DialOptions = append(ccfg.DialOptions,
		grpc.WithChainUnaryInterceptor(l.countUnary),
		grpc.WithChainStreamInterceptor(l.countStream),
		// A fixed stream window bounds what etcd computes ahead for a
		// RangeStream that Children cancels after its first chunk; with
		// gRPC's dynamic window it grows to megabytes, and every jump
		// then costs the server tens of thousands of keys.
		grpc.WithInitialWindowSize(streamWindow),
		grpc.WithInitialConnWindowSize(connWindow))
	cli, err := clientv3.New(ccfg)
	if err != nil {
		return nil, l.dialError(context.Background(), ccfg.TLS, err)
	}
	l.client = cli
	l.kv, l.watcher, l.lease = cli.KV, cli.Watcher, cli.Lease
	l.newWatcher = func() clientv3.Watcher { return clientv3.NewWatcher(cli) }
	return l, nil
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
	l := &Live{cfg: cfg, client: c}
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

// Close releases the watchers and, for a Live made by NewLive, the client.
func (l *Live) Close() error {
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
		l.client = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close etcd client: %w", err)
	}
	return nil
}

// dialError turns a failed first contact into one line that says what to
// do. gRPC keeps retrying until the deadline and then reports only that,
// so the cause is found by probing the endpoints directly.
func (l *Live) dialError(ctx context.Context, tlsCfg *tls.Config, err error) error {
	eps := strings.Join(l.cfg.Endpoints, ",")
	switch normalize(err) {
	case rpctypes.ErrAuthFailed:
		return fmt.Errorf("etcd authentication failed for user %q at %s: check --user and --password", userName(l.cfg), eps)
	case rpctypes.ErrUserEmpty:
		return fmt.Errorf("etcd at %s: %w", eps, ErrAuthRequired)
	}
	if ctx.Err() != nil {
		return fmt.Errorf("connect to etcd at %s: %w", eps, ctx.Err())
	}
	if msg := probeEndpoints(l.cfg.Endpoints, tlsCfg, dialTimeout(l.cfg)); msg != "" {
		return errors.New(msg)
	}
	return fmt.Errorf("etcd at %s did not answer within %s: check --endpoints, that etcd is running, or raise --dial-timeout (%v)",
		eps, dialTimeout(l.cfg), err)
}

func userName(cfg Config) string {
	if cfg.Password != "" {
		return cfg.User
	}
	name, _, _ := strings.Cut(cfg.User, ":")
	return name
}

// probeEndpoints looks at the first endpoint that shows a problem and says
// what it is: nothing listening, TLS refused, or TLS expected but not used.
func probeEndpoints(endpoints []string, tlsCfg *tls.Config, timeout time.Duration) string {
	for _, ep := range endpoints {
		host, secure := splitEndpoint(ep)
		conn, err := net.DialTimeout("tcp", host, timeout)
		if err != nil {
			return fmt.Sprintf("cannot reach etcd at %s within %s: check --endpoints and that etcd is running (%v)", ep, timeout, err)
		}
		useTLS := tlsCfg != nil || secure
		cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true} //nolint:gosec // only probes whether the server speaks TLS
		if tlsCfg != nil {
			cfg = tlsCfg.Clone()
		}
		if cfg.ServerName == "" {
			if h, _, err := net.SplitHostPort(host); err == nil {
				cfg.ServerName = h
			}
		}
		_ = conn.SetDeadline(time.Now().Add(timeout))
		tc := tls.Client(conn, cfg)
		herr := tc.Handshake()
		tc.Close()
		switch {
		case useTLS && herr != nil:
			return fmt.Sprintf("tls handshake with etcd at %s failed: check --cacert, --cert, --key, or use http:// for a plain-text server (%v)", ep, herr)
		case !useTLS && herr == nil:
			return fmt.Sprintf("etcd at %s expects TLS: use an https:// endpoint with --cacert, --cert and --key", ep)
		}
	}
	return ""
}

// splitEndpoint returns host:port and whether the scheme asks for TLS.
func splitEndpoint(ep string) (string, bool) {
	switch {
	case strings.HasPrefix(ep, "https://"):
		return strings.TrimPrefix(ep, "https://"), true
	case strings.HasPrefix(ep, "http://"):
		return strings.TrimPrefix(ep, "http://"), false
	}
	return ep, false
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
// revision asked for.
func readError(verb, what string, err error) error {
	switch normalize(err) {
	case rpctypes.ErrPermissionDenied:
		return fmt.Errorf("%s %q: %w", verb, what, ErrPermissionDenied)
	case rpctypes.ErrUserEmpty:
		return fmt.Errorf("%s %q: %w", verb, what, ErrAuthRequired)
	case rpctypes.ErrInvalidAuthToken, rpctypes.ErrAuthOldRevision:
		return fmt.Errorf("%s %q: etcd rejected the session's auth token; reconnect: %w", verb, what, err)
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
	if l.cfg.Serializable || (rev > 0 && !linear) {
		more = append(more, clientv3.WithSerializable())
	}
	return more
}

// lagging reports a serializable read at rev that reached a member which
// has not applied rev yet; asking again with a quorum round waits for it.
func (l *Live) lagging(rev int64, err error) bool {
	return rev > 0 && !l.cfg.Serializable && normalize(err) == rpctypes.ErrFutureRev
}

// callCtx bounds one request by CommandTimeout.
func (l *Live) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if l.cfg.CommandTimeout > 0 {
		return context.WithTimeout(ctx, l.cfg.CommandTimeout)
	}
	return context.WithCancel(ctx)
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

// watchCaughtUp watches key from rev on its own watcher and hands every
// response to fn until fn returns true. It keeps requesting progress so a
// watch with nothing to replay is answered too; a progress notification
// arrives only after every older event was sent on the same stream.
func watchCaughtUp(ctx context.Context, w clientv3.Watcher, key string, rev int64, fn func(clientv3.WatchResponse) bool) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wch := w.Watch(wctx, key, clientv3.WithRev(rev))
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
