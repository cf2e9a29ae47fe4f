package tui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/progress"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc/stats"
)

// statsKeys are the stats view's keys.
type statsKeys struct {
	moveKeys
	Open   key.Binding
	Cancel key.Binding
	Again  key.Binding
}

func newStatsKeys() statsKeys {
	return statsKeys{
		moveKeys: newMoveKeys(),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "go to it")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop the scan, keep its figures")),
		Again:    key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "scan again")),
	}
}

// ShortHelp is the stats view's part of the bottom line.
func (k statsKeys) ShortHelp() []key.Binding { return enabledOnly([]key.Binding{k.Open, k.Cancel}) }

// FullHelp is the stats view's column of the help screen.
func (k statsKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{enabledOnly(append(k.bindings(), k.Open, k.Cancel, k.Again))}
}

// statsAction is what enter does on a row of the stats view.
type statsAction int

const (
	statsNone statsAction = iota
	// statsTree moves the tree to a resource's directory.
	statsTree
	// statsNamespace lists a namespace's objects.
	statsNamespace
	// statsObject opens an object.
	statsObject
)

// statsRow is one line of the stats view.
type statsRow struct {
	cells  []string
	header bool // a section title or a table's column names
	act    statsAction
	target string // the key, prefix or namespace the action goes to
}

// statsPane shows what fills the part of etcd under a prefix: the figures
// of etcdscope stats, read in a background scan that shows its progress
// and can be stopped, keeping what it counted.
type statsPane struct {
	c       *common
	gen     int
	prefix  string
	running bool
	cancel  context.CancelFunc
	started time.Time
	done    int64
	total   int64
	res     *stats.Result
	err     error
	rows    []statsRow
	cursor  int
	win     scrollWindow
	width   int
	focused bool
	bar     progress.Model
	// rates are the watched events per second of each resource, while
	// the explorer watches.
	rates map[string]float64
}

// statsProgressMsg reports how far a scan got.
type statsProgressMsg struct {
	gen         int
	done, total int64
	ch          <-chan [2]int64
}

// statsDoneMsg carries a scan's figures (partial when it was stopped).
type statsDoneMsg struct {
	gen int
	res *stats.Result
	err error
}

func newStatsPane(c *common) statsPane {
	return statsPane{c: c, bar: progress.New(progress.WithDefaultGradient(), progress.WithoutPercentage())}
}

// open starts a scan of prefix.
func (p *statsPane) open(prefix string) tea.Cmd {
	p.stop()
	p.gen++
	p.prefix, p.res, p.err, p.rows, p.cursor, p.win.offset = prefix, nil, nil, nil, 0, 0
	p.running, p.started, p.done, p.total = true, p.c.now(), 0, 0
	ctx, cancel := context.WithCancel(p.c.ctx)
	p.cancel = cancel
	ch := make(chan [2]int64, 1)
	return tea.Batch(runStatsCmd(p.c, ctx, p.gen, prefix, ch), waitStatsProgress(p.gen, ch))
}

// stop ends a running scan; its partial figures still arrive.
func (p *statsPane) stop() {
	if p.cancel != nil {
		p.cancel()
	}
}

// runStatsCmd scans prefix. Its progress goes, latest only, through ch,
// which it closes when done.
func runStatsCmd(c *common, ctx context.Context, gen int, prefix string, ch chan [2]int64) tea.Cmd {
	return c.io(func() tea.Msg {
		defer close(ch)
		res, err := stats.Run(ctx, stats.Options{
			Source: c.src, Decoder: c.dec, Root: c.root, Prefix: prefix, Decrypting: c.dec.Decrypting(), Rev: c.rev,
			Progress: func(done, total int64) {
				select {
				case <-ch: // drop the older report: only the latest counts
				default:
				}
				ch <- [2]int64{done, total}
			},
		})
		return statsDoneMsg{gen: gen, res: res, err: err}
	})
}

// waitStatsProgress waits for the next progress report; it is re-armed
// until the scan ends.
func waitStatsProgress(gen int, ch <-chan [2]int64) tea.Cmd {
	return func() tea.Msg {
		p, ok := <-ch
		if !ok {
			return nil
		}
		return statsProgressMsg{gen: gen, done: p[0], total: p[1], ch: ch}
	}
}

func (p statsPane) Update(msg tea.Msg) (statsPane, tea.Cmd) {
	switch msg := msg.(type) {
	case statsProgressMsg:
		if msg.gen != p.gen {
			return p, nil
		}
		p.done, p.total = msg.done, msg.total
		return p, waitStatsProgress(msg.gen, msg.ch)
	case statsDoneMsg:
		if msg.gen != p.gen {
			return p, nil
		}
		p.running, p.res, p.err = false, msg.res, msg.err
		p.rebuild()
		return p, nil
	case tea.KeyMsg:
		if !p.focused {
			return p, nil
		}
		return p, p.handleKey(msg)
	}
	return p, nil
}

// keys are the stats view's bindings, enabled for its state.
func (p statsPane) keys() statsKeys {
	k := p.c.keys.stats
	k.moveKeys.setEnabled(p.focused && len(p.rows) > 1)
	k.Open.SetEnabled(p.focused && p.selected().act != statsNone)
	k.Cancel.SetEnabled(p.focused && p.running)
	k.Again.SetEnabled(p.focused && !p.running)
	return k
}

func (p *statsPane) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := p.keys()
	if step, ok := k.step(msg, p.win.height-1, len(p.rows)); ok {
		p.cursor = clampCursor(p.cursor+step, len(p.rows))
		p.win.follow(p.cursor, len(p.rows))
		return nil
	}
	switch {
	case key.Matches(msg, k.Open):
		r := p.selected()
		return func() tea.Msg { return statsGoMsg{act: r.act, target: r.target} }
	case key.Matches(msg, k.Cancel):
		p.stop()
	case key.Matches(msg, k.Again):
		return p.open(p.prefix)
	}
	return nil
}

// statsGoMsg asks the root to go where a stats row points.
type statsGoMsg struct {
	act    statsAction
	target string
}

func (p statsPane) selected() statsRow {
	if p.cursor < 0 || p.cursor >= len(p.rows) {
		return statsRow{}
	}
	return p.rows[p.cursor]
}

func (p *statsPane) SetSize(w, h int) {
	p.width, p.win.height = w, max(h, 1)
	p.bar.Width = max(w-34, 10)
	p.rebuild()
}

func (p *statsPane) Focus() { p.focused = true }
func (p *statsPane) Blur()  { p.focused = false }

func (p statsPane) title() string {
	t := "stats " + decode.EscapeKey(p.prefix)
	if p.res != nil && !p.res.Complete {
		t += " (partial)"
	}
	return t
}

// setRates takes the watch's events per second by resource.
func (p *statsPane) setRates(r map[string]float64) {
	p.rates = r
	p.rebuild()
}

// rebuild lays the figures out as rows for the pane's width, keeping the
// cursor on the row it was on.
func (p *statsPane) rebuild() {
	if p.res == nil {
		return
	}
	sel := p.selected()
	p.rows = statsRows(p.res, p.rates, p.c.now())
	p.cursor = 0
	for i, r := range p.rows {
		if r.act != statsNone && r.act == sel.act && r.target == sel.target {
			p.cursor = i
			break
		}
		if p.cursor == 0 && r.act != statsNone && sel.act == statsNone {
			p.cursor = i
		}
	}
	p.win.follow(p.cursor, len(p.rows))
}

// statsRows turns the figures into the view's sections.
func statsRows(r *stats.Result, rates map[string]float64, now time.Time) []statsRow {
	var rows []statsRow
	section := func(title string, cols ...string) {
		rows = append(rows, statsRow{cells: []string{""}, header: true}, statsRow{cells: []string{title}, header: true})
		if len(cols) > 0 {
			rows = append(rows, statsRow{cells: cols, header: true})
		}
	}
	add := func(act statsAction, target string, cells ...string) {
		rows = append(rows, statsRow{cells: cells, act: act, target: target})
	}
	size := func(n int64) string { return formatSize(int(n)) }
	count := formatCount

	t := r.Totals
	rows = append(rows, statsRow{cells: []string{fmt.Sprintf("%s keys · %s of values · %s of keys · rev %s",
		count(t.Keys), size(t.ValueBytes), size(t.KeyBytes), count(r.Source.Revision))}, header: true})
	if f := r.File; f != nil {
		rows = append(rows, statsRow{cells: []string{fmt.Sprintf("db %s, %s in use: a defrag gives back %s",
			size(f.Bytes), size(f.LiveBytes), size(max(f.Bytes-f.LiveBytes, 0)))}, header: true})
	}
	if q := r.Etcd.QuotaBytes; q != nil && r.File != nil {
		rows = append(rows, statsRow{cells: []string{fmt.Sprintf("quota %s: %.0f%% used", size(*q), 100*float64(r.File.Bytes)/float64(max(*q, 1)))}, header: true})
	}
	if len(r.Etcd.Alarms) > 0 {
		rows = append(rows, statsRow{cells: []string{"alarms: " + strings.Join(r.Etcd.Alarms, ", ")}, header: true})
	}
	if r.NearLimit > 0 {
		rows = append(rows, statsRow{cells: []string{fmt.Sprintf("%d values near etcd's 1.5 MiB request limit", r.NearLimit)}, header: true})
	}

	if len(r.Resources) > 0 {
		cols := []string{"RESOURCE", "KIND", "KEYS", "VALUES", "ENCODINGS"}
		if r.Source.Type == "snapshot" {
			cols = append(cols, "HISTORY")
		}
		if rates != nil {
			cols = append(cols, "EV/S")
		}
		section("Resources (enter: to the tree)", cols...)
		for _, res := range r.Resources {
			cells := []string{res.Resource, res.Kind, count(res.Keys), size(res.ValueBytes), encodings(res.Encodings)}
			if r.Source.Type == "snapshot" {
				cells = append(cells, fmt.Sprintf("%s revs %s", count(res.HistoryRevisions), size(res.HistoryBytes)))
			}
			if rates != nil {
				cells = append(cells, fmt.Sprintf("%.1f", rates[res.Resource]))
			}
			add(statsTree, res.Resource, cells...)
		}
	} else if len(r.Segments) > 0 {
		section("Segments (enter: to the tree)", "SEGMENT", "KEYS", "VALUES", "KEY BYTES")
		for _, s := range r.Segments {
			add(statsTree, r.Prefix+s.Segment+"/", s.Segment, count(s.Keys), size(s.ValueBytes), size(s.KeyBytes))
		}
	}
	if len(r.Namespaces) > 0 {
		section("Namespaces (enter: its objects)", "NAMESPACE", "KEYS", "VALUES")
		for _, n := range r.Namespaces {
			add(statsNamespace, n.Namespace, n.Namespace, count(n.Keys), size(n.ValueBytes))
		}
	}
	if len(r.Largest) > 0 {
		section("Largest objects", "KEY", "KIND", "SIZE")
		for _, o := range r.Largest {
			add(statsObject, o.Key, o.Key, o.Kind, size(o.ValueBytes))
		}
	}
	if len(r.Encryption) > 0 {
		section("Encryption at rest", "PROVIDER:KEY", "VALUES", "RESOURCES", "CONFIG OPENS")
		for _, e := range r.Encryption {
			name := e.Provider
			if e.KeyName != "" {
				name += ":" + e.KeyName
			}
			opens := ""
			if e.Decryptable != nil {
				opens = map[bool]string{true: "yes", false: "NO"}[*e.Decryptable]
			}
			add(statsNone, "", name, count(e.Values), counts(e.Resources), opens)
		}
	}
	o := r.Orphans
	if len(o.NamespaceGone)+len(o.CRDGone)+len(o.OwnerGone) > 0 {
		section("Orphans", "KEY", "WHAT IS GONE")
		for _, g := range o.NamespaceGone {
			add(statsObject, g.Key, g.Key, "namespace "+g.Namespace)
		}
		for _, g := range o.CRDGone {
			add(statsObject, g.Key, g.Key, "CRD "+g.CRD)
		}
		for _, g := range o.OwnerGone {
			add(statsObject, g.Key, g.Key, fmt.Sprintf("owner %s %s (uid %s)", g.OwnerKind, g.OwnerName, g.OwnerUID))
		}
	}
	if len(r.Terminating) > 0 {
		section("Stuck terminating", "KEY", "SINCE", "FINALIZERS")
		for _, s := range r.Terminating {
			since := s.DeletionTimestamp
			if at, err := time.Parse(time.RFC3339, s.DeletionTimestamp); err == nil {
				since = duration.HumanDuration(now.Sub(at))
			}
			add(statsObject, s.Key, s.Key, since, strings.Join(s.Finalizers, ","))
		}
	}
	if len(r.Undecodable) > 0 {
		section("Undecodable values", "KEY", "ERROR")
		for _, u := range r.Undecodable {
			add(statsObject, u.Key, u.Key, u.Error)
		}
	}
	if len(r.Churn) > 0 {
		section("Most revisions held", "KEY", "REVISIONS")
		for _, c := range r.Churn {
			add(statsObject, c.Key, c.Key, count(c.Revisions))
		}
	}
	if len(r.OutsidePrefix) > 0 {
		section("Outside the root", "KEY", "KEYS", "VALUES")
		for _, out := range r.OutsidePrefix {
			add(statsNone, "", out.Key, count(out.Keys), size(out.ValueBytes))
		}
	}
	if len(r.Etcd.Members) > 0 {
		section("etcd", "MEMBER", "ENDPOINT", "DB", "IN USE", "TERM", "INDEX", "VERSION", "ERRORS")
		for _, mb := range r.Etcd.Members {
			name := mb.Name
			if mb.Leader {
				name += " ★"
			}
			add(statsNone, "", name, mb.Endpoint, size(mb.DBSize), size(mb.DBSizeInUse), count(int64(mb.RaftTerm)), count(int64(mb.RaftIndex)), mb.Version, strings.Join(mb.Errors, "; "))
		}
	}
	if len(r.Leases) > 0 {
		section("Leases", "LEASE", "TTL", "KEYS")
		for _, l := range r.Leases {
			add(statsNone, "", l.ID, fmt.Sprintf("%ds", l.TTL), count(l.Keys))
		}
	}
	for _, n := range r.Notes {
		rows = append(rows, statsRow{cells: []string{"note: " + n}, header: true})
	}
	return rows
}

// encodings is "protobuf 40, json 2", most first.
func encodings(m map[string]int64) string { return counts(m) }

// counts writes a map of counts, largest first.
func counts(m map[string]int64) string {
	type kv struct {
		k string
		n int64
	}
	var list []kv
	for k, n := range m {
		list = append(list, kv{k, n})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].n > list[j].n || list[i].n == list[j].n && list[i].k < list[j].k })
	parts := make([]string, len(list))
	for i, e := range list {
		parts[i] = fmt.Sprintf("%s %s", e.k, formatCount(e.n))
	}
	return strings.Join(parts, ", ")
}

// View draws the progress of a scan, or its figures as tables.
func (p statsPane) View() string {
	s := p.c.styles
	var b strings.Builder
	if p.running {
		pct := 0.0
		if p.total > 0 {
			pct = float64(p.done) / float64(p.total)
		}
		elapsed := p.c.now().Sub(p.started).Seconds()
		rate := float64(p.done) / max(elapsed, 0.001)
		eta := "…"
		if rate > 0 && p.total > 0 {
			eta = time.Duration(float64(p.total-p.done) / rate * float64(time.Second)).Round(time.Second).String()
		}
		b.WriteString(fmt.Sprintf("scanning %s: %s of %s keys\n", decode.EscapeKey(p.prefix), formatCount(p.done), formatCount(p.total)))
		b.WriteString(p.bar.ViewAs(pct) + fmt.Sprintf(" %3.0f%%  %s keys/s  ETA %s\n", 100*pct, formatCount(int64(rate)), eta))
		b.WriteString(s.Dim.Render("esc stops the scan and keeps what it counted"))
		return b.String()
	}
	switch {
	case p.err != nil:
		return s.Error.Render(ansi.Wrap(p.err.Error(), p.width, ""))
	case p.res == nil:
		return s.Dim.Render("s on a directory shows what fills it")
	}
	b.WriteString(tableRows(p.rows, p.cursor, p.win, p.width, p.focused, s))
	return b.String()
}

// tableRows draws the rows of a view of tables (the stats and deleted
// views) that the window shows: section titles, column names, and rows,
// the cursor's marked.
func tableRows(rows []statsRow, cursor int, win scrollWindow, width int, focused bool, s *Styles) string {
	var b strings.Builder
	widths := columnWidths(rows)
	start, end := win.span(len(rows))
	for i := start; i < end; i++ {
		r := rows[i]
		if i > start {
			b.WriteByte('\n')
		}
		var line string
		switch {
		case r.header && len(r.cells) == 1:
			line = s.TitleBlurred.Render(fit(r.cells[0], width))
		case r.header:
			line = s.Dim.Render(cellsLine("  ", r.cells, widths[i], width))
		default:
			cur := "  "
			if i == cursor {
				cur = "› "
			}
			line = cursorLine(cellsLine(cur, r.cells, widths[i], width), i == cursor, focused, s)
		}
		b.WriteString(line)
	}
	return b.String()
}

// columnWidths sizes each table's columns to their cells; a table starts
// at the row of its column names.
func columnWidths(rows []statsRow) map[int][]int {
	out := map[int][]int{}
	var cur []int
	for i, r := range rows {
		if r.header && len(r.cells) > 1 {
			cur = make([]int, len(r.cells))
		}
		if len(r.cells) > 1 && cur != nil {
			for j, c := range r.cells {
				if j < len(cur) {
					cur[j] = max(cur[j], lipgloss.Width(c))
				}
			}
		}
		out[i] = cur
	}
	// Every row of a table gets its final widths.
	var last []int
	for i := len(rows) - 1; i >= 0; i-- {
		if out[i] != nil {
			last = out[i]
		}
		out[i] = last
		if rows[i].header && len(rows[i].cells) > 1 {
			last = nil
		}
	}
	return out
}

// cellsLine lays cells out in their columns; the first (a key or a name)
// gives way in its middle, keeping its start and its distinguishing end.
func cellsLine(cur string, cells []string, widths []int, width int) string {
	if len(cells) == 1 {
		return fit(cur+cells[0], width)
	}
	if len(widths) != len(cells) {
		return fit(cur+strings.Join(cells, "  "), width)
	}
	widths = append([]int(nil), widths...)
	over := func() int {
		n := len(cur) + widths[0]
		for _, w := range widths[1:] {
			n += w + 2
		}
		return n - width
	}
	// Too wide: the last column gives way first, then the middle ones to
	// 14 cells each, then the key or name, cut in its middle.
	last := len(widths) - 1
	if o := over(); o > 0 {
		widths[last] = max(widths[last]-o, 8)
	}
	if over() > 0 {
		for j := 1; j < last; j++ {
			widths[j] = min(widths[j], 14)
		}
	}
	first := widths[0]
	if o := over(); o > 0 {
		first = max(first-o, 12)
	}
	var b strings.Builder
	b.WriteString(cur)
	b.WriteString(fit(cutMiddle(cells[0], first), first))
	for j, c := range cells[1:] {
		b.WriteString("  ")
		b.WriteString(fit(truncRight(c, widths[j+1]), widths[j+1]))
	}
	return fit(b.String(), width)
}

// cutMiddle shortens s to w cells by taking out its middle: the start
// says where it is, the end which one it is.
func cutMiddle(s string, w int) string {
	n := lipgloss.Width(s)
	if n <= w || w < 5 {
		return s
	}
	head := (w - 1) / 2
	tail := w - 1 - head
	return ansi.Truncate(s, head, "") + "…" + ansi.TruncateLeft(s, n-tail, "")
}
