package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/etcdscope/etcdscope/etcdsrc"
)

// goldenNow is a fixed "now" for ages, a few days after the demo's
// objects were created.
var goldenNow = time.Date(2026, time.March, 5, 8, 0, 0, 0, time.UTC)

// goldenDriver is a model over the /golden tree, which no test changes,
// with a fixed clock and a fixed status (the live revision moves as other
// tests write under /registry).
func goldenDriver(t *testing.T, w, h int) *driver {
	t.Helper()
	d := newDriver(t, Options{Root: goldenRoot, Title: "demo 127.0.0.1:2379"}, w, h)
	d.m.c.now = func() time.Time { return goldenNow }
	d.ignore = func(msg tea.Msg) bool {
		switch msg.(type) {
		case statusMsg, statusTickMsg:
			return true
		}
		return false
	}
	d.send(statusMsg{st: etcdsrc.Status{Endpoints: []string{"127.0.0.1:2379"}, Revision: goldenRev}})
	d.run(d.m.Init())
	d.until("the root level", func(m *Model) bool { return counted(m.root()) && m.root().Count >= 0 })
	d.until("CRDs", func(m *Model) bool { return m.st.crdsOK })
	return d
}

var goldenSizes = []struct{ w, h int }{{80, 24}, {160, 45}}

func TestViewGolden(t *testing.T) {
	scenes := []struct {
		name string
		do   func(t *testing.T, d *driver)
	}{
		{"tree", func(t *testing.T, d *driver) {}},
		{"object", func(t *testing.T, d *driver) {
			d.openLevel(goldenRoot + "/deployments/")
			ns := d.m.node(goldenRoot + "/deployments/kube-system/")
			if ns == nil {
				t.Fatal("no kube-system deployments")
			}
			d.selectKey(ns.Key)
			d.key("l")
			d.until("deployments", func(m *Model) bool { return ns.Loaded })
			d.selectKey(firstLeaf(t, ns).Key)
			d.key("enter")
			d.until("object", func(m *Model) bool { return m.obj.has })
		}},
		{"kind-list", func(t *testing.T, d *driver) {
			d.openList("deploy")
			d.until("rows", func(m *Model) bool { return m.list.cells[m.list.list.At(0).Key] != nil })
			d.until("the first one previewed", func(m *Model) bool { return m.obj.has })
		}},
		{"kind-list-marks", func(t *testing.T, d *driver) {
			d.openList("deploy")
			d.until("the first one previewed", func(m *Model) bool { return m.obj.has })
			shown := shownItems(d.m.list.list)
			rev := d.m.list.rev
			var ask tea.Cmd
			d.do(func(m *Model) {
				// As a watch would deliver them; the header's revision is
				// left alone, as the list's moves with other tests.
				m.list.applyEvents([]etcdsrc.Event{
					{Type: etcdsrc.EventPut, Revision: rev + 1, KV: etcdsrc.KeyValue{Key: goldenRoot + "/deployments/shop/a-new-one", Value: make([]byte, 1500), ModRevision: rev + 1, Version: 1}},
					{Type: etcdsrc.EventPut, Revision: rev + 2, KV: etcdsrc.KeyValue{Key: shown[2].Key, Value: make([]byte, 2000), ModRevision: rev + 2, Version: 2}},
					{Type: etcdsrc.EventDelete, Revision: rev + 3, KV: etcdsrc.KeyValue{Key: shown[4].Key, ModRevision: rev + 3}},
				})
				ask = m.list.askRows()
			})
			d.run(ask)
			// Every row on screen but the new one, which is in no etcd:
			// those the events changed are decoded again, the others may
			// still be on their first decoding when the events came.
			d.until("the rows on screen decoded", func(m *Model) bool {
				start, end := m.list.win.span(m.list.list.ShownLen())
				for i := start; i < end; i++ {
					if k := m.list.list.At(i).Key; !strings.HasSuffix(k, "/a-new-one") && m.list.cells[k] == nil {
						return false
					}
				}
				return m.list.cells[shown[2].Key] != nil && m.list.cells[shown[4].Key] != nil
			})
		}},
		{"help", func(t *testing.T, d *driver) { d.key("?") }},
		{"prompt", func(t *testing.T, d *driver) {
			d.key(":")
			d.typeText("dep")
		}},
	}
	for _, sc := range scenes {
		for _, sz := range goldenSizes {
			t.Run(fmt.Sprintf("%s-%dx%d", sc.name, sz.w, sz.h), func(t *testing.T) {
				d := goldenDriver(t, sz.w, sz.h)
				sc.do(t, d)
				golden.RequireEqual(t, []byte(d.m.View()))
			})
		}
	}
}
