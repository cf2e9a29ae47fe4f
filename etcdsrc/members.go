package etcdsrc

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// MemberHealth is what one member says of itself when asked for its
// status.
type MemberHealth struct {
	ID       uint64
	Name     string
	Endpoint string
	Leader   bool
	Learner  bool
	// DBSize and DBSizeInUse are the member's backend size and the part
	// of it in use, in bytes; DBSizeQuota its backend quota (0 when the
	// member does not say: etcd before 3.6).
	DBSize, DBSizeInUse, DBSizeQuota int64
	RaftIndex, RaftTerm              uint64
	Version                          string
	// Errors are the member's own errors, or why it did not answer.
	Errors []string
}

// Alarm is one alarm raised on a member.
type Alarm struct {
	MemberID uint64
	// Type is etcd's name for it: NOSPACE, CORRUPT.
	Type string
}

// Health is the cluster's members as each reports itself, and its alarms.
type Health struct {
	// Endpoints are the client endpoints the source was given.
	Endpoints []string
	Members   []MemberHealth
	Alarms    []Alarm
	// Notes say what could not be asked (the member or alarm list).
	Notes []string
}

// Health asks every member for its status and the cluster for its alarms.
// A member that does not answer carries the error, and a list that could
// not be had is a note: Health fails only when ctx has ended. It only
// reads.
func (l *Live) Health(ctx context.Context) (Health, error) {
	return guarded(ctx, l, "member health", l.health)
}

func (l *Live) health(ctx context.Context) (Health, error) {
	h := Health{Endpoints: l.client.Endpoints()}
	cctx, cancel := l.callCtx(ctx)
	defer cancel()
	ml, err := l.client.MemberList(cctx)
	if err != nil {
		h.Notes = append(h.Notes, fmt.Sprintf("member list: %v", l.readError(ctx, "list", "members", err)))
		for _, ep := range l.client.Endpoints() {
			h.Members = append(h.Members, MemberHealth{Name: ep, Endpoint: ep})
		}
	} else {
		for _, m := range ml.Members {
			mh := MemberHealth{ID: m.ID, Name: m.Name, Learner: m.IsLearner}
			if len(m.ClientURLs) > 0 {
				mh.Endpoint = m.ClientURLs[0]
			}
			h.Members = append(h.Members, mh)
		}
	}
	var wg sync.WaitGroup
	for i := range h.Members {
		m := &h.Members[i]
		if m.Endpoint == "" {
			m.Errors = append(m.Errors, "no client URL (the member has not started)")
			continue
		}
		wg.Go(func() {
			s, err := l.client.Status(cctx, m.Endpoint)
			if err != nil {
				m.Errors = append(m.Errors, fmt.Sprintf("status of %s: %v", m.Endpoint, err))
				return
			}
			if s.Header != nil && m.ID == 0 {
				m.ID = s.Header.MemberId
			}
			m.Leader = s.Leader != 0 && s.Leader == m.ID
			m.DBSize, m.DBSizeInUse, m.DBSizeQuota = s.DbSize, s.DbSizeInUse, s.DbSizeQuota
			m.RaftIndex, m.RaftTerm, m.Version = s.RaftIndex, s.RaftTerm, s.Version
			m.Errors = append(m.Errors, s.Errors...)
		})
	}
	wg.Wait()
	slices.SortFunc(h.Members, func(a, b MemberHealth) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	if err := ctx.Err(); err != nil {
		return Health{}, fmt.Errorf("cluster health: %w", err)
	}
	if al, err := l.client.AlarmList(cctx); err != nil {
		h.Notes = append(h.Notes, fmt.Sprintf("alarms: %v", l.readError(ctx, "list", "alarms", err)))
	} else {
		for _, a := range al.Alarms {
			h.Alarms = append(h.Alarms, Alarm{MemberID: a.MemberID, Type: a.Alarm.String()})
		}
	}
	return h, nil
}

// CompactRevision is the oldest revision still readable: 0 when nothing
// was ever compacted. A read of revision 1 tells that at once; only a
// compacted cluster is asked with a watch from revision 1, which it
// answers with its compaction revision without replaying anything (a
// watch from revision 1 on a cluster never compacted would make it read
// every revision first).
func (l *Live) CompactRevision(ctx context.Context) (int64, error) {
	return guarded(ctx, l, "read the compaction revision", l.readCompactRevision)
}

func (l *Live) readCompactRevision(ctx context.Context) (int64, error) {
	_, err := l.get(ctx, "\x00", 1, clientv3.WithKeysOnly(), clientv3.WithLimit(1))
	switch {
	case err == nil:
		return 0, nil
	case isCompacted(err):
		return l.compactRevision(ctx, "\x00"), nil
	}
	return 0, l.readError(ctx, "read revision 1 of", "the keyspace", err)
}
