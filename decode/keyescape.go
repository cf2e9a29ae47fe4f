package decode

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// EscapeKey returns a key fit to print: valid UTF-8 keys as they are, others
// with Go escapes (\xff, and \\ and \" for the characters those escapes
// need), as PRODUCT.md asks. UnescapeKey reads the form back.
func EscapeKey(key string) string {
	if utf8.ValidString(key) {
		return key
	}
	q := strconv.Quote(key)
	return q[1 : len(q)-1]
}

// UnescapeKey is the inverse of EscapeKey for keys typed by a user: a
// string with a \x escape that unquotes to invalid UTF-8 is the escaped
// form of a binary key; anything else is taken literally.
func UnescapeKey(s string) string {
	if !strings.Contains(s, `\x`) {
		return s
	}
	u, err := strconv.Unquote(`"` + s + `"`)
	if err != nil || utf8.ValidString(u) {
		return s
	}
	return u
}
