package decode

import "fmt"

// TokenKind is what a piece of a presented document is, for colouring it.
type TokenKind uint8

// The kinds of token a document is made of.
const (
	// TokenPlain is text with no colour of its own: indentation, line
	// breaks, text values, hex dumps. Only plain tokens hold line breaks.
	TokenPlain TokenKind = iota
	// TokenKey is a mapping key (YAML) or member name with its quotes (JSON).
	TokenKey
	// TokenString is a string value, with its quotes when it has them, or
	// one line of a YAML literal block.
	TokenString
	// TokenNumber is a number literal.
	TokenNumber
	// TokenLiteral is true, false or null.
	TokenLiteral
	// TokenPunct is structure: colons, dashes, commas, brackets, empty
	// collections, block scalar headers and tags.
	TokenPunct
	// TokenMasked is a secret value masked with SecretMask.
	TokenMasked
	// TokenNote is what the document says about itself: a folded
	// managedFields comment, "(empty value)".
	TokenNote
)

// String names the kind.
func (k TokenKind) String() string {
	switch k {
	case TokenPlain:
		return "plain"
	case TokenKey:
		return "key"
	case TokenString:
		return "string"
	case TokenNumber:
		return "number"
	case TokenLiteral:
		return "literal"
	case TokenPunct:
		return "punct"
	case TokenMasked:
		return "masked"
	case TokenNote:
		return "note"
	}
	return fmt.Sprintf("TokenKind(%d)", int(k))
}

// Token is one piece of a presented document. The texts of a document's
// tokens, in order, make up exactly its text; only TokenPlain tokens hold
// line breaks, so a painter may split painted text into lines.
type Token struct {
	Kind TokenKind
	Text string
}

// span is a token while the document is being written: its kind and
// where it ends in the output.
type span struct {
	end  int
	kind TokenKind
}

// spanList collects the tokens of a document as a writer appends it. A
// nil *spanList records nothing, so writing without tokens costs one nil
// check per piece.
type spanList struct{ s []span }

// add records out[start:end] as kind, and what lies between the last
// token and start as plain.
func (l *spanList) add(kind TokenKind, start, end int) {
	if l == nil || start == end {
		return
	}
	if last := l.end(); start > last {
		l.s = append(l.s, span{end: start, kind: TokenPlain})
	}
	l.s = append(l.s, span{end: end, kind: kind})
}

// end is where the last recorded token ends.
func (l *spanList) end() int {
	if len(l.s) == 0 {
		return 0
	}
	return l.s[len(l.s)-1].end
}

// mark and reset let a writer take back the tokens of something it
// rewrites.
func (l *spanList) mark() int {
	if l == nil {
		return 0
	}
	return len(l.s)
}

func (l *spanList) reset(mark int) {
	if l != nil {
		l.s = l.s[:mark]
	}
}

// tokens cuts text, the finished document, into its tokens: neighbours of
// one kind are joined, and what follows the last token is plain.
func (l *spanList) tokens(text string) []Token {
	if l == nil {
		return nil
	}
	out := make([]Token, 0, len(l.s)+1)
	start := 0
	for i, sp := range l.s {
		if i+1 < len(l.s) && l.s[i+1].kind == sp.kind {
			continue
		}
		out = append(out, Token{Kind: sp.kind, Text: text[start:sp.end]})
		start = sp.end
	}
	if start < len(text) {
		if n := len(out); n > 0 && out[n-1].Kind == TokenPlain {
			out[n-1].Text = text[start-len(out[n-1].Text):]
		} else {
			out = append(out, Token{Kind: TokenPlain, Text: text[start:]})
		}
	}
	return out
}
