package main

import (
	"bufio"
	"context"
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
			"interrupted. A lost member, a lost leader or a cut stream is printed as an\n" +
			"ERROR and the watch carries on from the last revision printed. If etcd\n" +
			"compacts past the watch, a COMPACTED event is printed, then a PUT for every\n" +
			"key under the prefix and a DELETE for every key gone in the gap, and the\n" +
			"watch carries on. Permission or authentication errors end it (exit 1).",
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

// watchPrefix follows prefix until ctx ends or a fatal error: transient
// errors are printed and the follow goes on by itself; after a compaction
// it prints COMPACTED and the PUTs and DELETEs of the gap.
func watchPrefix(ctx context.Context, src etcdsrc.Source, prefix string, rev int64, w *eventWriter) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // a failed write ends the follow too
	events, err := etcdsrc.Follow(ctx, src, prefix, etcdsrc.FollowOptions{Rev: rev})
	if err != nil {
		return err
	}
	for ev := range events {
		if err := w.write(ev); err != nil {
			return err
		}
		if ev.Type == etcdsrc.EventError && !ev.Transient {
			return ev.Err
		}
	}
	return ctx.Err()
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
		_, err := fmt.Fprintf(e.w, "%s  COMPACTED  the watch fell behind compaction at revision %d; listing the prefix again\n", now, ev.Revision)
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
