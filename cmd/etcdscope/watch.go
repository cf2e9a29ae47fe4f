package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// watchRecord is one line of `watch -o records`.
type watchRecord struct {
	Type       string         `json:"type"`
	Revision   int64          `json:"revision"`
	Record     any            `json:"record,omitempty"`
	PrevRecord *decode.Record `json:"prevRecord,omitempty"`
	Error      string         `json:"error,omitempty"`
}

func newWatchCmd(a *app) *cobra.Command {
	var (
		output string
		rev    int64
	)
	cmd := &cobra.Command{
		Use:   "watch PREFIX",
		Short: "Print changes under a prefix as they happen, decoded",
		Long: "watch prints every change under a prefix from now (or from --rev) until\n" +
			"interrupted. If etcd compacts past the watch, a COMPACTED event is printed,\n" +
			"the prefix is listed again (as PUT events) and the watch carries on.",
		Example: "  etcdscope watch /registry/pods/shop\n  etcdscope watch /registry/ -o records",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseOutput(output, outputRecords, outputYAML)
			if err != nil {
				return err
			}
			prefix := dirPrefix(decode.UnescapeKey(args[0]))
			return a.withSession(cmd, func(ctx context.Context, s *session) error {
				w := &eventWriter{w: bufio.NewWriter(a.out), format: format, dec: s.decoder}
				err := watchPrefix(ctx, s.src, prefix, rev, w)
				if ctx.Err() != nil {
					return nil // interrupted: the normal end of a watch
				}
				return err
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: records or yaml (default: readable)")
	cmd.Flags().Int64Var(&rev, "rev", 0, "start from this revision (default: now)")
	return cmd
}

// watchPrefix follows prefix until ctx ends, re-listing after compaction.
func watchPrefix(ctx context.Context, src etcdsrc.Source, prefix string, rev int64, w *eventWriter) error {
	for {
		wctx, cancel := context.WithCancel(ctx)
		events, err := src.Watch(wctx, prefix, rev)
		if err != nil {
			cancel()
			return err
		}
		relist := false
		for ev := range events {
			if err := w.write(ev); err != nil {
				cancel()
				return err
			}
			if ev.Type == etcdsrc.EventError {
				cancel()
				return ev.Err
			}
			if ev.Type == etcdsrc.EventCompacted {
				relist = true
				break
			}
		}
		cancel()
		if !relist {
			return ctx.Err()
		}
		listRev, err := src.Range(ctx, prefix, 0, func(kv etcdsrc.KeyValue) error {
			return w.write(etcdsrc.Event{Type: etcdsrc.EventPut, Revision: kv.ModRevision, KV: kv})
		})
		if err != nil && !errors.Is(err, etcdsrc.ErrRevisionMoved) {
			return fmt.Errorf("list %s again after compaction: %w", decode.EscapeKey(prefix), err)
		}
		rev = listRev + 1
	}
}

// eventWriter prints watch events and flushes each one.
type eventWriter struct {
	w      *bufio.Writer
	format outputFormat
	dec    *decode.Decoder
}

func (e *eventWriter) write(ev etcdsrc.Event) error {
	var err error
	switch e.format {
	case outputRecords:
		err = writeJSONLine(e.w, e.record(ev))
	case outputYAML:
		if _, err = io.WriteString(e.w, "---\n"); err == nil {
			err = writeYAML(e.w, e.record(ev))
		}
	default:
		err = e.writeReadable(ev)
	}
	if err != nil {
		return err
	}
	return e.w.Flush()
}

func (e *eventWriter) record(ev etcdsrc.Event) watchRecord {
	r := watchRecord{Type: ev.Type.String(), Revision: ev.Revision}
	switch ev.Type {
	case etcdsrc.EventPut:
		r.Record = e.dec.Decode(ev.KV.Key, ev.KV.Value, ev.KV.Meta()).Record()
	case etcdsrc.EventDelete:
		r.Record = deletionRecord{Key: decode.EscapeKey(ev.KV.Key), ModRevision: ev.Revision, Deleted: true}
	case etcdsrc.EventError:
		r.Error = "watch failed"
		if ev.Err != nil {
			r.Error = ev.Err.Error()
		}
	}
	if ev.PrevKV != nil {
		prev := e.dec.Decode(ev.PrevKV.Key, ev.PrevKV.Value, ev.PrevKV.Meta()).Record()
		r.PrevRecord = &prev
	}
	return r
}

func (e *eventWriter) writeReadable(ev etcdsrc.Event) error {
	now := time.Now().Format("15:04:05")
	switch ev.Type {
	case etcdsrc.EventCompacted:
		_, err := fmt.Fprintf(e.w, "%s  COMPACTED  the watch fell behind compaction at revision %d; listing again\n", now, ev.Revision)
		return err
	case etcdsrc.EventError:
		_, err := fmt.Fprintf(e.w, "%s  ERROR   %v\n", now, ev.Err)
		return err
	}
	kind := ""
	if ev.Type == etcdsrc.EventPut {
		v := e.dec.Decode(ev.KV.Key, ev.KV.Value, nil)
		kind = v.Kind
		if kind == "" {
			kind = v.Encoding.String()
		}
	}
	_, err := fmt.Fprintf(e.w, "%s  %-6s  %s  rev %d  %s\n", now, ev.Type, decode.EscapeKey(ev.KV.Key), ev.Revision, kind)
	return err
}
