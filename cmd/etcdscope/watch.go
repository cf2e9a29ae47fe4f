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
		sel    selectorFlags
	)
	cmd := &cobra.Command{
		Use:   "watch PREFIX",
		Short: "Print changes under a prefix as they happen, decoded",
		Long: "watch prints every change under a prefix from now (or from --rev) until\n" +
			"interrupted. A lost member, a lost leader or a cut stream is printed as an\n" +
			"ERROR and the watch carries on from the last revision printed. If etcd\n" +
			"compacts past the watch, a COMPACTED event is printed, then a PUT for every\n" +
			"key under the prefix and a DELETE for every key gone in the gap, and the\n" +
			"watch carries on. Permission or authentication errors end it (exit 1).\n\n" +
			"-l and --field-selector watch the objects that match, as the API server's\n" +
			"watch does: an object that starts matching arrives as a PUT, one that stops\n" +
			"matching as a DELETE whose record is the object as it now is.",
		Example: "  etcdscope watch /registry/pods/shop\n  etcdscope watch /registry/ -o records\n" +
			"  etcdscope watch /registry/pods/ -l app=web --field-selector status.phase!=Running",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseOutput(output, outputRecords, outputYAML)
			if err != nil {
				return err
			}
			prefix := dirPrefix(decode.UnescapeKey(args[0]))
			return a.withSession(cmd, func(ctx context.Context, s *session) error {
				sl, err := sel.parse(builtinKindOf(prefix, s.rootOf(prefix)))
				if err != nil {
					return err
				}
				w := &eventWriter{w: bufio.NewWriter(a.out), format: format, s: s, keyWidth: max(56, len(prefix)+40)}
				var filter *etcdsrc.Selection
				if !sl.Empty() {
					filter = etcdsrc.NewSelection(func(kv etcdsrc.KeyValue) bool {
						ok, _ := sl.Match(s.decoderFor(kv.Key), kv.Key, kv.Value)
						return ok
					})
				}
				err = watchPrefix(ctx, s.src, prefix, rev, filter, w)
				if ctx.Err() != nil {
					return nil // interrupted: the normal end of a watch
				}
				return err
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: records or yaml (default: readable)")
	cmd.Flags().Int64Var(&rev, "rev", 0, "start from this revision (default: now)")
	sel.register(cmd)
	return cmd
}

// watchPrefix follows prefix until ctx ends or a fatal error: transient
// errors are printed and the follow goes on by itself; after a compaction
// it prints COMPACTED and the PUTs and DELETEs of the gap. filter, when
// not nil, narrows the events to the objects that match.
func watchPrefix(ctx context.Context, src etcdsrc.Source, prefix string, rev int64, filter *etcdsrc.Selection, w *eventWriter) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // a failed write ends the follow too
	events, err := etcdsrc.Follow(ctx, src, prefix, etcdsrc.FollowOptions{Rev: rev})
	if err != nil {
		return err
	}
	for ev := range events {
		if filter != nil {
			var keep bool
			if ev, keep = filter.Filter(ev); !keep {
				continue
			}
		}
		if err := w.write(ev); err != nil {
			return err
		}
		if ev.Type == etcdsrc.EventError && !ev.Transient {
			return ev.Err
		}
	}
	return ctx.Err()
}

// eventWriter prints watch events and flushes each one. The readable form
// is a table that streams: a header, then one line per event with the
// type and key in columns of fixed width (the key column widens, for that
// line on, when a key is longer than it).
type eventWriter struct {
	w        *bufio.Writer
	format   outputFormat
	s        *session
	keyWidth int
	header   bool
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
	switch {
	case ev.Type == etcdsrc.EventPut, ev.Unmatched:
		// A DELETE for an object that stopped matching carries the
		// object as it now is, as the API server's watch does.
		r.Record = e.s.decode(ev.KV).Record()
	case ev.Type == etcdsrc.EventDelete:
		r.Record = deletionRecord{Key: decode.EscapeKey(ev.KV.Key), ModRevision: ev.Revision, Deleted: true}
	case ev.Type == etcdsrc.EventError:
		r.Error = "watch failed"
		if ev.Err != nil {
			r.Error = ev.Err.Error()
		}
	}
	if ev.PrevKV != nil {
		prev := e.s.decode(*ev.PrevKV).Record()
		r.PrevRecord = &prev
	}
	return r
}

// Widths of the readable watch's columns.
const (
	watchTimeWidth = 8 // 15:04:05
	watchTypeWidth = 9 // COMPACTED
	watchRevWidth  = 10
)

func (e *eventWriter) writeReadable(ev etcdsrc.Event) error {
	if !e.header {
		e.header = true
		e.line("TIME", "TYPE", "KEY", "REVISION", "KIND")
	}
	now := time.Now().Format("15:04:05")
	switch ev.Type {
	case etcdsrc.EventCompacted:
		e.line(now, ev.Type.String(), fmt.Sprintf("the watch fell behind compaction at revision %d; listing the prefix again", ev.Revision), "", "")
		return nil
	case etcdsrc.EventError:
		e.line(now, ev.Type.String(), fmt.Sprint(ev.Err), "", "")
		return nil
	}
	kind := ""
	switch {
	case ev.Type == etcdsrc.EventPut || ev.Unmatched:
		kind = kindText(e.s.decoderFor(ev.KV.Key).DecodeMetadata(ev.KV.Key, ev.KV.Value))
		if ev.Unmatched {
			kind += " (no longer matches)"
		}
	case ev.PrevKV != nil:
		kind = kindText(e.s.decoderFor(ev.PrevKV.Key).DecodeMetadata(ev.PrevKV.Key, ev.PrevKV.Value))
	}
	key := decode.EscapeKey(ev.KV.Key)
	e.keyWidth = max(e.keyWidth, len(key))
	e.line(now, ev.Type.String(), key, fmt.Sprint(ev.Revision), kind)
	return nil
}

// line writes one row of the readable watch; a long message in the key
// column ends the row.
func (e *eventWriter) line(at, typ, key, rev, kind string) {
	if rev == "" && kind == "" {
		fmt.Fprintf(e.w, "%-*s  %-*s  %s\n", watchTimeWidth, at, watchTypeWidth, typ, key)
		return
	}
	fmt.Fprintf(e.w, "%-*s  %-*s  %-*s  %-*s  %s\n", watchTimeWidth, at, watchTypeWidth, typ, e.keyWidth, key, watchRevWidth, rev, kind)
}

// kindText is a value's kind as a listing shows it ("Pod"), or how it is
// stored when it is no object ("text", "encrypted").
func kindText(m decode.Metadata) string {
	if m.Kind != "" {
		return m.Kind
	}
	return m.Encoding.String()
}
