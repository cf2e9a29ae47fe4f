package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/dustin/go-humanize"
	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc/stats"
)

// statsFlags are the flags of `etcdscope stats`.
type statsFlags struct {
	output string
	top    int
}

// errInterrupted ends a stats scan that ctrl-c stopped; the figures
// printed before it are partial.
var errInterrupted = errors.New("interrupted: the figures are of the keys read before ctrl-c (\"complete\": false)")

func newStatsCmd(a *app) *cobra.Command {
	f := statsFlags{top: stats.DefaultTop}
	cmd := &cobra.Command{
		Use:   "stats [PREFIX]",
		Short: "What fills etcd: sizes, encryption, orphans, history, cluster health",
		Long: "stats reads every value under PREFIX (default the --prefix-root) once, at one\n" +
			"revision, and tells what fills etcd: keys and bytes per top-level segment,\n" +
			"resource and namespace, the largest objects, keys outside the prefix root,\n" +
			"which values are encrypted under which provider and key, orphans (objects of\n" +
			"deleted namespaces, custom resources without their CRD, owners gone),\n" +
			"objects stuck terminating and values that do not decode. On a snapshot also\n" +
			"the revisions it still holds and the keys that churn; on a live cluster the\n" +
			"members, db size vs in use, alarms, quota and leases.\n\n" +
			"Progress goes to stderr when it is a terminal. ctrl-c prints what was\n" +
			"computed so far and exits 130.",
		Example: "  etcdscope stats\n  etcdscope stats /registry/secrets/ -o json\n  etcdscope --snapshot db stats --top 50",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseOutput(f.output, outputJSON)
			if err != nil {
				return err
			}
			if f.top < 1 {
				return fmt.Errorf("--top must be 1 or more, not %d", f.top)
			}
			var progress func(done, total int64)
			if isTerminal(a.errOut) {
				a.progress = progressLine(a.errOut, "indexing snapshot", "revisions")
				progress = progressLine(a.errOut, "stats", "keys")
			}
			err = a.withSession(cmd, func(ctx context.Context, s *session) error {
				var prefix string
				if len(args) == 1 {
					prefix = dirPrefix(decode.UnescapeKey(args[0]))
				} else if a.settleRoots(ctx, s); len(s.roots) > 1 {
					fmt.Fprintf(a.errOut, "etcdscope: note: stats reads %s; name another root to read it (etcdscope stats %s)\n", s.rootDir(), dirPrefix(s.roots[1]))
				}
				if prefix == "" {
					prefix = s.rootDir()
				}
				return runStats(ctx, a, s.at(s.rootOf(prefix)), statsRun{prefix: prefix, format: format, top: f.top, progress: progress})
			})
			if err != nil && !errors.Is(err, errInterrupted) && cmd.Context().Err() != nil {
				// Stopped before anything was computed (while connecting).
				return &exitError{code: 130, err: fmt.Errorf("interrupted: %w", err)}
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&f.output, "output", "o", "", "output format: json (default: readable)")
	cmd.Flags().IntVar(&f.top, "top", f.top, "how many of the largest objects and of the keys with the most revisions to list")
	a.addRevFlag(cmd)
	return cmd
}

// statsRun is what one stats command asks for.
type statsRun struct {
	prefix string
	format outputFormat
	top    int
	// progress, when set, hears how many keys are done.
	progress func(done, total int64)
}

// runStats computes and prints the figures of r.prefix. An interrupted
// scan prints what it computed and returns an exit error with code 130;
// a source that cannot be read is an error and prints nothing.
func runStats(ctx context.Context, a *app, s *session, r statsRun) error {
	res, err := stats.Run(ctx, stats.Options{
		Source:     s.src,
		Decoder:    s.decoder,
		Root:       s.root,
		Prefix:     r.prefix,
		Rev:        s.rev,
		Top:        r.top,
		Decrypting: a.src.encryptionConfig != "",
		Progress:   r.progress,
	})
	if r.progress != nil {
		fmt.Fprint(a.errOut, "\r\033[K")
	}
	if err != nil {
		return err
	}
	for _, n := range res.Notes {
		fmt.Fprintf(a.errOut, "etcdscope: note: %s\n", n)
	}
	if r.format == outputJSON {
		err = writeIndentedJSON(a.out, res)
	} else {
		err = writeStats(a.out, res, r.top, time.Now())
	}
	if err != nil {
		return err
	}
	if !res.Complete {
		return &exitError{code: 130, err: errInterrupted}
	}
	return nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// statsPrinter writes the readable form: sections as aligned tables.
type statsPrinter struct {
	w   *bufio.Writer
	top int
}

// table prints one section: a title line, a header and rows, or the
// line none says when there are no rows. A capped table shows the first
// top rows and says how many more there are.
func (p *statsPrinter) table(title, none string, header []string, rows [][]string, capped bool) {
	fmt.Fprintln(p.w)
	if len(rows) == 0 {
		fmt.Fprintln(p.w, none)
		return
	}
	fmt.Fprintln(p.w, title)
	more := 0
	if capped && len(rows) > p.top {
		rows, more = rows[:p.top], len(rows)-p.top
	}
	tw := tabwriter.NewWriter(p.w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  "+strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(tw, "  "+strings.Join(r, "\t"))
	}
	tw.Flush()
	if more > 0 {
		fmt.Fprintf(p.w, "  … %d more (-o json lists them all)\n", more)
	}
}

func size(n int64) string { return humanize.IBytes(uint64(max(n, 0))) }

func count(n int64) string { return humanize.Comma(n) }

// writeStats prints the figures for people: sizes humanized, long lists
// cut at top rows.
func writeStats(out io.Writer, res *stats.Result, top int, now time.Time) error {
	p := &statsPrinter{w: bufio.NewWriter(out), top: top}
	w := p.w
	src := res.Source
	where := "live " + src.Endpoint
	if src.Type == "snapshot" {
		where = "snapshot " + src.File
	}
	fmt.Fprintf(w, "%s on %s at revision %s", res.Prefix, where, count(src.Revision))
	if src.CompactRevision > 0 {
		fmt.Fprintf(w, " (compacted at %s)", count(src.CompactRevision))
	}
	fmt.Fprintln(w)
	if !res.Complete {
		fmt.Fprintln(w, "PARTIAL: interrupted before the end; the figures are of the keys read so far")
	}
	t := res.Totals
	fmt.Fprintf(w, "%s keys, %s of values, %s of keys\n", count(t.Keys), size(t.ValueBytes), size(t.KeyBytes))
	if res.NearLimit > 0 {
		fmt.Fprintf(w, "%d values are %s or more, near etcd's %s request limit: their next update may be refused\n",
			res.NearLimit, size(stats.NearLimitBytes), size(stats.RequestLimitBytes))
	}
	if q := res.Etcd.QuotaBytes; q != nil && res.File != nil {
		fmt.Fprintf(w, "backend: %s of the %s quota (%.0f%%)\n", size(res.File.Bytes), size(*q), 100*float64(res.File.Bytes)/float64(*q))
	}

	var rows [][]string
	for _, s := range res.Segments {
		rows = append(rows, []string{s.Segment, count(s.Keys), size(s.ValueBytes), size(s.KeyBytes)})
	}
	p.table("by segment under "+res.Prefix, "no keys under "+res.Prefix, []string{"SEGMENT", "KEYS", "VALUES", "KEY BYTES"}, rows, true)

	rows = nil
	history := src.Type == "snapshot"
	for _, r := range res.Resources {
		row := []string{r.Resource, r.Group, r.Kind, count(r.Keys), size(r.ValueBytes), encodings(r.Encodings)}
		if history {
			row = append(row, count(r.HistoryRevisions), size(r.HistoryBytes))
		}
		rows = append(rows, row)
	}
	header := []string{"RESOURCE", "GROUP", "KIND", "KEYS", "VALUES", "ENCODINGS"}
	if history {
		header = append(header, "REVISIONS HELD", "THEIR BYTES")
	}
	p.table("by resource", "no Kubernetes resources", header, rows, false)

	rows = nil
	for _, n := range res.Namespaces {
		rows = append(rows, []string{n.Namespace, count(n.Keys), size(n.ValueBytes)})
	}
	p.table("by namespace", "no namespaced objects", []string{"NAMESPACE", "KEYS", "VALUES"}, rows, true)

	rows = nil
	for _, o := range res.Largest {
		row := []string{o.Key, o.Kind, size(o.ValueBytes)}
		if o.ValueBytes >= stats.NearLimitBytes {
			row = append(row, "near the request limit")
		}
		rows = append(rows, row)
	}
	p.table("largest objects", "no objects", []string{"KEY", "KIND", "SIZE"}, rows, false)

	if len(res.OutsidePrefix) > 0 {
		rows = nil
		for _, o := range res.OutsidePrefix {
			rows = append(rows, []string{o.Key, count(o.Keys), size(o.ValueBytes)})
		}
		p.table("outside the prefix root (other applications, compact_rev_key)", "", []string{"KEYS UNDER", "KEYS", "VALUES"}, rows, false)
	}

	rows = nil
	for _, e := range res.Encryption {
		name := "none (in clear)"
		if e.Provider != "none" {
			name = e.Provider + ":" + e.KeyName
		}
		dec := "-"
		if e.Decryptable != nil {
			dec = map[bool]string{true: "yes", false: "NO: no key of the config opens them"}[*e.Decryptable]
		}
		rows = append(rows, []string{name, count(e.Values), resourceCounts(e.Resources), dec})
	}
	p.table("encryption at rest", "no Kubernetes values", []string{"PROVIDER:KEY", "VALUES", "RESOURCES", "DECRYPTABLE"}, rows, false)

	rows = nil
	for _, o := range res.Orphans.NamespaceGone {
		rows = append(rows, []string{o.Key, "namespace " + o.Namespace + " is gone"})
	}
	for _, o := range res.Orphans.CRDGone {
		rows = append(rows, []string{o.Key, "CRD " + o.CRD + " is gone"})
	}
	for _, o := range res.Orphans.OwnerGone {
		rows = append(rows, []string{o.Key, fmt.Sprintf("owner %s %s (uid %s) is gone", o.OwnerKind, o.OwnerName, o.OwnerUID)})
	}
	p.table("orphans", "no orphans", []string{"KEY", "WHY"}, rows, true)

	rows = nil
	for _, o := range res.Terminating {
		since := o.DeletionTimestamp
		if t, err := time.Parse(time.RFC3339, o.DeletionTimestamp); err == nil {
			since = duration.HumanDuration(now.Sub(t))
		}
		rows = append(rows, []string{o.Key, since, strings.Join(o.Finalizers, ",")})
	}
	p.table("stuck terminating (deletionTimestamp set, finalizers left)", "nothing stuck terminating", []string{"KEY", "FOR", "FINALIZERS"}, rows, true)

	rows = nil
	for _, u := range res.Undecodable {
		rows = append(rows, []string{u.Key, u.Error})
	}
	p.table("values that do not decode", "every value decodes", []string{"KEY", "ERROR"}, rows, true)

	if history {
		rows = nil
		for _, c := range res.Churn {
			rows = append(rows, []string{c.Key, count(c.Revisions)})
		}
		p.table("keys with the most revisions held", "no key has more than one revision held", []string{"KEY", "REVISIONS"}, rows, false)
	}
	if f := res.File; f != nil {
		fmt.Fprintln(w)
		what := "the file"
		if src.Type == "live" {
			what = "the leader's db"
		}
		fmt.Fprintf(w, "%s: %s, %s in use; a defrag would give back %s\n", what, size(f.Bytes), size(f.LiveBytes), size(f.Bytes-f.LiveBytes))
	}
	if src.Type == "live" {
		writeEtcd(p, res)
	}
	return w.Flush()
}

// writeEtcd prints the members, alarms and leases of a live cluster.
func writeEtcd(p *statsPrinter, res *stats.Result) {
	var rows [][]string
	for _, m := range res.Etcd.Members {
		role := "follower"
		if m.Leader {
			role = "leader"
		}
		errs := strings.Join(m.Errors, "; ")
		rows = append(rows, []string{m.Name, m.Endpoint, role, size(m.DBSize), size(m.DBSizeInUse),
			fmt.Sprint(m.RaftTerm), count(int64(m.RaftIndex)), m.Version, errs})
	}
	p.table("etcd members", "no member answered", []string{"NAME", "ENDPOINT", "ROLE", "DB SIZE", "IN USE", "RAFT TERM", "RAFT INDEX", "VERSION", "ERRORS"}, rows, false)
	if len(res.Etcd.Alarms) > 0 {
		fmt.Fprintf(p.w, "ALARMS: %s\n", strings.Join(res.Etcd.Alarms, ", "))
	} else {
		fmt.Fprintln(p.w, "no alarms")
	}
	rows = nil
	for _, l := range res.Leases {
		rows = append(rows, []string{l.ID, fmt.Sprintf("%ds", l.TTL), count(l.Keys)})
	}
	p.table("leases", "no leases", []string{"LEASE", "TTL", "KEYS"}, rows, true)
}

// encodings prints a resource's encodings, the most used first.
func encodings(m map[string]int64) string {
	return joinCounts(m, len(m))
}

// resourceCounts prints the resources with the most values, a few.
func resourceCounts(m map[string]int64) string {
	return joinCounts(m, 3)
}

// joinCounts prints up to n "name count" pairs, the largest first.
func joinCounts(m map[string]int64, n int) string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b))
	})
	var parts []string
	for i, k := range names {
		if i == n {
			parts = append(parts, fmt.Sprintf("… %d more", len(names)-n))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %s", k, count(m[k])))
	}
	return strings.Join(parts, ", ")
}
