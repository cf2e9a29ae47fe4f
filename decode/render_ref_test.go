package decode

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// refMayResolveNonString is mayResolveNonString before its shortcut past
// strconv, kept to hold the shortcut to it.
func refMayResolveNonString(s string) bool {
	plain := strings.ReplaceAll(s, "_", "")
	if _, err := strconv.ParseInt(plain, 0, 64); err == nil || errors.Is(err, strconv.ErrRange) {
		return true
	}
	if _, err := strconv.ParseUint(plain, 0, 64); err == nil {
		return true
	}
	return yamlFloat.MatchString(plain) || yamlDate.MatchString(s) || yamlSexagesimal.MatchString(s)
}

// refPrintable is the rune loop printableText replaced.
func refPrintable(s string, multiline bool) bool {
	for _, r := range s {
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if r != ' ' && (r == utf8.RuneError || !unicode.IsPrint(r)) {
			return false
		}
	}
	return true
}

// scalarSamples are strings at the edges of YAML's scalar resolution and
// of printability, plus every string of the fixture documents.
func scalarSamples(t *testing.T) []string {
	t.Helper()
	out := []string{
		"0", "-0", "+1", "0x1F", "0X1f", "0o17", "0O17", "0b101", "0B1", "1_000", "0x_1", "_1",
		"9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
		"-9223372036854775809", "1e3", "1E+3", ".5", "1.", "-.5", "+.5e-3", "12:30", "1:2:3.5", "190:20:30",
		"2026-11-25", "2026-11-25T10:00:00Z", "10.0.0.1", "100m", "1Gi", "0.5Gi", "1e", "e1", "abc", "0xg",
		"--1", "+-1", "18700000000000000000Y", "1870000000000000000Y", "187000000000000000Y",
		"0xffffffffffffffffG", "0x1ffffffffffffffffG", "+0xfffffffffffffffG", "-99999999999999999999.5", "0x", "0o", "0b", "ff", "-", "+", ".", "1-1", "0b2", "0o8", "1__2",
		"", " ", "a b", "tab\there", "line\nbreak", "\x7f", "\x00", "é", "日本", "\ufffd", "bad \xff",
		"\u200b", "\u00a0", "\U0001F600", "\u2028", "cr\r", "x\x1b[0m",
	}
	for _, in := range fixtureJSON(t) {
		n, err := parseJSON(in)
		if err != nil {
			t.Fatal(err)
		}
		var walk func(*jsonNode)
		walk = func(n *jsonNode) {
			switch n.kind {
			case jsonString, jsonNumber:
				out = append(out, n.text)
			case jsonArray:
				for _, it := range n.items {
					walk(it)
				}
			case jsonObject:
				for _, m := range n.members {
					out = append(out, m.name)
					walk(m.value)
				}
			}
		}
		walk(n)
	}
	return out
}

func TestScalarChecksMatchReference(t *testing.T) {
	for _, s := range scalarSamples(t) {
		if s != "" {
			if got, want := mayResolveNonString(s), refMayResolveNonString(s); got != want {
				t.Errorf("mayResolveNonString(%q) = %v, want %v", s, got, want)
			}
		}
		for _, multiline := range []bool{false, true} {
			if got, want := printableText(s, multiline), refPrintable(s, multiline); got != want {
				t.Errorf("printableText(%q, %v) = %v, want %v", s, multiline, got, want)
			}
		}
	}
}

func TestYAMLWordsFitTheLengthCheck(t *testing.T) {
	for w := range yamlWords {
		if len(w) > 5 {
			t.Errorf("yaml word %q is longer than readsAsOther looks", w)
		}
		if !readsAsOther(w) {
			t.Errorf("readsAsOther(%q) = false", w)
		}
	}
}

func TestIndentWritesAnyWidth(t *testing.T) {
	for _, n := range []int{0, 1, len(spaces) - 1, len(spaces), len(spaces) + 1, 3*len(spaces) + 7} {
		w := yamlWriter{}
		w.indent(n)
		if string(w.out) != strings.Repeat(" ", n) {
			t.Errorf("indent(%d) wrote %d bytes %q", n, len(w.out), w.out)
		}
	}
}

// FuzzScalarChecks holds the shortcuts of the YAML writer's scalar checks
// to the plain versions they replaced.
func FuzzScalarChecks(f *testing.F) {
	for _, s := range []string{"0x1F", "1_000", "2026-11-25T10:00:00Z", "10.0.0.1", "1e3", "12:30", "bad \xff", "a\tb\nc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if s != "" {
			if got, want := mayResolveNonString(s), refMayResolveNonString(s); got != want {
				t.Errorf("mayResolveNonString(%q) = %v, want %v", s, got, want)
			}
		}
		for _, multiline := range []bool{false, true} {
			if got, want := printableText(s, multiline), refPrintable(s, multiline); got != want {
				t.Errorf("printableText(%q, %v) = %v, want %v", s, multiline, got, want)
			}
		}
	})
}
