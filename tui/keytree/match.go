package keytree

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Matcher decides which names a "/" filter keeps, as k9s's filters do: a
// pattern is a case-insensitive regular expression, or a substring when it
// is not a valid one; "-f " before it asks for a fuzzy match (the
// pattern's characters in order, anywhere).
type Matcher struct {
	pattern string
	fuzzy   bool
	re      *regexp.Regexp
}

// NewMatcher compiles a filter pattern; "" matches everything.
func NewMatcher(pattern string) Matcher {
	m := Matcher{pattern: pattern}
	if rest, ok := strings.CutPrefix(pattern, "-f "); ok {
		m.pattern, m.fuzzy = strings.TrimSpace(rest), true
		return m
	}
	if re, err := regexp.Compile("(?i)" + pattern); err == nil {
		m.re = re
	} else {
		m.pattern = strings.ToLower(pattern)
	}
	return m
}

// Match reports whether s passes the filter.
func (m Matcher) Match(s string) bool {
	switch {
	case m.pattern == "":
		return true
	case m.fuzzy:
		return fuzzyMatch(m.pattern, s)
	case m.re != nil:
		return m.re.MatchString(s)
	}
	return strings.Contains(strings.ToLower(s), m.pattern)
}

// fuzzyMatch reports whether the runes of pattern appear in s in order,
// ignoring case: "wdep" matches "web-deployment".
func fuzzyMatch(pattern, s string) bool {
	for _, pr := range pattern {
		pr = unicode.ToLower(pr)
		found := false
		for len(s) > 0 {
			r, size := utf8.DecodeRuneInString(s)
			s = s[size:]
			if unicode.ToLower(r) == pr {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
