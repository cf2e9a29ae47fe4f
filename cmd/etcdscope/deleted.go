package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// deletedEntry is one deleted key in the machine forms of `deleted`.
type deletedEntry struct {
	Key string `json:"key"`
	// Revision is the revision that deleted the key; ReadRevision the one
	// its last value is read at (get --rev).
	Revision     int64 `json:"revision"`
	ReadRevision int64 `json:"readRevision"`
	// Time is the latest moment the last value's timestamps say the
	// object was still there (the deletion came after it); TimeSource the
	// timestamp that says so: deletionRequested (deletionTimestamp less
	// the grace period), lastWrite (its latest managedFields time) or
	// created (creationTimestamp).
	Time       string `json:"time,omitempty"`
	TimeSource string `json:"timeSource,omitempty"`
	// Record is the last value; Error says why it could not be read.
	Record *decode.Record `json:"record,omitempty"`
	Error  string         `json:"error,omitempty"`
}

// deletedList is `deleted -o json`: what was looked at, and what was found.
type deletedList struct {
	Prefix          string         `json:"prefix"`
	FromRevision    int64          `json:"fromRevision"`
	ToRevision      int64          `json:"toRevision"`
	CompactRevision int64          `json:"compactRevision"`
	Complete        bool           `json:"complete"`
	Deleted         []deletedEntry `json:"deleted"`
}

func newDeletedCmd(a *app) *cobra.Command {
	var (
		output string
		window int64
	)
	cmd := &cobra.Command{
		Use:   "deleted [PREFIX]",
		Short: "List the keys deleted since the compaction point, newest first, with their last values",
		Long: "deleted lists the keys under PREFIX (default: every --prefix-root) that were\n" +
			"deleted and not written again, newest first: the revision that deleted each,\n" +
			"when (after the latest moment its last value tells of: the deletion asked\n" +
			"for by its deletionTimestamp less its grace period, its last write by its\n" +
			"managedFields, or its creation), its kind, and the command that reads its\n" +
			"last value back (get --rev N --export), ready for kubectl create -f.\n\n" +
			"A snapshot holds every revision since its compaction point and is read\n" +
			"whole. A live cluster's history is replayed from etcd, the last --window\n" +
			"revisions of it (0: back to the compaction point); stderr says how far back\n" +
			"it looked.",
		Example: "  etcdscope deleted\n  etcdscope deleted /registry/configmaps/shop -o json\n  etcdscope --snapshot backup.db deleted -o records",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseOutput(output, outputJSON, outputRecords)
			if err != nil {
				return err
			}
			if window < 0 {
				return fmt.Errorf("--window must be 0 (back to the compaction point) or more, not %d", window)
			}
			opts := etcdsrc.DeletedOptions{Window: window}
			if window == 0 {
				opts.Window = -1
			}
			if isTerminal(a.errOut) {
				a.progress = progressLine(a.errOut, "indexing snapshot", "revisions")
				opts.Progress = progressLine(a.errOut, "looking for deleted keys", "steps")
			}
			return a.withSession(cmd, func(ctx context.Context, s *session) error {
				prefix := ""
				if len(args) == 1 {
					prefix = dirPrefix(decode.UnescapeKey(args[0]))
				} else {
					a.settleRoots(ctx, s)
				}
				return runDeleted(ctx, a, s, prefix, format, opts)
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json or records (default: readable)")
	cmd.Flags().Int64Var(&window, "window", etcdsrc.DefaultDeletedWindow, "on a live cluster, how many revisions back to look (0: back to the compaction point)")
	return cmd
}

// runDeleted finds the deleted keys under prefix ("": under every root)
// and prints them.
func runDeleted(ctx context.Context, a *app, s *session, prefix string, format outputFormat, opts etcdsrc.DeletedOptions) error {
	search, keep := prefix, func(string) bool { return true }
	if prefix == "" {
		search = s.rootDir()
		if len(s.roots) > 1 {
			// One search over the keyspace rather than one per root.
			search = "/"
			keep = func(key string) bool { return underRoots(s.roots, key) }
		}
	}
	var (
		entries []deletedEntry
		rows    []deletedRow
		found   int
	)
	records := bufio.NewWriterSize(a.out, 64<<10)
	now := time.Now()
	span, err := etcdsrc.Deleted(ctx, s.src, search, opts, func(d etcdsrc.Deletion) error {
		if !keep(d.Key) {
			return nil
		}
		found++
		e, v := deletedItem(s, d)
		switch format {
		case outputJSON:
			entries = append(entries, e)
		case outputRecords:
			return writeJSONLine(records, e)
		default:
			rows = append(rows, deletedRowOf(a, s, d, e, v, now))
		}
		return nil
	})
	if opts.Progress != nil {
		fmt.Fprint(a.errOut, "\r\033[K")
	}
	if err != nil {
		records.Flush()
		return err
	}
	span.Found = found
	if prefix == "" {
		prefix = search
	}
	fmt.Fprintf(a.errOut, "etcdscope: %s\n", spanText(span, prefix))
	switch format {
	case outputJSON:
		if entries == nil {
			entries = []deletedEntry{}
		}
		return writeIndentedJSON(a.out, deletedList{
			Prefix: decode.EscapeKey(prefix), FromRevision: span.From, ToRevision: span.To,
			CompactRevision: span.CompactRevision, Complete: span.Complete, Deleted: entries,
		})
	case outputRecords:
		return records.Flush()
	}
	return writeDeletedTable(a.out, rows)
}

// underRoots reports whether key lies under one of roots.
func underRoots(roots []string, key string) bool {
	for _, r := range roots {
		if strings.HasPrefix(key, dirPrefix(r)) {
			return true
		}
	}
	return false
}

// spanText says which revisions were looked at, and whether that is all
// the history etcd holds.
func spanText(span etcdsrc.DeletedSpan, prefix string) string {
	looked := fmt.Sprintf("%d deleted key(s) under %s, from the deletions of revisions %d to %d", span.Found, decode.EscapeKey(prefix), span.From, span.To)
	if span.From > span.To {
		looked = fmt.Sprintf("no deletion under %s: no revision after the compaction point", decode.EscapeKey(prefix))
	}
	switch {
	case !span.Complete:
		return fmt.Sprintf("%s, the last %d; history goes back to revision %d (compacted at %d): --window 0 reads it all", looked, span.To-span.From+1, span.CompactRevision+1, span.CompactRevision)
	case span.CompactRevision > 0:
		return fmt.Sprintf("%s: all the history held (compacted at %d, nothing older is kept)", looked, span.CompactRevision)
	}
	return looked + ": all the history (never compacted)"
}

// deletedItem is a deletion in machine form, and its last value decoded.
func deletedItem(s *session, d etcdsrc.Deletion) (deletedEntry, decode.Value) {
	e := deletedEntry{Key: decode.EscapeKey(d.Key), Revision: d.Revision, ReadRevision: d.Revision - 1}
	if d.Err != nil {
		e.Error = d.Err.Error()
		return e, decode.Value{}
	}
	v := s.decode(d.Last)
	rec := v.Record()
	e.Record = &rec
	if t, source := deletionTime(v); !t.IsZero() {
		e.Time, e.TimeSource = t.UTC().Format(time.RFC3339), source
	}
	return e, v
}

// The moments an object's last value tells it was still there: the
// deletion came after the latest of them.
const (
	// timeDeletionRequested is deletionTimestamp less
	// deletionGracePeriodSeconds: when a graceful deletion was asked for.
	timeDeletionRequested = "deletionRequested"
	// timeLastWrite is the latest time of its managedFields entries.
	timeLastWrite = "lastWrite"
	// timeCreated is its creationTimestamp.
	timeCreated = "created"
)

// deletionTime is the latest moment an object's last value says it was
// still there, and which timestamp says so (see the time constants); the
// deletion came after it. Zero for a value that is no object or tells
// no time.
func deletionTime(v decode.Value) (time.Time, string) {
	doc := v.Object
	if doc == nil {
		doc = v.PartialObject
	}
	if doc == nil {
		return time.Time{}, ""
	}
	var obj metav1.PartialObjectMetadata
	if json.Unmarshal(doc, &obj) != nil {
		return time.Time{}, ""
	}
	var (
		at     time.Time
		source string
	)
	later := func(t time.Time, s string) {
		if !t.IsZero() && t.After(at) {
			at, source = t, s
		}
	}
	if d := obj.DeletionTimestamp; d != nil {
		requested := d.Time
		if g := obj.DeletionGracePeriodSeconds; g != nil {
			requested = requested.Add(-time.Duration(*g) * time.Second)
		}
		later(requested, timeDeletionRequested)
	}
	for _, m := range obj.ManagedFields {
		if m.Time != nil {
			later(m.Time.Time, timeLastWrite)
		}
	}
	later(obj.CreationTimestamp.Time, timeCreated)
	return at, source
}

// deletedRow is one deletion as the readable form shows it.
type deletedRow struct {
	rev, when, kind, key, command string
}

func deletedRowOf(a *app, s *session, d etcdsrc.Deletion, e deletedEntry, v decode.Value, now time.Time) deletedRow {
	r := deletedRow{rev: fmt.Sprint(d.Revision), key: e.Key, when: "-"}
	if e.Error != "" {
		r.kind = "(" + e.Error + ")"
		return r
	}
	r.kind = v.Kind
	if r.kind == "" {
		r.kind = v.Encoding.String()
	}
	if e.Time != "" {
		t, _ := time.Parse(time.RFC3339, e.Time)
		// Deleted since that moment: less than that long ago.
		ago := "<" + duration.HumanDuration(now.Sub(t)) + " ago"
		if !now.After(t) {
			ago = "just now"
		}
		what := map[string]string{timeDeletionRequested: "deletion asked", timeLastWrite: "last write", timeCreated: "created"}[e.TimeSource]
		r.when = ago + " (" + what + ")"
	}
	form := "--export"
	if !v.IsObject() {
		form = "-o raw"
	}
	cmd := []string{"etcdscope"}
	if a.src.snapshot != "" {
		cmd = append(cmd, "--snapshot", shellQuote(a.src.snapshot))
	}
	if a.src.encryptionConfig != "" {
		cmd = append(cmd, "--encryption-config", shellQuote(a.src.encryptionConfig))
	}
	r.command = strings.Join(append(cmd, "get", "--rev", fmt.Sprint(e.ReadRevision), form, shellQuote(e.Key)), " ")
	return r
}

// writeDeletedTable prints the deletions as a table, each followed by the
// command that brings it back.
func writeDeletedTable(w io.Writer, rows []deletedRow) error {
	out := bufio.NewWriter(w)
	head := deletedRow{rev: "REVISION", when: "WHEN", kind: "KIND", key: "KEY"}
	wr, ww, wk := len(head.rev), len(head.when), len(head.kind)
	for _, r := range rows {
		wr, ww, wk = max(wr, len(r.rev)), max(ww, len([]rune(r.when))), max(wk, len(r.kind))
	}
	pad := func(s string, n int) string { return s + strings.Repeat(" ", max(n-len([]rune(s)), 0)) }
	for i, r := range append([]deletedRow{head}, rows...) {
		fmt.Fprintf(out, "%s  %s  %s  %s\n", pad(r.rev, wr), pad(r.when, ww), pad(r.kind, wk), r.key)
		if i > 0 && r.command != "" {
			fmt.Fprintf(out, "%s  %s\n", strings.Repeat(" ", wr), r.command)
		}
	}
	return out.Flush()
}

// shellQuote quotes s for a POSIX shell when it holds anything but the
// characters keys and paths are usually made of.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-:@%+=,") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
