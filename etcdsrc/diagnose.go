package etcdsrc

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/http2"
)

// ErrUnreachable is wrapped by the errors that say why no etcd endpoint
// could be used: nothing listens, nothing answers, TLS where plain text is
// spoken or the reverse, a certificate that does not verify.
var ErrUnreachable = errors.New("etcd unreachable")

// ErrNoLeader is matched by errors.Is for every *NoLeaderError.
var ErrNoLeader = errors.New("no leader")

// NoLeaderError reports a read that needed a leader on a cluster that has
// lost quorum: some members answer, none knows a leader.
type NoLeaderError struct {
	// Answering are the client URLs of the members that answered.
	Answering []string
	// Members is how many members the cluster has.
	Members int
}

// Error says how many members answer, which, and what still reads.
func (e *NoLeaderError) Error() string {
	hosts := make([]string, len(e.Answering))
	for i, u := range e.Answering {
		hosts[i], _ = splitEndpoint(u)
	}
	return fmt.Sprintf("no leader: %d of %d members answer (%s); --consistency s reads from one member (may be stale)",
		len(e.Answering), e.Members, strings.Join(hosts, ", "))
}

// Is makes errors.Is(err, ErrNoLeader) true.
func (e *NoLeaderError) Is(target error) bool { return target == ErrNoLeader }

// unreachableError is one endpoint's diagnosis.
type unreachableError struct{ msg string }

func (e *unreachableError) Error() string        { return e.msg }
func (e *unreachableError) Is(target error) bool { return target == ErrUnreachable }

func unreachable(format string, args ...any) error {
	return &unreachableError{msg: fmt.Sprintf(format, args...)}
}

// endpointHint is what every "cannot reach" message ends with.
const endpointHint = "check --endpoints (or ETCDCTL_ENDPOINTS) and that etcd is running"

// splitEndpoint returns an endpoint's host:port and its scheme ("" when
// it has none).
func splitEndpoint(ep string) (hostPort, scheme string) {
	for _, s := range []string{"https", "http", "unixs", "unix"} {
		if rest, ok := strings.CutPrefix(ep, s+"://"); ok {
			return rest, s
		}
	}
	return ep, ""
}

// usesTLS says whether clientv3 speaks TLS to ep: https always, http
// never, a bare host:port when TLS is configured.
func usesTLS(ep string, tlsCfg *tls.Config) bool {
	_, scheme := splitEndpoint(ep)
	return scheme == "https" || scheme == "unixs" || scheme == "" && tlsCfg != nil
}

// prober looks at one endpoint the way the client would talk to it, and
// says what is wrong in one line that names the flag to change.
type prober struct {
	tls *tls.Config
	cfg *Config
	// within is the time the messages say was waited for an answer.
	within time.Duration
}

// probe connects to ep and speaks TLS (when the client would) and HTTP/2
// with it until ctx ends; nil means it looks like a working gRPC server.
func (p prober) probe(ctx context.Context, ep string) error {
	host, scheme := splitEndpoint(ep)
	if strings.HasPrefix(scheme, "unix") {
		return nil // not probed: a local socket has none of these failures
	}
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(dialTimeout(*p.cfg))
	}
	wait := p.within
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	switch {
	case err == nil:
	case errors.Is(err, syscall.ECONNREFUSED):
		return unreachable("etcd at %s refused the connection (nothing listens there): %s", ep, endpointHint)
	case isTimeout(err) || ctx.Err() != nil:
		return unreachable("etcd at %s did not answer within %s (no reply to the connection: a host that is down, or packets dropped); %s, or raise --dial-timeout", ep, wait, endpointHint)
	default:
		return unreachable("cannot connect to etcd at %s: %v; %s", ep, err, endpointHint)
	}
	defer conn.Close()
	// A probe cut short ends its reads at once rather than at the deadline.
	defer context.AfterFunc(ctx, func() { conn.Close() })()
	_ = conn.SetDeadline(deadline)
	if usesTLS(ep, p.tls) {
		return p.probeTLS(ctx, ep, host, conn, wait)
	}
	return p.probePlain(ctx, ep, host, conn, deadline, wait)
}

// tlsFor is the client's TLS configuration as gRPC applies it to host:
// the server name is the endpoint's host unless set, and gRPC asks for h2.
func (p prober) tlsFor(host string) *tls.Config {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if p.tls != nil {
		cfg = p.tls.Clone()
	}
	if cfg.ServerName == "" {
		if h, _, err := net.SplitHostPort(host); err == nil {
			cfg.ServerName = h
		}
	}
	cfg.NextProtos = []string{http2.NextProtoTLS}
	return cfg
}

func (p prober) probeTLS(ctx context.Context, ep, host string, conn net.Conn, wait time.Duration) error {
	tc := tls.Client(conn, p.tlsFor(host))
	if err := tc.HandshakeContext(ctx); err != nil {
		var record tls.RecordHeaderError
		if (errors.As(err, &record) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)) && speaksPlainHTTP2(ctx, host) {
			// etcd's plain port reads a ClientHello as garbage and hangs up.
			return p.plainNotTLS(ep, host)
		}
		return p.tlsError(ep, host, err, wait)
	}
	// TLS 1.3 tells a missing or refused client certificate only after
	// the handshake, as an alert on the first read.
	if err := http2Hello(tc); err != nil {
		if alert := remoteAlert(err); alert != "" {
			return p.clientCertError(ep, alert)
		}
		if isTimeout(err) {
			return unreachable("etcd at %s completed the TLS handshake but did not answer within %s (not etcd, or etcd hung); %s", ep, wait, endpointHint)
		}
		return unreachable("etcd at %s closed the connection after the TLS handshake (%v): is it etcd? %s", ep, err, endpointHint)
	}
	return nil
}

// tlsError says what a failed handshake means.
func (p prober) tlsError(ep, host string, err error, wait time.Duration) error {
	var (
		authority x509.UnknownAuthorityError
		name      x509.HostnameError
		invalid   x509.CertificateInvalidError
		record    tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &authority):
		issuer := ""
		if authority.Cert != nil {
			issuer = fmt.Sprintf(" (issuer %q)", authority.Cert.Issuer.CommonName)
		}
		return unreachable("the certificate of etcd at %s is signed by an unknown authority%s: give the CA bundle that signed it with --cacert, or --insecure-skip-tls-verify to not verify", ep, issuer)
	case errors.As(err, &name):
		return unreachable("the certificate of etcd at %s is for %s, not %s: use an endpoint with one of those names in --endpoints, or --insecure-skip-tls-verify to not verify", ep, certNames(name.Certificate), name.Host)
	case errors.As(err, &invalid):
		return unreachable("the certificate of etcd at %s is not valid (%v): renew it, or --insecure-skip-tls-verify to not verify", ep, invalid)
	case errors.As(err, &record):
		return p.plainNotTLS(ep, host)
	case remoteAlert(err) != "":
		return p.clientCertError(ep, remoteAlert(err))
	case isTimeout(err):
		return unreachable("etcd at %s accepted the connection but did not answer the TLS handshake within %s (not etcd, or etcd hung); %s, or raise --dial-timeout", ep, wait, endpointHint)
	}
	return unreachable("tls handshake with etcd at %s failed (%v): check --cacert, --cert and --key", ep, err)
}

// plainNotTLS is the diagnosis of TLS spoken to a plain-text port.
func (p prober) plainNotTLS(ep, host string) error {
	fix := "use http://" + host
	if p.cfg.CACert == "" && p.cfg.Cert == "" && !p.cfg.InsecureSkipTLSVerify {
		fix += " or --insecure-transport"
	}
	return unreachable("etcd at %s speaks plain text, not TLS: %s", ep, fix)
}

// speaksPlainHTTP2 reports a server at host that answers HTTP/2 without
// TLS.
func speaksPlainHTTP2(ctx context.Context, host string) bool {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return false
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	return http2Hello(conn) == nil
}

// clientCertError reads an alert the server sent about the client's
// certificate.
func (p prober) clientCertError(ep, alert string) error {
	if p.cfg.Cert == "" {
		return unreachable("etcd at %s requires a client certificate (%s): give --cert and --key", ep, alert)
	}
	return unreachable("etcd at %s refused the client certificate (%s): give --cert and --key signed by a CA etcd trusts", ep, alert)
}

func (p prober) probePlain(ctx context.Context, ep, host string, conn net.Conn, deadline time.Time, wait time.Duration) error {
	// Half the time for HTTP/2, half for trying TLS on a second connection.
	half := time.Until(deadline) / 2
	start := time.Now()
	_ = conn.SetDeadline(start.Add(half))
	err := http2Hello(conn)
	if err == nil {
		return nil
	}
	silent := isTimeout(err)
	var d net.Dialer
	conn2, derr := d.DialContext(ctx, "tcp", host)
	if derr == nil {
		defer conn2.Close()
		_ = conn2.SetDeadline(deadline)
		probe := &tls.Config{InsecureSkipVerify: true, NextProtos: []string{http2.NextProtoTLS}} //nolint:gosec // only asks whether the server speaks TLS
		if tls.Client(conn2, probe).HandshakeContext(ctx) == nil {
			return unreachable("etcd at %s expects TLS: use https://%s with --cacert (and --cert and --key if it asks for a client certificate)", ep, host)
		}
	}
	if silent {
		// Said as long as it was waited: the probe gives up before the
		// dial timeout it was given.
		waited := min(time.Since(start), wait).Round(10 * time.Millisecond)
		return unreachable("etcd at %s accepted the connection but did not answer within %s (not etcd, or etcd hung); %s, or raise --dial-timeout", ep, waited, endpointHint)
	}
	return unreachable("etcd at %s does not speak gRPC (%v): is it etcd's client port? %s", ep, err, endpointHint)
}

// http2Hello sends the HTTP/2 client preface and reads the server's first
// frame, which a gRPC server sends at once: its SETTINGS.
func http2Hello(conn net.Conn) error {
	// A write may fail because the server already sent an alert and hung
	// up: read anyway, as the alert is the answer.
	_, werr := conn.Write([]byte(http2.ClientPreface))
	fr := http2.NewFramer(conn, conn)
	if werr == nil {
		werr = fr.WriteSettings()
	}
	f, err := fr.ReadFrame()
	switch {
	case err != nil && remoteAlert(err) == "" && werr != nil:
		return werr
	case err != nil:
		return err
	}
	if _, ok := f.(*http2.SettingsFrame); !ok {
		return fmt.Errorf("the first HTTP/2 frame is %s, not SETTINGS", f.Header().Type)
	}
	return nil
}

// remoteAlert is the text of a TLS alert the server sent about the
// client's certificate ("tls: certificate required"), or "".
func remoteAlert(err error) string {
	var op *net.OpError
	if !errors.As(err, &op) || op.Op != "remote error" {
		return ""
	}
	msg := op.Err.Error()
	for _, a := range []string{"certificate required", "bad certificate", "unknown certificate authority", "certificate unknown", "handshake failure"} {
		if strings.Contains(msg, a) {
			return msg
		}
	}
	return ""
}

// certNames lists the names a certificate is for.
func certNames(c *x509.Certificate) string {
	if c == nil {
		return "other names"
	}
	names := append([]string(nil), c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && c.Subject.CommonName != "" {
		names = append(names, c.Subject.CommonName)
	}
	if len(names) == 0 {
		return "no name"
	}
	return strings.Join(names, ", ")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// probeAll probes every endpoint at once until ctx ends. It returns the
// first endpoint's diagnosis when every endpoint has a problem (naming how
// many more fail), nil as soon as one looks fine.
func (p prober) probeAll(ctx context.Context, endpoints []string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make([]error, len(endpoints))
	done := make(chan int, len(endpoints))
	for i, ep := range endpoints {
		go func() {
			errs[i] = p.probe(ctx, ep)
			done <- i
		}()
	}
	for range endpoints {
		if i := <-done; errs[i] == nil {
			return nil
		}
	}
	if len(endpoints) == 1 {
		return errs[0]
	}
	return unreachable("%v (and the other %d endpoints fail too)", errs[0], len(endpoints)-1)
}
