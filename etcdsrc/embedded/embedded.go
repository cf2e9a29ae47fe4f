// Package embedded runs a real etcd server inside the process, on loopback,
// for the demo and for tests: one member or a three-member cluster, each on
// free ports, with quiet logs. For fault tests it can serve TLS (with a
// test PKI made here), enable authentication, stop, blackhole and restart
// members.
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
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
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
	// QuotaBackendBytes sets the backend size limit (default 2 GiB); a
	// small one drives the server into the NOSPACE alarm.
	QuotaBackendBytes int64
	// TLS, when set, makes the client URLs https.
	TLS *TLS
}

// TLS is how the members serve clients over TLS.
type TLS struct {
	// CertFile and KeyFile are the server's certificate and key (PEM).
	CertFile, KeyFile string
	// ClientCAFile, when set, makes the server require client
	// certificates signed by it (etcd requires them whenever it is given
	// a client CA).
	ClientCAFile string
	// CAFile, ClientCertFile and ClientKeyFile are what Client trusts
	// and presents.
	CAFile, ClientCertFile, ClientKeyFile string
}

// Cluster is a running embedded etcd.
type Cluster struct {
	mu        sync.Mutex
	cfgs      []*embed.Config
	members   []*embed.Etcd
	streams   []*streamSet
	stopped   []bool
	holes     []net.Listener // a blackholed member's client port, held
	endpoints []string
	dir       string
	removeDir bool
	tls       *TLS
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
	c := &Cluster{dir: opts.Dir, tls: opts.TLS}
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
		scheme := "http"
		if opts.TLS != nil {
			scheme = "https"
			cfg.ClientTLSInfo = transport.TLSInfo{
				CertFile: opts.TLS.CertFile, KeyFile: opts.TLS.KeyFile,
				TrustedCAFile: opts.TLS.ClientCAFile, ClientCertAuth: opts.TLS.ClientCAFile != "",
			}
		}
		curl := url.URL{Scheme: scheme, Host: fmt.Sprintf("127.0.0.1:%d", ports[2*i])}
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
		c.holes = append(c.holes, nil)
		initial = append(initial, cfg.Name+"="+purl.String())
	}
	c.cfgs = cfgs
	c.members = make([]*embed.Etcd, n)
	c.stopped = make([]bool, n)
	all := make([]int, n)
	for i, cfg := range cfgs {
		cfg.InitialCluster = strings.Join(initial, ",")
		cfg.InitialClusterToken = "etcdscope-embedded"
		c.stopped[i] = true
		all[i] = i
	}
	if err := c.start(ctx, all); err != nil {
		c.cleanup()
		return nil, err
	}
	return c, nil
}

// start starts the stopped members idx at once (a member restarted
// alone waits for the others to make a quorum) and waits until each is
// ready or ctx ends; on failure every member is stopped.
func (c *Cluster) start(ctx context.Context, idx []int) error {
	for _, i := range idx {
		if h := c.holes[i]; h != nil {
			h.Close()
			c.holes[i] = nil
		}
		c.streams[i].reset()
		e, err := embed.StartEtcd(c.cfgs[i])
		if err != nil {
			c.abandon(idx)
			return fmt.Errorf("start embedded etcd member %d: %w", i, err)
		}
		c.members[i], c.stopped[i] = e, false
	}
	for _, i := range idx {
		e := c.members[i]
		select {
		case <-e.Server.ReadyNotify():
		case err := <-e.Err():
			c.abandon(idx)
			return fmt.Errorf("embedded etcd member %d failed: %w", i, err)
		case <-ctx.Done():
			c.abandon(idx)
			return fmt.Errorf("wait for embedded etcd member %d: %w", i, ctx.Err())
		}
	}
	return nil
}

// abandon stops the members idx that a start gave up on, without waiting:
// closing a member that never became ready can wait for ever (etcd waits
// for its client servers, which wait for it to be ready).
func (c *Cluster) abandon(idx []int) {
	for _, i := range idx {
		if !c.stopped[i] {
			c.streams[i].drop()
			go c.members[i].Close()
			c.stopped[i] = true
		}
	}
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

// reset lets streams in again after a restart.
func (s *streamSet) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropped = false
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

// ClientConfig is the configuration of a client to every member: with
// the TLS settings the cluster asks for, and no user.
func (c *Cluster) ClientConfig() (clientv3.Config, error) {
	cfg := clientv3.Config{Endpoints: c.Endpoints(), DialTimeout: 5 * time.Second, Logger: zap.NewNop()}
	if c.tls != nil {
		info := transport.TLSInfo{TrustedCAFile: c.tls.CAFile, CertFile: c.tls.ClientCertFile, KeyFile: c.tls.ClientKeyFile}
		t, err := info.ClientConfig()
		if err != nil {
			return cfg, fmt.Errorf("client TLS for embedded etcd: %w", err)
		}
		cfg.TLS = t
	}
	return cfg, nil
}

// Client returns a new client to all members; the caller closes it.
func (c *Cluster) Client() (*clientv3.Client, error) {
	cfg, err := c.ClientConfig()
	if err != nil {
		return nil, err
	}
	cli, err := clientv3.New(cfg)
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

// StartMember starts member i again after StopMember or Blackhole, on
// its data and ports, and waits until it is ready (a member of three
// needs one other running for that).
func (c *Cluster) StartMember(ctx context.Context, i int) error {
	return c.StartMembers(ctx, i)
}

// StartMembers starts the stopped members idx together, as after a
// restart of the whole cluster, and waits until each is ready.
func (c *Cluster) StartMembers(ctx context.Context, idx ...int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, i := range idx {
		if i < 0 || i >= len(c.members) {
			return fmt.Errorf("start member %d: the cluster has %d members", i, len(c.members))
		}
		if !c.stopped[i] {
			return fmt.Errorf("start member %d: it is running", i)
		}
	}
	return c.start(ctx, idx)
}

// StopMembers stops the members idx (all when none is given) and keeps
// their data, for a restart of the whole cluster with StartMembers.
func (c *Cluster) StopMembers(idx ...int) error {
	if len(idx) == 0 {
		for i := range c.members {
			idx = append(idx, i)
		}
	}
	for _, i := range idx {
		if err := c.StopMember(i); err != nil {
			return err
		}
	}
	return nil
}

// Blackhole stops member i and holds its client port with a listener that
// accepts nothing: clients connect and then wait for an answer that never
// comes, as with a hung member. StartMember brings it back.
func (c *Cluster) Blackhole(i int) error {
	if err := c.StopMember(i); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	u, err := url.Parse(c.endpoints[i])
	if err != nil {
		return fmt.Errorf("blackhole member %d: %w", i, err)
	}
	ln, err := net.Listen("tcp", u.Host)
	if err != nil {
		return fmt.Errorf("blackhole member %d: %w", i, err)
	}
	c.holes[i] = ln
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
		if !c.stopped[i] && e != nil {
			e.Close()
		}
		c.stopped[i] = true
		if h := c.holes[i]; h != nil {
			h.Close()
			c.holes[i] = nil
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
