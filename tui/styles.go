package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// Styles is every style the explorer draws with, built once by NewStyles and
// passed down, so View never builds styles and one place decides the look.
// Colors are adaptive (light and dark terminals); with NO_COLOR lipgloss
// renders plain text, so nothing on screen depends on color alone: the
// cursor, marks and diff lines all carry a glyph too.
type Styles struct {
	Header      lipgloss.Style
	HeaderTitle lipgloss.Style
	HeaderDim   lipgloss.Style
	StateOK     lipgloss.Style
	StateBad    lipgloss.Style
	StateWatch  lipgloss.Style

	BorderFocused lipgloss.Style
	BorderBlurred lipgloss.Style
	TitleFocused  lipgloss.Style
	TitleBlurred  lipgloss.Style

	Cursor        lipgloss.Style
	CursorBlurred lipgloss.Style
	Dir           lipgloss.Style
	Leaf          lipgloss.Style
	KindLabel     lipgloss.Style
	Count         lipgloss.Style
	Dim           lipgloss.Style
	Error         lipgloss.Style
	MarkAdd       lipgloss.Style
	MarkMod       lipgloss.Style
	MarkDel       lipgloss.Style

	Badge          lipgloss.Style
	BadgeEncrypted lipgloss.Style
	BadgeError     lipgloss.Style

	YAMLKey     lipgloss.Style
	YAMLString  lipgloss.Style
	YAMLNumber  lipgloss.Style
	YAMLLiteral lipgloss.Style
	YAMLPunct   lipgloss.Style
	Masked      lipgloss.Style
	Folded      lipgloss.Style
	Match       lipgloss.Style

	DiffAdd  lipgloss.Style
	DiffDel  lipgloss.Style
	DiffHunk lipgloss.Style

	EventPut    lipgloss.Style
	EventDelete lipgloss.Style
	EventOther  lipgloss.Style

	Prompt lipgloss.Style
	Help   help.Styles
}

// NewStyles builds the explorer's styles.
func NewStyles() *Styles {
	var (
		accent  = lipgloss.AdaptiveColor{Light: "#5A3FC0", Dark: "#9D8CFF"}
		dim     = lipgloss.AdaptiveColor{Light: "#8A8A8A", Dark: "#6C6C6C"}
		text    = lipgloss.AdaptiveColor{Light: "#1F1F1F", Dark: "#E4E4E4"}
		green   = lipgloss.AdaptiveColor{Light: "#16803C", Dark: "#5FD787"}
		yellow  = lipgloss.AdaptiveColor{Light: "#A15C00", Dark: "#FFD75F"}
		red     = lipgloss.AdaptiveColor{Light: "#C4162A", Dark: "#FF6B6B"}
		blue    = lipgloss.AdaptiveColor{Light: "#0B5CAD", Dark: "#6CB6FF"}
		cyan    = lipgloss.AdaptiveColor{Light: "#00727A", Dark: "#5FD7D7"}
		magenta = lipgloss.AdaptiveColor{Light: "#9A2C9A", Dark: "#D787D7"}
		selBg   = lipgloss.AdaptiveColor{Light: "#DCD6F7", Dark: "#3A3360"}
		selDim  = lipgloss.AdaptiveColor{Light: "#ECECEC", Dark: "#2E2E2E"}
	)
	s := &Styles{}
	s.Header = lipgloss.NewStyle().Foreground(text)
	s.HeaderTitle = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.HeaderDim = lipgloss.NewStyle().Foreground(dim)
	s.StateOK = lipgloss.NewStyle().Foreground(green)
	s.StateBad = lipgloss.NewStyle().Foreground(red).Bold(true)
	s.StateWatch = lipgloss.NewStyle().Foreground(yellow)

	s.BorderFocused = lipgloss.NewStyle().Foreground(accent)
	s.BorderBlurred = lipgloss.NewStyle().Foreground(dim)
	s.TitleFocused = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.TitleBlurred = lipgloss.NewStyle().Foreground(text)

	s.Cursor = lipgloss.NewStyle().Background(selBg).Bold(true)
	s.CursorBlurred = lipgloss.NewStyle().Background(selDim)
	s.Dir = lipgloss.NewStyle().Foreground(blue)
	s.Leaf = lipgloss.NewStyle().Foreground(text)
	s.KindLabel = lipgloss.NewStyle().Foreground(magenta)
	s.Count = lipgloss.NewStyle().Foreground(dim)
	s.Dim = lipgloss.NewStyle().Foreground(dim)
	s.Error = lipgloss.NewStyle().Foreground(red)
	s.MarkAdd = lipgloss.NewStyle().Foreground(green).Bold(true)
	s.MarkMod = lipgloss.NewStyle().Foreground(yellow).Bold(true)
	s.MarkDel = lipgloss.NewStyle().Foreground(red).Strikethrough(true)

	s.Badge = lipgloss.NewStyle().Foreground(cyan)
	s.BadgeEncrypted = lipgloss.NewStyle().Foreground(yellow)
	s.BadgeError = lipgloss.NewStyle().Foreground(red).Bold(true)

	s.YAMLKey = lipgloss.NewStyle().Foreground(blue)
	s.YAMLString = lipgloss.NewStyle().Foreground(green)
	s.YAMLNumber = lipgloss.NewStyle().Foreground(cyan)
	s.YAMLLiteral = lipgloss.NewStyle().Foreground(magenta)
	s.YAMLPunct = lipgloss.NewStyle().Foreground(dim)
	s.Masked = lipgloss.NewStyle().Foreground(yellow).Italic(true)
	s.Folded = lipgloss.NewStyle().Foreground(dim).Italic(true)
	s.Match = lipgloss.NewStyle().Reverse(true)

	s.DiffAdd = lipgloss.NewStyle().Foreground(green)
	s.DiffDel = lipgloss.NewStyle().Foreground(red)
	s.DiffHunk = lipgloss.NewStyle().Foreground(cyan)

	s.EventPut = lipgloss.NewStyle().Foreground(green)
	s.EventDelete = lipgloss.NewStyle().Foreground(red)
	s.EventOther = lipgloss.NewStyle().Foreground(yellow).Bold(true)

	s.Prompt = lipgloss.NewStyle().Foreground(accent).Bold(true)
	s.Help = help.Styles{
		ShortKey:       lipgloss.NewStyle().Foreground(accent),
		ShortDesc:      lipgloss.NewStyle().Foreground(dim),
		ShortSeparator: lipgloss.NewStyle().Foreground(dim),
		Ellipsis:       lipgloss.NewStyle().Foreground(dim),
		FullKey:        lipgloss.NewStyle().Foreground(accent),
		FullDesc:       lipgloss.NewStyle().Foreground(text),
		FullSeparator:  lipgloss.NewStyle().Foreground(dim),
	}
	return s
}
