package etcdsrc

import (
	"context"
	"fmt"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Status describes the cluster: its members and which leads, the current
// and compaction revisions, the backend size and how much of it is in use,
// alarms and the server version. A member that does not answer has its Err
// set; the rest is still reported.
func (l *Live) Status(ctx context.Context) (Status, error) {
	st := Status{Endpoints: l.client.Endpoints()}
	cctx, cancel := l.callCtx(ctx)
	defer cancel()

	ml, err := l.client.MemberList(cctx)
	if err != nil {
		// Without the member list, ask each endpoint for itself.
		st.Notes = append(st.Notes, fmt.Sprintf("member list: %v", readError("list", "members", err)))
		for _, ep := range st.Endpoints {
			st.Members = append(st.Members, Member{Name: ep, ClientURLs: []string{ep}})
		}
	} else {
		for _, m := range ml.Members {
			st.Members = append(st.Members, Member{ID: m.ID, Name: m.Name, ClientURLs: m.ClientURLs, Learner: m.IsLearner})
		}
	}

	statuses := make([]*clientv3.StatusResponse, len(st.Members))
	var wg sync.WaitGroup
	for i := range st.Members {
		m := &st.Members[i]
		if len(m.ClientURLs) == 0 {
			m.Err = fmt.Errorf("member %x has no client URL (not started yet)", m.ID)
			continue
		}
		wg.Go(func() {
			resp, err := l.client.Status(cctx, m.ClientURLs[0])
			if err != nil {
				m.Err = fmt.Errorf("status of %s: %w", m.ClientURLs[0], err)
				return
			}
			statuses[i] = resp
		})
	}
	wg.Wait()

	var leader *clientv3.StatusResponse
	for i, s := range statuses {
		if s == nil {
			continue
		}
		if st.Members[i].ID == 0 && s.Header != nil {
			st.Members[i].ID = s.Header.MemberId
		}
		if s.Header != nil && s.Header.Revision > st.Revision {
			st.Revision = s.Header.Revision
		}
		// The sizes shown are the leader's, or the first member's that
		// answered when the leader did not.
		if s.Leader == st.Members[i].ID {
			st.Members[i].Leader = true
			leader = s
		} else if leader == nil {
			leader = s
		}
		for _, e := range s.Errors {
			st.Notes = append(st.Notes, fmt.Sprintf("member %s: %s", st.Members[i].Name, e))
		}
	}
	if leader != nil {
		st.DBSize, st.DBSizeInUse, st.Version = leader.DbSize, leader.DbSizeInUse, leader.Version
	}

	if al, err := l.client.AlarmList(cctx); err != nil {
		st.Notes = append(st.Notes, fmt.Sprintf("alarms: %v", err))
	} else {
		for _, a := range al.Alarms {
			st.Alarms = append(st.Alarms, fmt.Sprintf("%s on member %x", a.Alarm, a.MemberID))
		}
	}
	st.CompactRevision = l.compactRevision(ctx, "\x00")
	return st, nil
}
