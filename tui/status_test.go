package tui

import (
	tea "github.com/charmbracelet/bubbletea"
	"testing"

	"github.com/etcdscope/etcdscope/etcdsrc"
)

func TestDescribeSnapshotStatus(t *testing.T) {
	tests := []struct {
		name string
		st   etcdsrc.Status
		want string
	}{
		{"saved, still checking", etcdsrc.Status{Checksum: etcdsrc.ChecksumPending}, "snapshot, read-only · checksum pending"},
		{"checksum matches", etcdsrc.Status{Checksum: etcdsrc.ChecksumOK}, "snapshot, read-only · checksum ok"},
		{"checksum mismatch", etcdsrc.Status{Checksum: etcdsrc.ChecksumMismatch}, "snapshot, read-only · CHECKSUM MISMATCH"},
		{"member db", etcdsrc.Status{MayLagWAL: true}, "snapshot, read-only · may lag its WAL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.st.Snapshot = "/tmp/x.db"
			if got := describeStatus(tt.st); got != tt.want {
				t.Fatalf("describeStatus = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestWatchRateAveragesBursts(t *testing.T) {
	var w watchState
	// A source that writes 50 events every fifth second.
	for sec, want := range []int{50, 25, 16, 12, 10, 10, 10, 10, 10, 10, 10} {
		if sec%5 == 0 {
			w.count = 50
		}
		w.sampleRate()
		if w.rate != want {
			t.Fatalf("second %d: rate %d, want %d", sec, w.rate, want)
		}
		if w.count != 0 {
			t.Fatalf("second %d: count not reset", sec)
		}
	}
}

func TestCursorStep(t *testing.T) {
	k := newMoveKeys()
	tests := []struct {
		key        string
		page, rows int
		want       int
		ok         bool
	}{
		{"j", 10, 100, 1, true},
		{"down", 10, 100, 1, true},
		{"k", 10, 100, -1, true},
		{"pgdown", 10, 100, 10, true},
		{"pgup", 10, 100, -10, true},
		{"pgdown", 0, 100, 1, true}, // a pane too small to page still moves
		{"g", 10, 100, -100, true},
		{"G", 10, 100, 100, true},
		{"x", 10, 100, 0, false},
	}
	for _, tt := range tests {
		var msg tea.KeyMsg
		switch tt.key {
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		case "pgdown":
			msg = tea.KeyMsg{Type: tea.KeyPgDown}
		case "pgup":
			msg = tea.KeyMsg{Type: tea.KeyPgUp}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(tt.key)}
		}
		step, ok := k.step(msg, tt.page, tt.rows)
		if step != tt.want || ok != tt.ok {
			t.Errorf("%s (page %d): step %d, %v; want %d, %v", tt.key, tt.page, step, ok, tt.want, tt.ok)
		}
	}
}
