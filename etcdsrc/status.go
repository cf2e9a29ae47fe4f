package etcdsrc

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Status describes the cluster without needing a leader: the members (a
// serializable member list) and which one leads, each member's own status
// (asked of each at once, with a short deadline), the current and
// compaction revisions, the backend size and how much of it is in use,
// alarms (from the members' status, not the raft-backed alarm list) and
// the server version. A member that does not answer has its Err set,
// saying why; the rest is still reported. NoLeader says when members
// answer but none knows a leader.
func (l *Live) Status(ctx context.Context) (Status, error) {
	return guarded(ctx, l, "status", l.status)
}

func (l *Live) status(ctx context.Context) (Status, error) {
	st := Status{Endpoints: l.client.Endpoints()}
	timeout := l.memberTimeout()
	sctx, cancel := context.WithTimeout(ctx, 2*timeout)
	defer cancel()
	s := l.survey(sctx, timeout)
	st.Members = s.members
	if s.listErr != nil {
		st.Notes = append(st.Notes, fmt.Sprintf("member list: %v", s.listErr))
	}

	var leader, first *clientv3.StatusResponse
	alarms := map[string]bool{}
	for i, a := range s.answers {
		m := &st.Members[i]
		if a.err != nil {
			m.Err = a.err
			continue
		}
		st.Answering++
		r := a.resp
		if m.ID == 0 {
			m.ID = r.Header.MemberId
		}
		st.Revision = max(st.Revision, r.Header.Revision)
		if first == nil {
			first = r
		}
		if r.Leader != 0 && (leader == nil || r.RaftTerm > leader.RaftTerm) {
			leader = r
		}
		for _, e := range r.Errors {
			if e == rpctypes.ErrNoLeader.Error() {
				continue // told by NoLeader
			}
			if alarm, ok := parseAlarm(e); ok {
				if !alarms[alarm] {
					alarms[alarm] = true
					st.Alarms = append(st.Alarms, alarm)
				}
				continue
			}
			st.Notes = append(st.Notes, fmt.Sprintf("member %s: %s", m.Name, e))
		}
	}
	sizes := first
	if leader != nil {
		st.LeaderID = leader.Leader
		for i := range st.Members {
			if st.Members[i].ID == leader.Leader {
				st.Members[i].Leader = true
				if a := s.answers[i]; a.resp != nil {
					sizes = a.resp // the sizes shown are the leader's when it answers
				}
			}
		}
	}
	if sizes != nil {
		st.DBSize, st.DBSizeInUse, st.Version = sizes.DbSize, sizes.DbSizeInUse, sizes.Version
	}
	st.NoLeader = st.Answering > 0 && leader == nil
	if st.NoLeader {
		st.Notes = append(st.Notes, fmt.Sprintf("no leader: %d of %d members answer; only serializable reads (--consistency s) work", st.Answering, len(st.Members)))
	}
	if st.Answering > 0 {
		cctx, cancel := context.WithTimeout(ctx, timeout)
		// A read of revision 1 tells at once whether anything was
		// compacted; a watch from revision 1 on a cluster never compacted
		// would make etcd read every revision first, on every poll.
		if rev, err := l.readCompactRevision(cctx); err == nil {
			st.CompactRevision = rev
		}
		cancel()
	}
	return st, nil
}

// memberTimeout is how long Status waits for one member: short, so that
// a member lost shows within a poll or two.
func (l *Live) memberTimeout() time.Duration {
	d := min(time.Second, dialTimeout(l.cfg))
	if l.cfg.CommandTimeout > 0 {
		d = min(d, l.cfg.CommandTimeout)
	}
	return d
}

// parseAlarm reads an alarm as a member's status reports it
// ("memberID:10276657743932975437 alarm:NOSPACE ") as "NOSPACE on member
// 8e9e05c52164694d".
func parseAlarm(s string) (string, bool) {
	var member uint64
	alarm := ""
	for _, f := range strings.Fields(s) {
		switch k, v, _ := strings.Cut(f, ":"); k {
		case "memberID":
			member, _ = strconv.ParseUint(v, 10, 64)
		case "alarm":
			alarm = v
		}
	}
	if alarm == "" {
		return "", false
	}
	return fmt.Sprintf("%s on member %x", alarm, member), true
}

// memberAnswer is one member's status, or why there is none.
type memberAnswer struct {
	url  string
	resp *clientv3.StatusResponse
	err  error
}

// survey is what the members say of themselves.
type survey struct {
	members []Member
	answers []memberAnswer // one per member
	listErr error          // why the member list is missing, if it is
}

// survey lists the members (serializable: any member answers) within half
// of what is left of ctx, falling back on the endpoints, then asks every
// member for its status at once, each within timeout.
func (l *Live) survey(ctx context.Context, timeout time.Duration) survey {
	var s survey
	lctx, cancel := context.WithTimeout(ctx, halfLeft(ctx, timeout))
	ml, err := l.client.MemberList(lctx, clientv3.WithSerializable())
	cancel()
	if err != nil {
		// Not readError: its diagnosis would survey again.
		s.listErr = fmt.Errorf("list members: %w", normalize(err))
		for _, ep := range l.client.Endpoints() {
			s.members = append(s.members, Member{Name: ep, ClientURLs: []string{ep}})
		}
	} else {
		for _, m := range ml.Members {
			s.members = append(s.members, Member{ID: m.ID, Name: m.Name, ClientURLs: m.ClientURLs, Learner: m.IsLearner})
		}
	}
	s.answers = make([]memberAnswer, len(s.members))
	var wg sync.WaitGroup
	for i, m := range s.members {
		if len(m.ClientURLs) == 0 {
			s.answers[i].err = fmt.Errorf("member %x has no client URL (not started yet)", m.ID)
			continue
		}
		s.answers[i].url = m.ClientURLs[0]
		wg.Go(func() {
			mctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			s.answers[i].resp, s.answers[i].err = l.memberStatus(mctx, m.ClientURLs[0])
		})
	}
	wg.Wait()
	return s
}

// halfLeft is half the time ctx has left, at most limit.
func halfLeft(ctx context.Context, limit time.Duration) time.Duration {
	if d, ok := ctx.Deadline(); ok {
		return min(time.Until(d)/2, limit)
	}
	return limit
}

// memberStatus asks one member for its status until ctx ends. When the
// member is slow to answer, a probe of its endpoint runs beside, so a
// failure says why (refused, no answer, TLS) rather than only that the
// deadline passed.
func (l *Live) memberStatus(ctx context.Context, url string) (*clientv3.StatusResponse, error) {
	type answer struct {
		resp *clientv3.StatusResponse
		err  error
	}
	asked := make(chan answer, 1)
	go func() {
		r, err := l.client.Status(ctx, url)
		asked <- answer{r, err}
	}()
	var probed chan error
	grace := time.NewTimer(probeGrace)
	defer grace.Stop()
	for {
		select {
		case a := <-asked:
			if a.err == nil {
				return a.resp, nil
			}
			if probed != nil {
				if perr := <-probed; perr != nil {
					return nil, perr
				}
			}
			if nerr := notGRPC(url, a.err); nerr != nil {
				return nil, nerr
			}
			if connFailure(a.err) {
				return nil, fmt.Errorf("etcd at %s did not answer within %s", url, l.memberTimeout())
			}
			return nil, fmt.Errorf("status of %s: %w", url, normalize(a.err))
		case <-grace.C:
			probed = make(chan error, 1)
			go func() { probed <- l.prober(l.memberTimeout()).probe(ctx, url) }()
		}
	}
}

// unanswered reports a read that failed for want of an answer in time, or
// because the member had no leader to ask.
func unanswered(err error) bool {
	// Canceled here is the server's doing (the callers check their own
	// context): etcd cancels a watch that requires a leader it lost.
	if connFailure(err) || status.Code(err) == codes.Canceled {
		return true
	}
	var ee rpctypes.EtcdError
	if !errors.As(normalize(err), &ee) {
		return false
	}
	switch ee {
	case rpctypes.ErrNoLeader, rpctypes.ErrNotLeader, rpctypes.ErrLeaderChanged, rpctypes.ErrNotCapable,
		rpctypes.ErrStopped, rpctypes.ErrTimeout, rpctypes.ErrTimeoutDueToLeaderFail,
		rpctypes.ErrTimeoutDueToConnectionLost, rpctypes.ErrTimeoutWaitAppliedIndex, rpctypes.ErrUnhealthy:
		return true
	}
	return false
}

// whyUnanswered asks every member, within the time CommandTimeout kept
// back for it, why a read got no answer: nil when they answer and one
// leads (or a leader is not needed), a *NoLeaderError when members answer
// but none leads, the first member's diagnosis when none answers.
func (l *Live) whyUnanswered(ctx context.Context) error {
	budget := l.diagBudget()
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), budget)
	defer cancel()
	stop := context.AfterFunc(l.life, cancel)
	defer stop()
	s := l.survey(dctx, budget)
	var answering []string
	leader := false
	for _, a := range s.answers {
		if a.err == nil {
			answering = append(answering, a.url)
			leader = leader || a.resp.Leader != 0
		}
	}
	switch {
	case len(answering) == 0 && len(s.answers) > 0:
		return fmt.Errorf("no etcd member answers: %w", s.answers[0].err)
	case len(answering) > 0 && !leader && !l.serializable.Load():
		return &NoLeaderError{Answering: answering, Members: len(s.members)}
	}
	return nil
}
