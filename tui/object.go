package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// objectKeys are the object pane's keys: scrolling and search when it has
// focus, and the view's toggles, copy and save whenever an object shows.
type objectKeys struct {
	moveKeys
	Search      key.Binding
	Next        key.Binding
	Prev        key.Binding
	ClearSearch key.Binding

	YAMLJSON key.Binding
	Managed  key.Binding
	Reveal   key.Binding
	Raw      key.Binding
	Copy     key.Binding
	Save     key.Binding
	Wrap     key.Binding
}

func newObjectKeys() objectKeys {
	return objectKeys{
		moveKeys:    newMoveKeys(),
		Search:      key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		Next:        key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next match")),
		Prev:        key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),
		ClearSearch: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "end search")),
		YAMLJSON:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yaml/json")),
		Managed:     key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "managedFields")),
		Reveal:      key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "reveal secrets")),
		Raw:         key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "raw/hex")),
		Copy:        key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy")),
		Save:        key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save")),
		Wrap:        key.NewBinding(key.WithKeys("W"), key.WithHelp("W", "wrap long lines")),
	}
}

// ShortHelp is the object's part of the bottom line.
func (k objectKeys) ShortHelp() []key.Binding {
	return enabledOnly([]key.Binding{k.Search, k.Next, k.ClearSearch, k.YAMLJSON, k.Managed, k.Reveal, k.Raw, k.Copy})
}

// FullHelp is the object's columns of the help screen.
func (k objectKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		enabledOnly(append(k.bindings(), k.Search, k.Next, k.Prev, k.ClearSearch)),
		enabledOnly([]key.Binding{k.YAMLJSON, k.Managed, k.Reveal, k.Raw, k.Wrap, k.Copy, k.Save}),
	}
}

// viewBindings are the toggles, copy and save: they work from any pane
// while an object shows.
func (k objectKeys) viewBindings() []key.Binding {
	return []key.Binding{k.YAMLJSON, k.Managed, k.Reveal, k.Raw, k.Wrap, k.Copy, k.Save}
}

// maxHeaderLines bounds the header above the object's body; it wraps on
// narrow screens rather than cutting the revision or the lease off.
const maxHeaderLines = 6

// objectPane shows one key: a header with what etcd keeps about it and its
// value as YAML, JSON or a hex dump in a viewport.
type objectPane struct {
	c       *common
	pal     palette
	vp      viewport.Model
	width   int
	height  int
	focused bool

	// gen tags requests; a reply for an older request is dropped.
	gen     int
	key     string
	loading bool
	err     error // the key could not be read
	has     bool  // kv and val hold the key
	kv      etcdsrc.KeyValue
	val     decode.Value
	deleted int64 // revision a watched delete removed the key at
	atRev   int64 // the revision shown: 0 is now
	opts    renderOpts
	r       rendered
	lines   []string // r.content split, so a search can mark lines

	// diff is set after a watched change: the object with what changed.
	diff      string
	diffPlain string
	diffNote  string

	search   string
	matches  []int
	matchIdx int
	message  string // a one-off note: copied, saved
}

// objectLoadedMsg carries a key read and rendered off the loop.
type objectLoadedMsg struct {
	gen int
	key string
	kv  etcdsrc.KeyValue
	val decode.Value
	r   rendered
	err error
	// A refresh after a watched change carries its diff.
	diff, diffPlain string
	changed         int
}

// objectRenderedMsg carries a new rendering after a toggle.
type objectRenderedMsg struct {
	gen int
	r   rendered
}

func newObjectPane(c *common) objectPane {
	vp := viewport.New(0, 0)
	vp.MouseWheelEnabled = true
	return objectPane{c: c, pal: newPalette(c.styles), vp: vp}
}

// loadObjectCmd reads, decodes and renders a key.
func loadObjectCmd(c *common, pal palette, gen int, k string, rev int64, o renderOpts) tea.Cmd {
	return c.io(func() tea.Msg {
		ctx, cancel := context.WithTimeout(c.ctx, ioTimeout)
		defer cancel()
		kv, err := c.src.Get(ctx, k, rev)
		if err != nil {
			return objectLoadedMsg{gen: gen, key: k, err: err}
		}
		val := c.dec.Decode(kv.Key, kv.Value, kv.Meta())
		return objectLoadedMsg{gen: gen, key: k, kv: kv, val: val, r: renderValue(pal, val, o)}
	})
}

// refreshObjectCmd decodes a value a watch delivered and diffs it against
// what the pane showed, with no I/O.
func refreshObjectCmd(c *common, pal palette, gen int, kv etcdsrc.KeyValue, o renderOpts, before string) tea.Cmd {
	return func() tea.Msg {
		val := c.dec.Decode(kv.Key, kv.Value, kv.Meta())
		r := renderValue(pal, val, o)
		msg := objectLoadedMsg{gen: gen, key: kv.Key, kv: kv, val: val, r: r}
		if before != "" {
			msg.diff, msg.diffPlain, msg.changed = diffLines(pal, before, r.plain, true)
			msg.diff, msg.diffPlain = fitText(msg.diff, o.width, o.wrap), fitText(msg.diffPlain, o.width, o.wrap)
		}
		return msg
	}
}

// renderObjectCmd renders the open value again after a toggle.
func renderObjectCmd(pal palette, gen int, val decode.Value, o renderOpts) tea.Cmd {
	return func() tea.Msg { return objectRenderedMsg{gen: gen, r: renderValue(pal, val, o)} }
}

// open starts loading a key.
func (o *objectPane) open(k string) tea.Cmd { return o.openAt(k, o.c.rev) }

// openAt starts loading a key as of revision rev (0: now): a deleted
// key's last value, say.
func (o *objectPane) openAt(k string, rev int64) tea.Cmd {
	if k == o.key && rev == o.atRev && (o.loading || o.has) && o.err == nil && o.deleted == 0 {
		return nil
	}
	o.gen++
	if k != o.key {
		o.has = false
		o.val = decode.Value{}
		o.clearSearch()
		o.vp.GotoTop()
	}
	o.key, o.loading, o.err, o.deleted, o.atRev = k, true, nil, 0, rev
	o.diff, o.diffPlain, o.diffNote, o.message = "", "", "", ""
	return loadObjectCmd(o.c, o.pal, o.gen, k, rev, o.opts)
}

// watched applies a watch event on the open key.
func (o *objectPane) watched(ev etcdsrc.Event) tea.Cmd {
	if ev.KV.Key != o.key || o.key == "" {
		return nil
	}
	if ev.Type == etcdsrc.EventDelete {
		o.deleted = ev.Revision
		return nil
	}
	if o.has && ev.KV.ModRevision <= o.kv.ModRevision {
		return nil
	}
	o.gen++
	o.deleted = 0
	before := ""
	if o.has && o.opts.mode != modeRaw {
		before = o.r.plain
	}
	return refreshObjectCmd(o.c, o.pal, o.gen, ev.KV, o.opts, before)
}

func (o objectPane) Update(msg tea.Msg) (objectPane, tea.Cmd) {
	o, cmd := o.update(msg)
	o.fixHeight()
	return o, cmd
}

func (o objectPane) update(msg tea.Msg) (objectPane, tea.Cmd) {
	switch msg := msg.(type) {
	case objectLoadedMsg:
		if msg.gen != o.gen {
			return o, nil
		}
		o.loading = false
		if msg.err != nil {
			o.err = msg.err
			if errors.Is(msg.err, etcdsrc.ErrNotFound) && o.has {
				o.deleted = o.kv.ModRevision
			}
			return o, nil
		}
		prevRev := o.kv.ModRevision
		o.has, o.kv, o.val, o.err = true, msg.kv, msg.val, nil
		o.diff, o.diffPlain, o.diffNote = "", "", ""
		if msg.changed > 0 {
			o.diff, o.diffPlain = msg.diff, msg.diffPlain
			o.diffNote = fmt.Sprintf("changed at rev %s (was %s): %d lines", formatCount(msg.kv.ModRevision), formatCount(prevRev), msg.changed)
		}
		o.setRendered(msg.r)
		return o, nil
	case objectRenderedMsg:
		if msg.gen != o.gen {
			return o, nil
		}
		o.loading = false
		o.diff, o.diffPlain, o.diffNote = "", "", ""
		o.setRendered(msg.r)
		return o, nil
	case tea.MouseMsg:
		var cmd tea.Cmd
		o.vp, cmd = o.vp.Update(msg)
		return o, cmd
	case tea.KeyMsg:
		if !o.focused {
			return o, nil
		}
		return o.handleKey(msg)
	}
	return o, nil
}

// keys are the object pane's bindings, enabled for its state; visible
// says whether the pane shows the object (not the history or help).
func (o objectPane) keys(visible bool) objectKeys {
	k := o.c.keys.object
	focused := o.focused && visible && o.key != ""
	k.moveKeys.setEnabled(focused && o.vp.TotalLineCount() > o.vp.Height)
	k.Search.SetEnabled(focused && (o.has || o.err == nil))
	k.Next.SetEnabled(focused && len(o.matches) > 1)
	k.Prev.SetEnabled(focused && len(o.matches) > 1)
	k.ClearSearch.SetEnabled(focused && o.search != "")
	shown := visible && o.has
	raw := o.opts.mode == modeRaw
	k.YAMLJSON.SetEnabled(shown && o.r.isDoc && !raw)
	k.Managed.SetEnabled(shown && o.r.folded > 0 && !raw)
	if o.opts.managed {
		k.Managed.SetHelp("m", "fold managedFields")
	} else {
		k.Managed.SetHelp("m", "managedFields")
	}
	k.Reveal.SetEnabled(shown && o.r.secret && !raw)
	if o.opts.reveal {
		k.Reveal.SetHelp("x", "mask secrets")
	}
	k.Raw.SetEnabled(shown)
	k.Copy.SetEnabled(shown)
	k.Save.SetEnabled(shown)
	k.Wrap.SetEnabled(shown && (o.opts.wrap || o.r.shownPlain != o.r.plain))
	if o.opts.wrap {
		k.Wrap.SetHelp("W", "cut long lines")
	}
	return k
}

func (o objectPane) handleKey(msg tea.KeyMsg) (objectPane, tea.Cmd) {
	k := o.keys(true)
	switch {
	case key.Matches(msg, k.Up):
		o.vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		o.vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		o.vp.PageUp()
	case key.Matches(msg, k.PageDown):
		o.vp.PageDown()
	case key.Matches(msg, k.Top):
		o.vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		o.vp.GotoBottom()
	case key.Matches(msg, k.Next):
		o.nextMatch(1)
	case key.Matches(msg, k.Prev):
		o.nextMatch(-1)
	case key.Matches(msg, k.ClearSearch):
		o.clearSearch()
		o.applyContent()
	}
	return o, nil
}

// viewKey handles the toggles: y, m, x and r.
func (o *objectPane) viewKey(msg tea.KeyMsg) tea.Cmd {
	k := o.keys(true)
	switch {
	case key.Matches(msg, k.YAMLJSON):
		return o.toggle(func(r *renderOpts) {
			if r.mode == modeJSON {
				r.mode = modeYAML
			} else {
				r.mode = modeJSON
			}
		})
	case key.Matches(msg, k.Managed):
		return o.toggle(func(r *renderOpts) { r.managed = !r.managed })
	case key.Matches(msg, k.Reveal):
		return o.toggle(func(r *renderOpts) { r.reveal = !r.reveal })
	case key.Matches(msg, k.Wrap):
		return o.toggle(func(r *renderOpts) { r.wrap = !r.wrap })
	case key.Matches(msg, k.Raw):
		return o.toggle(func(r *renderOpts) {
			if r.mode == modeRaw {
				r.mode = r.docMode
			} else {
				r.docMode, r.mode = r.mode, modeRaw
			}
		})
	}
	return nil
}

// fitWidth renders the value again when the pane's width changed: the hex
// dump's bytes per line and the fitting of long lines follow it.
func (o *objectPane) fitWidth() tea.Cmd {
	if !o.has || o.r.width == o.width {
		return nil
	}
	return o.toggle(func(*renderOpts) {})
}

// toggle changes a render option and renders again in a Cmd.
func (o *objectPane) toggle(f func(*renderOpts)) tea.Cmd {
	f(&o.opts)
	if !o.has {
		return nil
	}
	o.gen++
	o.loading = true
	return renderObjectCmd(o.pal, o.gen, o.val, o.opts)
}

func (o *objectPane) setRendered(r rendered) {
	o.r = r
	content := r.shown
	if o.diff != "" {
		content = o.diff
	}
	o.lines = strings.Split(strings.TrimSuffix(content, "\n"), "\n")
	if o.search != "" {
		o.findMatches()
	}
	o.applyContent()
}

// applyContent hands the lines to the viewport, marking search matches.
func (o *objectPane) applyContent() {
	if len(o.matches) == 0 {
		o.vp.SetContent(strings.Join(o.lines, "\n"))
		return
	}
	lines := make([]string, len(o.lines))
	copy(lines, o.lines)
	plain := o.plainLines()
	for i, n := range o.matches {
		if n >= len(plain) {
			continue
		}
		st := o.c.styles.Match
		mark := "▶ "
		if i != o.matchIdx {
			mark = "▷ "
		}
		lines[n] = mark + st.Render(plain[n])
	}
	o.vp.SetContent(strings.Join(lines, "\n"))
}

func (o *objectPane) plainLines() []string {
	p := o.r.shownPlain
	if o.diff != "" {
		p = o.diffPlain
	}
	return strings.Split(strings.TrimSuffix(p, "\n"), "\n")
}

// setSearch finds q in the shown text and scrolls to the first match.
func (o *objectPane) setSearch(q string) {
	o.search = q
	o.findMatches()
	o.applyContent()
	if len(o.matches) > 0 {
		o.vp.SetYOffset(max(o.matches[0]-2, 0))
	}
}

func (o *objectPane) findMatches() {
	o.matches, o.matchIdx = nil, 0
	if o.search == "" {
		return
	}
	q := strings.ToLower(o.search)
	for i, l := range o.plainLines() {
		if strings.Contains(strings.ToLower(l), q) {
			o.matches = append(o.matches, i)
		}
	}
}

func (o *objectPane) nextMatch(d int) {
	if len(o.matches) == 0 {
		return
	}
	o.matchIdx = (o.matchIdx + d + len(o.matches)) % len(o.matches)
	o.applyContent()
	o.vp.SetYOffset(max(o.matches[o.matchIdx]-2, 0))
}

func (o *objectPane) clearSearch() {
	o.search, o.matches, o.matchIdx = "", nil, 0
}

// copyText is what copy takes: the object in the pane's current form
// (YAML, JSON, or the hex dump), never a diff shown after a change.
func (o objectPane) copyText() string { return o.r.plain }

// saveData is what ctrl-s writes: the object in its current form, or the
// stored bytes themselves in the raw view.
func (o objectPane) saveData() []byte {
	if o.opts.mode == modeRaw {
		return o.val.Raw
	}
	return []byte(o.r.plain)
}

// saveName proposes a file for the open object, as kubectl users name
// them: kind-namespace-name, with the form's extension.
func (o objectPane) saveName() string {
	var parts []string
	if o.val.Kind != "" {
		parts = append(parts, strings.ToLower(o.val.Kind))
	}
	kp := decode.ParseKey(o.key, o.c.root)
	if kp.Namespace != "" {
		parts = append(parts, kp.Namespace)
	}
	name := kp.Name
	if name == "" {
		name = o.key[strings.LastIndexByte(o.key, '/')+1:]
	}
	if name == "" {
		name = "value"
	}
	parts = append(parts, name)
	base := strings.Map(func(r rune) rune {
		if r == '/' || r < ' ' || r == 0x7f {
			return '_'
		}
		return r
	}, decode.EscapeKey(strings.Join(parts, "-")))
	switch o.opts.mode {
	case modeJSON:
		return base + ".json"
	case modeRaw:
		return base + ".bin"
	}
	return base + ".yaml"
}

func (o *objectPane) SetSize(w, h int) {
	o.width, o.height = w, h
	o.opts.width = w
	o.vp.Width = w
	o.fixHeight()
}

// fixHeight gives the body what the header leaves.
func (o *objectPane) fixHeight() {
	o.vp.Height = max(o.height-len(o.header())-1, 1)
}

func (o *objectPane) Focus() { o.focused = true }
func (o *objectPane) Blur()  { o.focused = false }

// title is the pane's border title.
func (o objectPane) title() string {
	if o.key == "" {
		return "object"
	}
	return decode.EscapeKey(o.key)
}

// View draws the header and the body.
func (o objectPane) View() string {
	s := o.c.styles
	w := o.width
	if o.key == "" {
		return s.Dim.Render(ansi.Wrap("Select a key in the tree (enter opens it), or type : and a kind, like :deploy or :po kube-system.", w, ""))
	}
	hdr := o.header()
	var b strings.Builder
	for _, l := range hdr {
		b.WriteString(fit(l, w))
		b.WriteByte('\n')
	}
	b.WriteString(s.Dim.Render(strings.Repeat("─", max(w, 0))))
	if o.has || o.err == nil {
		// The header may have grown since the last Update (a note): the
		// body takes what is left.
		vp := o.vp
		vp.Height = max(o.height-len(hdr)-1, 1)
		b.WriteByte('\n')
		b.WriteString(vp.View())
	}
	return b.String()
}

// header is the lines above the body: the key, what etcd keeps about it,
// and notes on what is shown, wrapped to the pane's width.
func (o objectPane) header() []string {
	s := o.c.styles
	w := o.width
	lines := []string{truncLeft(decode.EscapeKey(o.key), w)}
	switch {
	case o.err != nil:
		lines = append(lines, strings.Split(ansi.Wrap(s.Error.Render(o.err.Error()), w, ""), "\n")...)
	case !o.has:
		lines = append(lines, s.Dim.Render("loading…"))
	default:
		lines = append(lines, flow(o.metaParts(s), s.Dim.Render(" · "), w)...)
		lines = append(lines, flow(o.noteParts(s), s.Dim.Render(" · "), w)...)
	}
	return lines[:min(len(lines), maxHeaderLines)]
}

// flow lays parts out on as few lines of width w as they fit on.
func flow(parts []string, sep string, w int) []string {
	var lines []string
	cur := ""
	for _, p := range parts {
		switch {
		case cur == "":
			cur = p
		case lipgloss.Width(cur)+lipgloss.Width(sep)+lipgloss.Width(p) <= w:
			cur += sep + p
		default:
			lines = append(lines, cur)
			cur = p
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	return lines
}

func (o objectPane) metaParts(s *Styles) []string {
	v, kv := o.val, o.kv
	var parts []string
	if v.Kind != "" {
		parts = append(parts, strings.TrimSpace(v.APIVersion+" "+v.Kind))
	}
	parts = append(parts, o.badge(s))
	parts = append(parts, formatSize(len(kv.Value)))
	parts = append(parts, fmt.Sprintf("rev %s (created %s)", formatCount(kv.ModRevision), formatCount(kv.CreateRevision)))
	parts = append(parts, fmt.Sprintf("v%d", kv.Version))
	if kv.Lease != 0 {
		l := fmt.Sprintf("lease %x", kv.Lease)
		switch {
		case kv.LeaseTTL > 0:
			l += fmt.Sprintf(" ttl %ds", kv.LeaseTTL)
		case kv.LeaseTTL < 0:
			l += " expired"
		}
		parts = append(parts, l)
	}
	return parts
}

// badge names the value's encoding, and its encryption when it has one.
func (o objectPane) badge(s *Styles) string {
	v := o.val
	switch {
	case v.Err != nil:
		return s.BadgeError.Render(formOf(v))
	case v.Encryption != nil:
		return s.BadgeEncrypted.Render(formOf(v))
	}
	return s.Badge.Render(formOf(v))
}

// formOf says how a value is stored: its encoding, after its encryption
// provider and key ("aescbc:key1 → protobuf"), or that it stays
// encrypted ("encrypted kms:vault"); "✗" marks one that does not decode.
func formOf(v decode.Value) string {
	if v.Err != nil {
		return string(v.Encoding) + " ✗"
	}
	e := v.Encryption
	if e == nil {
		return string(v.Encoding)
	}
	name := e.Provider
	if e.KMSVersion != "" {
		name += " " + e.KMSVersion
	}
	if e.KeyName != "" {
		name += ":" + e.KeyName
	}
	if e.Decrypted {
		return name + " → " + string(v.Encoding)
	}
	if e.KeyID != "" {
		// KMS v2: the key the plugin sealed the data key with; it is what
		// a rotation of the KMS key changes.
		name += " key " + cutMiddle(e.KeyID, 32)
	}
	return "encrypted " + name
}

func (o objectPane) noteParts(s *Styles) []string {
	if !o.has {
		return nil
	}
	var parts []string
	if o.deleted > 0 {
		parts = append(parts, s.MarkDel.Render(fmt.Sprintf("deleted at rev %s", formatCount(o.deleted))))
	}
	if o.atRev > 0 && o.atRev != o.c.rev {
		parts = append(parts, s.MarkMod.Render(fmt.Sprintf("as of rev %s", formatCount(o.atRev))))
	}
	if o.diffNote != "" {
		parts = append(parts, s.MarkMod.Render(o.diffNote))
	}
	if o.message != "" {
		parts = append(parts, s.StateOK.Render(o.message))
	}
	if o.r.note != "" {
		style := s.Dim
		if o.val.Err != nil {
			style = s.Error
		}
		parts = append(parts, style.Render(o.r.note))
	}
	mode := o.opts.mode.String()
	if o.loading {
		mode += " …"
	}
	parts = append(parts, mode)
	if o.r.folded > 0 && !o.opts.managed && o.opts.mode != modeRaw {
		parts = append(parts, s.Folded.Render(fmt.Sprintf("managedFields folded (%d, m)", o.r.folded)))
	}
	if o.r.masked {
		parts = append(parts, s.Masked.Render("secrets masked (x)"))
	} else if o.r.secret && o.opts.reveal {
		parts = append(parts, s.MarkMod.Render("secrets revealed"))
	}
	if o.search != "" {
		parts = append(parts, fmt.Sprintf("/%s %d/%d", o.search, min(o.matchIdx+1, len(o.matches)), len(o.matches)))
	}
	return parts
}

// scrollPercent is how far down the body is, for the border title.
func (o objectPane) scrollPercent() string {
	if o.vp.TotalLineCount() <= o.vp.Height {
		return ""
	}
	return fmt.Sprintf("%d%%", int(o.vp.ScrollPercent()*100))
}
