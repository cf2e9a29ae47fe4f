package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// promptKind is what the bottom-line input is asking for.
type promptKind int

const (
	promptNone promptKind = iota
	promptCommand
	promptFilter
	promptSearch
	promptSave
	promptOverwrite
)

// String names the prompt, for logs and tests.
func (k promptKind) String() string {
	switch k {
	case promptNone:
		return "none"
	case promptCommand:
		return "command"
	case promptFilter:
		return "filter"
	case promptSearch:
		return "search"
	case promptSave:
		return "save"
	case promptOverwrite:
		return "overwrite"
	}
	return fmt.Sprintf("promptKind(%d)", int(k))
}

// promptPane is the one-line input at the bottom: ":" kinds, "/" filters
// and searches, the path of ctrl-s.
type promptPane struct {
	c     *common
	kind  promptKind
	in    textinput.Model
	width int
	// kinds and namespaces feed ":" completion.
	kinds      []string
	namespaces []string
}

// promptDoneMsg reports an accepted input.
type promptDoneMsg struct {
	kind  promptKind
	value string
}

// promptChangedMsg reports an edit, for filters that follow typing.
type promptChangedMsg struct {
	kind  promptKind
	value string
}

// promptCancelMsg reports esc.
type promptCancelMsg struct{ kind promptKind }

func newPromptPane(c *common) promptPane {
	in := textinput.New()
	in.ShowSuggestions = true
	in.Cursor.SetMode(cursor.CursorStatic) // no blink: no timer messages
	in.PromptStyle = c.styles.Prompt
	in.CompletionStyle = c.styles.Dim
	in.PlaceholderStyle = c.styles.Dim
	return promptPane{c: c, in: in}
}

func (p *promptPane) active() bool { return p.kind != promptNone }

// start opens the input for kind with an initial value.
func (p *promptPane) start(kind promptKind, value string) tea.Cmd {
	p.kind = kind
	p.in.Reset()
	p.in.Placeholder = ""
	switch kind {
	case promptCommand:
		p.in.Prompt = ":"
		p.in.Placeholder = "kind [namespace]   e.g. deploy, po kube-system, foos.cr.bar.com"
	case promptFilter:
		p.in.Prompt = "/"
		p.in.Placeholder = "filter: a regular expression or text; -f for fuzzy"
	case promptSearch:
		p.in.Prompt = "/"
		p.in.Placeholder = "search the object"
	case promptSave:
		p.in.Prompt = "save to: "
	case promptOverwrite:
		p.in.Prompt = "the file exists: overwrite it? (y/n) "
	}
	p.in.SetValue(value)
	p.in.CursorEnd()
	p.suggest()
	return p.in.Focus()
}

// setLabel replaces the prompt's label.
func (p *promptPane) setLabel(label string) {
	p.in.Prompt = label
	p.SetSize(p.width)
}

func (p *promptPane) stop() {
	p.kind = promptNone
	p.in.Blur()
}

// setCompletion feeds the names ":" completes.
func (p *promptPane) setCompletion(kinds, namespaces []string) {
	p.kinds, p.namespaces = kinds, namespaces
}

// suggest offers kind names, or "kind namespace" once a kind is typed.
func (p *promptPane) suggest() {
	if p.kind != promptCommand {
		p.in.SetSuggestions(nil)
		return
	}
	v := p.in.Value()
	word, _, hasSpace := strings.Cut(v, " ")
	if !hasSpace {
		p.in.SetSuggestions(p.kinds)
		return
	}
	s := make([]string, 0, len(p.namespaces))
	for _, ns := range p.namespaces {
		s = append(s, word+" "+ns)
	}
	p.in.SetSuggestions(s)
}

func (p promptPane) Update(msg tea.Msg) (promptPane, tea.Cmd) {
	km, ok := msg.(tea.KeyMsg)
	if !ok {
		var cmd tea.Cmd
		p.in, cmd = p.in.Update(msg)
		return p, cmd
	}
	kind := p.kind
	if kind == promptOverwrite {
		// A yes-or-no question: one key answers it.
		p.stop()
		if km.Type == tea.KeyRunes && len(km.Runes) > 0 && (km.Runes[0] == 'y' || km.Runes[0] == 'Y') {
			return p, func() tea.Msg { return promptDoneMsg{kind: kind, value: "y"} }
		}
		return p, func() tea.Msg { return promptCancelMsg{kind: kind} }
	}
	switch km.Type {
	case tea.KeyEnter:
		v := strings.TrimSpace(p.in.Value())
		p.stop()
		return p, func() tea.Msg { return promptDoneMsg{kind: kind, value: v} }
	case tea.KeyEsc:
		p.stop()
		return p, func() tea.Msg { return promptCancelMsg{kind: kind} }
	}
	before := p.in.Value()
	var cmd tea.Cmd
	p.in, cmd = p.in.Update(msg)
	if v := p.in.Value(); v != before {
		p.suggest()
		changed := func() tea.Msg { return promptChangedMsg{kind: kind, value: v} }
		return p, tea.Batch(cmd, changed)
	}
	return p, cmd
}

func (p *promptPane) SetSize(w int) {
	p.width = w
	p.in.Width = max(w-lipgloss.Width(p.in.Prompt)-30, 10)
}

// View draws the input, with the other completions after it.
func (p promptPane) View() string {
	v := p.in.View()
	if p.kind == promptCommand {
		m := p.in.MatchedSuggestions()
		if len(m) > 1 {
			more := m[1:min(len(m), 5)]
			extra := "  tab ↓ " + strings.Join(more, " ")
			if len(m) > 5 {
				extra += fmt.Sprintf(" +%d", len(m)-5)
			}
			v += p.c.styles.Dim.Render(extra)
		}
	}
	return fit(v, p.width)
}
