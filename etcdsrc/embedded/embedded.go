// Package embedded runs a real etcd server inside the process, on loopback,
// for the demo and for tests: one member or a three-member cluster, each on
// free ports, with quiet logs.
package embedded

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// rangeStreamMethod is the gRPC method etcd 3.7 added for streamed ranges;
// DisableRangeStream refuses it so a 3.7 server looks like an older one.
const rangeStreamMethod = "/etcdserverpb.KV/RangeStream"

// Options configure an embedded cluster.
type Options struct {
	// Members is 1 (the default when 0) or 3.
	Members int
	// Dir holds the members' data; "" makes a temporary directory that
	// Stop removes. A given Dir is kept, so data survives a restart.
	Dir string
	// DisableRangeStream makes the server answer Unimplemented to
	// RangeStream, as servers before etcd 3.7 do, to test the fallback.
	DisableRangeStream bool
	// Logger receives the server's logs; nil discards them.
	Logger *zap.Logger
	// UnsafeNoFsync skips fsync: much faster bulk loads (benchmarks),
	// at the price of durability.
	UnsafeNoFsync bool
	// MaxTxnOps raises the operations allowed in one Txn (default 128),
	// so benchmark loads can batch more keys per request.
	MaxTxnOps uint
	// QuotaBackendBytes raises the backend size limit (default 2 GiB).
	QuotaBackendBytes int64
}

// Cluster is a running embedded etcd.
type Cluster struct {
	mu        sync.Mutex
	members   []*embed.Etcd
	streams   []*streamSet
	stopped   []bool
	endpoints []string
	dir       string
	removeDir bool
}

// Start starts the members on loopback, each on free ports, and waits
// until every one is ready to serve or ctx ends.
func Start(ctx context.Context, opts Options) (*Cluster, error) {
	n := opts.Members
	if n == 0 {
		n = 1
	}
	if n != 1 && n != 3 {
		return nil, fmt.Errorf("start embedded etcd: %d members asked for; 1 or 3 are possible", n)
	}
	c := &Cluster{dir: opts.Dir}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "etcdscope-etcd-")
		if err != nil {
			return nil, fmt.Errorf("start embedded etcd: %w", err)
		}
		c.dir, c.removeDir = d, true
	}
	lg := opts.Logger
	if lg == nil {
		lg = zap.NewNop()
	}

	// Two loopback ports per member, taken from the kernel. A port could be
	// taken by someone else between closing the probe and etcd binding it;
	// that shows as a start error, not as a wrong cluster.
	ports, err := freePorts(2 * n)
	if err != nil {
		c.cleanup()
		return nil, fmt.Errorf("start embedded etcd: %w", err)
	}
	var initial []string
	cfgs := make([]*embed.Config, n)
	for i := range n {
		ss := &streamSet{cancel: map[int]context.CancelFunc{}}
		c.streams = append(c.streams, ss)
		cfg := embed.NewConfig()
		cfg.Name = fmt.Sprintf("m%d", i)
		cfg.Dir = filepath.Join(c.dir, cfg.Name)
		curl := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[2*i])}
		purl := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[2*i+1])}
		cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{curl}, []url.URL{curl}
		cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{purl}, []url.URL{purl}
		cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(lg.Named(cfg.Name))
		cfg.UnsafeNoFsync = opts.UnsafeNoFsync
		if opts.MaxTxnOps > 0 {
			cfg.MaxTxnOps = opts.MaxTxnOps
		}
		if opts.QuotaBackendBytes > 0 {
			cfg.QuotaBackendBytes = opts.QuotaBackendBytes
		}
		if n > 1 {
			// Shorter ticks make a three-member cluster elect quickly.
			cfg.TickMs, cfg.ElectionMs = 50, 500
		}
		interceptors := []grpc.StreamServerInterceptor{ss.track}
		if opts.DisableRangeStream {
			interceptors = append(interceptors, refuseRangeStream)
		}
		cfg.GRPCAdditionalServerOptions = append(cfg.GRPCAdditionalServerOptions,
			grpc.ChainStreamInterceptor(interceptors...))
		cfgs[i] = cfg
		c.endpoints = append(c.endpoints, curl.String())
		initial = append(initial, cfg.Name+"="+purl.String())
	}
	for i, cfg := range cfgs {
		cfg.InitialCluster = strings.Join(initial, ",")
		cfg.InitialClusterToken = "etcdscope-embedded"
		e, err := embed.StartEtcd(cfg)
		if err != nil {
			c.closeAll()
			c.cleanup()
			return nil, fmt.Errorf("start embedded etcd member %d: %w", i, err)
		}
		c.members = append(c.members, e)
		c.stopped = append(c.stopped, false)
	}
	for i, e := range c.members {
		select {
		case <-e.Server.ReadyNotify():
		case err := <-e.Err():
			c.closeAll()
			c.cleanup()
			return nil, fmt.Errorf("embedded etcd member %d failed: %w", i, err)
		case <-ctx.Done():
			c.closeAll()
			c.cleanup()
			return nil, fmt.Errorf("wait for embedded etcd: %w", ctx.Err())
		}
	}
	return c, nil
}

// refuseRangeStream answers RangeStream as a server without it would.
func refuseRangeStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if info.FullMethod == rangeStreamMethod {
		return status.Error(codes.Unimplemented, "unknown method RangeStream for service etcdserverpb.KV")
	}
	return handler(srv, ss)
}

// streamSet keeps the open client streams of one member, so StopMember
// can drop them at once as a crash would: a graceful stop would keep
// serving a watch stream for the server's whole request timeout.
type streamSet struct {
	mu      sync.Mutex
	next    int
	dropped bool
	cancel  map[int]context.CancelFunc
}

// errMemberGone is what a dropped stream's client sees: Unavailable, the
// code a dead member's broken connection gives, on which clients resume
// elsewhere.
var errMemberGone = status.Error(codes.Unavailable, "embedded etcd member stopped")

func (s *streamSet) track(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	ctx, cancel := context.WithCancel(ss.Context())
	defer cancel()
	s.mu.Lock()
	if s.dropped {
		s.mu.Unlock()
		return errMemberGone
	}
	id := s.next
	s.next++
	s.cancel[id] = cancel
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.cancel, id)
		s.mu.Unlock()
	}()
	err := handler(srv, &ctxStream{ServerStream: ss, ctx: ctx})
	if ctx.Err() != nil && ss.Context().Err() == nil {
		return errMemberGone
	}
	return err
}

func (s *streamSet) drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropped = true
	for _, cancel := range s.cancel {
		cancel()
	}
}

// ctxStream is a server stream with a context StopMember can cancel.
type ctxStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *ctxStream) Context() context.Context { return s.ctx }

// freePorts asks the kernel for n distinct free loopback ports.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// Endpoints are the members' client URLs, in member order.
func (c *Cluster) Endpoints() []string {
	return append([]string(nil), c.endpoints...)
}

// Dir is the directory holding the members' data.
func (c *Cluster) Dir() string { return c.dir }

// Client returns a new client to all members; the caller closes it.
func (c *Cluster) Client() (*clientv3.Client, error) {
	cli, err := clientv3.New(clientv3.Config{
		Endpoints: c.Endpoints(),
		Logger:    zap.NewNop(),
	})
	if err != nil {
		return nil, fmt.Errorf("connect to embedded etcd: %w", err)
	}
	return cli, nil
}

// StopMember stops member i (counted from 0) and keeps its data, so the
// others carry on without it (failover tests). Its client streams (watches)
// are cut at once, as when a member crashes, so clients move to another
// member without waiting for a graceful stop.
func (c *Cluster) StopMember(i int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i < 0 || i >= len(c.members) {
		return fmt.Errorf("stop member %d: the cluster has %d members", i, len(c.members))
	}
	if c.stopped[i] {
		return fmt.Errorf("stop member %d: already stopped", i)
	}
	c.streams[i].drop()
	c.members[i].Close()
	c.stopped[i] = true
	return nil
}

// Stop stops every member still running and removes the data directory
// when Start made it.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeAll()
	return c.cleanup()
}

func (c *Cluster) closeAll() {
	for i, e := range c.members {
		if !c.stopped[i] {
			e.Close()
			c.stopped[i] = true
		}
	}
}

func (c *Cluster) cleanup() error {
	if !c.removeDir {
		return nil
	}
	c.removeDir = false
	if err := os.RemoveAll(c.dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove embedded etcd dir: %w", err)
	}
	return nil
}
