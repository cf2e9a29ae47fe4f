package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// everyKey is every key any binding of the explorer answers to, plus a
// few that none does: the keys a state is tried with.
func everyKey() []string {
	// Every letter and digit too: a key handled outside the key maps
	// shows up as working but unlisted.
	seen := map[string]bool{"ctrl+x": true, "backspace": true}
	for _, r := range "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-+=.,;'\"[]{}()!@#$%^&*_|~`<>" {
		seen[string(r)] = true
	}
	km := newKeyMaps() // every binding starts enabled
	g := km.global
	groups := [][]key.Binding{{g.Quit, g.ForceQuit, g.Help, g.Tab, g.Command, g.Watch, g.Pause, g.History, g.Back}}
	for _, h := range []keyHelp{km.tree, km.list, km.object, km.history, km.events} {
		groups = append(groups, h.FullHelp()...)
	}
	for _, grp := range groups {
		for _, b := range grp {
			for _, k := range b.Keys() {
				seen[k] = true
			}
		}
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// listedKeys is every key the help of m's state names (aliases included).
func listedKeys(m *Model) map[string]bool {
	listed := map[string]bool{}
	groups := m.FullHelp()
	if m.right == rightHelp {
		groups = [][]key.Binding{m.ShortHelp(), {m.globalKeys().ForceQuit}}
	}
	for _, g := range groups {
		for _, b := range g {
			if !b.Enabled() {
				continue
			}
			for _, k := range b.Keys() {
				listed[k] = true
			}
		}
	}
	return listed
}

// TestHelpListsExactlyTheKeysThatWork builds the explorer in each of its
// states and presses every key there on a fresh copy of the state: a key
// the help lists must change the screen or start something, and a key it
// does not list must do neither.
func TestHelpListsExactlyTheKeysThatWork(t *testing.T) {
	ctx := context.Background()
	// A key with three revisions, for the history state.
	hk := fmt.Sprintf("/registry/configmaps/tui-keys/h-%d", time.Now().UnixNano())
	base, err := src.Get(ctx, firstKey(t, "/registry/configmaps/"), 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := client.Put(ctx, hk, strings.Replace(string(base.Value), "info", fmt.Sprintf("v%03d", i), 1)); err != nil {
			t.Fatal(err)
		}
	}
	secret := secretWithData(t)

	states := []struct {
		name  string
		setup func(t *testing.T, d *driver)
	}{
		{"tree on a directory", func(t *testing.T, d *driver) {
			d.key("j", "j", "j")
		}},
		{"tree on a key, object shown", func(t *testing.T, d *driver) {
			d.selectPath("/registry/deployments/shop/")
			d.key("l")
			d.until("the level", func(m *Model) bool { return m.node("/registry/deployments/shop/").Loaded })
			d.key("j", "j")
			d.until("the preview", func(m *Model) bool { return m.obj.has })
		}},
		{"tree filtered", func(t *testing.T, d *driver) {
			d.key("j", "/")
			d.typeText("s")
			d.key("enter")
			d.until("the filter", func(m *Model) bool { return m.root().Filter == "s" })
			d.key("j")
		}},
		{"object focused, scrolled", func(t *testing.T, d *driver) {
			openDeployment(t, d)
			d.key("j", "j", "j")
		}},
		{"object searched", func(t *testing.T, d *driver) {
			openDeployment(t, d)
			d.key("/")
			d.typeText("a")
			d.key("enter")
			d.until("the search", func(m *Model) bool { return m.obj.search == "a" })
			d.key("j")
		}},
		{"secret", func(t *testing.T, d *driver) {
			d.send(openKeyMsg{key: secret, focus: true})
			d.until("the secret", func(m *Model) bool { return m.obj.has })
		}},
		{"kind list", func(t *testing.T, d *driver) {
			d.openList("cm")
			d.key("j", "j")
			d.until("the preview", func(m *Model) bool { return m.obj.has })
		}},
		{"kind list filtered", func(t *testing.T, d *driver) {
			d.openList("cm")
			d.key("/")
			d.typeText("a")
			d.key("enter")
			d.until("the filter", func(m *Model) bool { return m.list.filter == "a" })
			d.key("j")
		}},
		{"history", func(t *testing.T, d *driver) {
			d.send(openKeyMsg{key: hk, focus: true})
			d.until("the object", func(m *Model) bool { return m.obj.has })
			d.key("H")
			d.until("the history", func(m *Model) bool { return len(m.hist.revs) == 3 && m.hist.note != "" })
			d.key("j")
			d.until("its diff", func(m *Model) bool { return strings.Contains(m.hist.note, "→") })
		}},
		{"watching, event log focused", func(t *testing.T, d *driver) {
			d.selectPath("/registry/configmaps/")
			d.watch()
			for i := range 3 {
				if _, err := client.Put(ctx, fmt.Sprintf("/registry/configmaps/tui-keys/e-%d", i), string(base.Value)); err != nil {
					t.Fatal(err)
				}
			}
			d.until("events", func(m *Model) bool { return len(m.events.rows) >= 3 })
			d.key("tab", "tab", "k")
		}},
		{"stats view", func(t *testing.T, d *driver) {
			d.key("s")
			d.until("the figures", func(m *Model) bool { return m.stats.res != nil })
			d.key("j", "j", "j", "j", "j")
		}},
		{"deleted view", func(t *testing.T, d *driver) {
			d.key(":")
			d.typeText("deleted /registry/")
			d.key("enter")
			d.until("the deletions", func(m *Model) bool { return m.right == rightDeleted && !m.gone.running })
		}},
		{"help screen", func(t *testing.T, d *driver) {
			d.key("?")
		}},
	}
	keys := everyKey()
	for _, st := range states {
		t.Run(st.name, func(t *testing.T) {
			d := newDriver(t, Options{}, 120, 40)
			d.ignore = func(msg tea.Msg) bool {
				switch msg.(type) {
				case statusTickMsg, rateTickMsg, markTickMsg:
					return true // no clock-driven changes between presses
				}
				return false
			}
			d.start()
			st.setup(t, d)
			listed := listedKeys(d.m)
			for _, k := range keys {
				m := d.replay()
				before := m.View()
				_, cmd := m.Update(keyMsg(k))
				did := cmd != nil || m.View() != before
				switch {
				case listed[k] && !did:
					t.Errorf("%q is in the help but does nothing; help:\n%s", k, m.help.FullHelpView(m.FullHelp()))
				case !listed[k] && did:
					t.Errorf("%q works but the help does not list it; screen after it:\n%s", k, m.View())
				}
			}
		})
	}
}

// secretWithData finds a Secret of the demo with data to mask.
func secretWithData(t *testing.T) string {
	t.Helper()
	dec := decode.NewDecoder()
	var secret string
	_, err := src.Range(context.Background(), "/registry/secrets/", 0, func(kv etcdsrc.KeyValue) error {
		v := dec.Decode(kv.Key, kv.Value, nil)
		if decode.Present(v, decode.PresentOptions{Secrets: decode.SecretsMasked}).Masked && secret == "" {
			secret = kv.Key
		}
		return nil
	})
	if err != nil || secret == "" {
		t.Fatalf("no secret with data in the demo: %v", err)
	}
	return secret
}

func TestKeyBurstsCountEveryPress(t *testing.T) {
	burst := func(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }
	t.Run("moves", func(t *testing.T) {
		d := newDriver(t, Options{}, 120, 40)
		d.start()
		d.send(burst("jjj"))
		if d.m.tree.cursor != 3 {
			t.Errorf("jjj moved the cursor to %d, want 3", d.m.tree.cursor)
		}
		d.send(burst("jk"))
		if d.m.tree.cursor != 3 {
			t.Errorf("jk moved the cursor to %d, want 3", d.m.tree.cursor)
		}
	})
	t.Run("the rest goes to the prompt it opens", func(t *testing.T) {
		d := newDriver(t, Options{}, 120, 40)
		d.start()
		d.send(burst("j:po"))
		if d.m.tree.cursor != 1 || d.m.prompt.kind != promptCommand || d.m.prompt.in.Value() != "po" {
			t.Errorf("j:po: cursor %d, prompt %v %q; want 1, command, po", d.m.tree.cursor, d.m.prompt.kind, d.m.prompt.in.Value())
		}
		d.key("esc")
		d.send(burst("/qj"))
		if d.m.prompt.kind != promptFilter || d.m.prompt.in.Value() != "qj" {
			t.Errorf("/qj: prompt %v %q; want a filter of qj (q and j are text there)", d.m.prompt.kind, d.m.prompt.in.Value())
		}
	})
	t.Run("a paste is never split", func(t *testing.T) {
		d := newDriver(t, Options{}, 120, 40)
		d.start()
		d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjq"), Paste: true})
		if d.m.tree.cursor != 0 {
			t.Errorf("a paste outside a prompt moved the cursor to %d", d.m.tree.cursor)
		}
		d.key(":")
		d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("po kube-system"), Paste: true})
		if got := d.m.prompt.in.Value(); got != "po kube-system" {
			t.Errorf("pasted into the prompt: %q", got)
		}
	})
}
