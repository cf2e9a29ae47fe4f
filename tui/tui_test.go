package tui

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/columns"
	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/tui/keytree"
)

func TestTreeRootShowsNamesThenCountsAndKinds(t *testing.T) {
	d := newDriver(t, Options{}, 120, 40)
	cmd := d.m.Init()
	if cmd == nil {
		t.Fatal("Init returned no Cmd")
	}
	if !d.m.root().Loading {
		t.Fatal("root is not loading after Init")
	}
	d.run(cmd)
	d.until("root names", func(m *Model) bool { return m.root().Loaded })
	dep := d.m.node("/registry/deployments/")
	if dep == nil {
		t.Fatalf("no deployments node; rows: %v", rowKeys(d.m.tree))
	}
	d.until("root counts", func(m *Model) bool { return counted(m.root()) && m.root().Count >= 0 })
	if dep.Count <= 0 {
		t.Errorf("deployments count = %d, want > 0", dep.Count)
	}
	if k, ok := d.m.c.kindOf(dep.Key); !ok || k.APIVersion()+" "+k.Kind != "apps/v1 Deployment" {
		t.Errorf("kind of %s = %+v, want apps/v1 Deployment", dep.Key, k)
	}
	view := d.m.View()
	for _, want := range []string{"deployments/", "apps/v1 Deployment", "▾ /registry/"} {
		if !strings.Contains(view, want) {
			t.Errorf("screen lacks %q:\n%s", want, view)
		}
	}
	var total int64
	for _, c := range d.m.root().Children {
		total += c.Count
	}
	if d.m.root().Count != total {
		t.Errorf("root count %d, sum of children %d", d.m.root().Count, total)
	}
}

func rowKeys(t treePane) []string {
	var out []string
	for _, r := range t.tree.Rows() {
		out = append(out, r.Node.Key)
	}
	return out
}

func firstLeaf(t *testing.T, n *keytree.Node) *keytree.Node {
	t.Helper()
	for _, c := range n.Children {
		if c.Leaf {
			return c
		}
	}
	t.Fatalf("no key under %q", n.Key)
	return nil
}

func firstDir(t *testing.T, n *keytree.Node) *keytree.Node {
	t.Helper()
	for _, c := range n.Children {
		if !c.Leaf {
			return c
		}
	}
	t.Fatalf("no directory under %q", n.Key)
	return nil
}

// openDeployment walks root → deployments → a namespace → a deployment and
// opens it with enter.
func openDeployment(t *testing.T, d *driver) string {
	t.Helper()
	d.selectPath("/registry/deployments/")
	d.key("l")
	dep := d.m.node("/registry/deployments/")
	d.until("namespaces of deployments", func(m *Model) bool { return dep.Loaded })
	ns := firstDir(t, dep)
	d.selectKey(ns.Key)
	d.key("l")
	d.until("deployments of "+ns.Name, func(m *Model) bool { return ns.Loaded })
	leaf := firstLeaf(t, ns)
	d.selectKey(leaf.Key)
	d.key("enter")
	d.until("the deployment", func(m *Model) bool { return m.obj.has && m.obj.key == leaf.Key })
	return leaf.Key
}

func TestOpenObjectShowsYAMLAndHeader(t *testing.T) {
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	k := openDeployment(t, d)
	if d.m.focus != focusRight {
		t.Errorf("focus = %v after enter on a key, want the object pane", d.m.focus)
	}
	o := d.m.obj
	if !strings.Contains(o.r.plain, "kind: Deployment") || !strings.Contains(o.r.plain, "apiVersion: apps/v1") {
		t.Fatalf("object text is not the deployment's YAML:\n%s", o.r.plain)
	}
	if o.val.Encoding != decode.EncodingProtobuf {
		t.Errorf("encoding %q, want protobuf", o.val.Encoding)
	}
	view := d.m.View()
	name := k[strings.LastIndexByte(k, '/')+1:]
	for _, want := range []string{"apps/v1 Deployment", "protobuf", "rev ", "kind: Deployment", "name: " + name} {
		if !strings.Contains(view, want) {
			t.Errorf("screen lacks %q:\n%s", want, view)
		}
	}
	if strings.Contains(o.r.plain, "managedFields:\n") && o.r.folded > 0 {
		t.Errorf("managedFields not folded by default")
	}
}

func TestObjectTogglesJSONManagedFieldsRaw(t *testing.T) {
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	openDeployment(t, d)
	gen := d.m.obj.gen
	d.key("y")
	if d.m.obj.gen == gen || !d.m.obj.loading {
		t.Fatal("y did not ask for a new rendering")
	}
	d.until("JSON", func(m *Model) bool { return !m.obj.loading })
	if !strings.Contains(d.m.obj.r.plain, `"kind": "Deployment"`) {
		t.Fatalf("y did not switch to JSON:\n%.300s", d.m.obj.r.plain)
	}
	d.key("y")
	d.until("YAML", func(m *Model) bool { return !m.obj.loading })
	if !strings.HasPrefix(d.m.obj.r.plain, "apiVersion:") {
		t.Fatalf("second y did not switch back to YAML:\n%.300s", d.m.obj.r.plain)
	}
	if d.m.obj.r.folded > 0 {
		d.key("m")
		d.until("managedFields", func(m *Model) bool { return !m.obj.loading })
		if !strings.Contains(d.m.obj.r.plain, "managedFields:") {
			t.Errorf("m did not show managedFields")
		}
		d.key("m")
		d.until("folded", func(m *Model) bool { return !m.obj.loading })
	}
	d.key("r")
	d.until("raw", func(m *Model) bool { return !m.obj.loading })
	hex := decode.Present(d.m.obj.val, decode.PresentOptions{Format: decode.FormatHex, HexWidth: decode.HexBytesPerLine(d.m.obj.width)})
	if d.m.obj.r.plain != hex.Text {
		t.Errorf("r did not show the hex dump of the stored bytes at the pane's width")
	}
	if !strings.Contains(d.m.obj.r.plain, "6b 38 73 00") { // "k8s\x00"
		t.Errorf("hex dump lacks the protobuf magic:\n%.200s", d.m.obj.r.plain)
	}
}

func TestStaleObjectReplyIsDropped(t *testing.T) {
	d := newDriver(t, Options{}, 100, 30)
	first := d.m.obj.open("/registry/namespaces/default")
	second := d.m.obj.open("/registry/namespaces/kube-system")
	d.send(first()) // the answer for a key the user has left
	if d.m.obj.has {
		t.Fatalf("a reply for %q was shown while %q is open", "/registry/namespaces/default", d.m.obj.key)
	}
	d.send(second())
	if !d.m.obj.has || d.m.obj.kv.Key != "/registry/namespaces/kube-system" {
		t.Fatalf("the current reply was not shown: key %q", d.m.obj.kv.Key)
	}
}

func TestSecretMaskedUntilRevealed(t *testing.T) {
	d := newDriver(t, Options{}, 120, 40)
	var secret string
	_, err := src.Range(context.Background(), "/registry/secrets/", 0, func(kv etcdsrc.KeyValue) error {
		v := d.m.c.dec.Decode(kv.Key, kv.Value, nil)
		if decode.Present(v, decode.PresentOptions{Secrets: decode.SecretsMasked}).Masked && secret == "" {
			secret = kv.Key
		}
		return nil
	})
	if err != nil || secret == "" {
		t.Fatalf("no secret with data in the demo: %v", err)
	}
	d.send(openKeyMsg{key: secret, focus: true})
	d.until("the secret", func(m *Model) bool { return m.obj.has })
	if !d.m.obj.r.masked || !strings.Contains(d.m.obj.r.plain, decode.SecretMask) {
		t.Fatalf("secret data not masked:\n%s", d.m.obj.r.plain)
	}
	if !d.m.obj.keys(true).Reveal.Enabled() {
		t.Fatal("x is not enabled on a secret")
	}
	d.key("x")
	d.until("revealed", func(m *Model) bool { return !m.obj.loading })
	if d.m.obj.r.masked || strings.Contains(d.m.obj.r.plain, decode.SecretMask) {
		t.Fatalf("x did not reveal:\n%s", d.m.obj.r.plain)
	}
	if !strings.Contains(d.m.obj.r.plain, "\nstringData:\n") || !strings.Contains(d.m.View(), "secrets revealed") {
		t.Errorf("x does not show the data decoded, as stringData, marked revealed:\n%s", d.m.obj.r.plain)
	}
	d.key("x")
	d.until("hidden", func(m *Model) bool { return !m.obj.loading })
	if !d.m.obj.r.masked {
		t.Fatal("second x did not mask again")
	}
}

func TestKindCommandListsAllNamespacesAndOpens(t *testing.T) {
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	d.key(":")
	if !d.m.prompt.active() || d.m.prompt.kind != promptCommand {
		t.Fatal(": did not open the command prompt")
	}
	d.typeText("deploy")
	d.key("enter")
	d.until("the deployment list", func(m *Model) bool { return m.left == leftList && !m.list.loading })
	if d.m.list.err != nil {
		t.Fatal(d.m.list.err)
	}
	nss := map[string]bool{}
	for _, it := range shownItems(d.m.list.list) {
		if !strings.HasPrefix(it.Key, "/registry/deployments/") {
			t.Errorf("item %q is not a deployment", it.Key)
		}
		nss[it.Namespace] = true
	}
	if len(nss) < 2 {
		t.Errorf("deployments from %d namespaces, want several: %v", len(nss), nss)
	}
	view := d.m.View()
	for _, want := range []string{"NAMESPACE", "NAME", ":deployments (all namespaces)"} {
		if !strings.Contains(view, want) {
			t.Errorf("screen lacks %q:\n%s", want, view)
		}
	}
	d.until("the rows on screen decoded", func(m *Model) bool { return m.list.cells[m.list.list.At(0).Key] != nil })
	d.key("j", "enter")
	want := d.m.list.selectedKey()
	d.until("the object", func(m *Model) bool { return m.obj.has && m.obj.key == want })
	if !strings.Contains(d.m.obj.r.plain, "kind: Deployment") {
		t.Errorf("enter did not open the deployment")
	}
	d.key("tab") // back to the list
	d.key("esc")
	if d.m.left != leftTree {
		t.Errorf("esc did not go back to the tree")
	}
}

func TestKindCommandWithNamespaceAndFilter(t *testing.T) {
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	d.openList("po kube-system")
	if d.m.list.list.Len() == 0 {
		t.Fatal("no pods in kube-system")
	}
	for _, it := range shownItems(d.m.list.list) {
		if !strings.HasPrefix(it.Key, "/registry/pods/kube-system/") {
			t.Errorf("item %q is not a kube-system pod", it.Key)
		}
	}
	if !strings.Contains(d.m.View(), ":pods (kube-system)") {
		t.Errorf("title does not name the namespace:\n%s", d.m.View())
	}
	shown := shownItems(d.m.list.list)
	target := shown[len(shown)-1].Name
	d.key("/")
	d.typeText(target)
	d.until("filter applied", func(m *Model) bool { return m.list.filter == target })
	if n := d.m.list.list.ShownLen(); n == 0 || n == d.m.list.list.Len() && n > 1 {
		t.Errorf("filter %q shows %d of %d", target, n, d.m.list.list.Len())
	}
	d.key("enter")
	if it, ok := d.m.list.selected(); !ok || !strings.Contains(it.Name, target) {
		t.Errorf("the filtered row is not selected")
	}
}

func TestKindCommandErrors(t *testing.T) {
	d := newDriver(t, Options{}, 100, 30)
	d.start()
	d.key(":")
	d.typeText("nosuchkind")
	d.key("enter")
	d.until("the error", func(m *Model) bool { return m.st.lastErr != "" })
	if d.m.left != leftTree || !strings.Contains(d.m.st.lastErr, "nosuchkind") {
		t.Fatalf("unknown kind: left %v, error %q", d.m.left, d.m.st.lastErr)
	}
	if !strings.Contains(d.m.View(), "nosuchkind") {
		t.Errorf("the error is not on screen")
	}
	d.key("esc")
	if d.m.st.lastErr != "" {
		t.Errorf("esc did not clear the error")
	}
	// An error also goes with the next thing that works.
	d.key(":")
	d.typeText("deploymnets")
	d.key("enter")
	d.until("the error", func(m *Model) bool { return m.st.lastErr != "" })
	d.openList("deploy")
	if d.m.st.lastErr != "" || !strings.Contains(d.m.footerView(), "quit") {
		t.Errorf("the error stayed after a command that worked: %q", d.m.footerView())
	}
}

func TestCRDKindsFromTheData(t *testing.T) {
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	var crdKinds []decode.Kind
	d.until("CRDs read", func(m *Model) bool {
		crdKinds = crdKinds[:0]
		for _, k := range m.c.cat.Kinds() {
			if k.CRD {
				crdKinds = append(crdKinds, k)
			}
		}
		return len(crdKinds) > 0
	})
	k := crdKinds[0]
	full := k.Resource + "." + k.Group
	found := false
	for _, s := range d.m.prompt.kinds {
		found = found || s == full
	}
	if !found {
		t.Errorf("completion lacks %q", full)
	}
	d.key(":")
	d.typeText(full)
	d.key("enter")
	d.until("the custom resources", func(m *Model) bool { return m.left == leftList && !m.list.loading })
	if d.m.list.err != nil || d.m.list.list.Len() == 0 {
		t.Fatalf("no %s listed: %v", full, d.m.list.err)
	}
}

func TestCommandCompletion(t *testing.T) {
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	d.until("namespaces for completion", func(m *Model) bool { return len(m.prompt.namespaces) > 0 })
	d.key(":")
	d.typeText("deployme")
	d.key("tab")
	if got := d.m.prompt.in.Value(); got != "deployments" {
		t.Errorf("tab completed %q, want deployments", got)
	}
	d.typeText(" kube-s")
	d.key("tab")
	if got := d.m.prompt.in.Value(); got != "deployments kube-system" {
		t.Errorf("tab completed %q, want deployments kube-system", got)
	}
	d.key("esc")
	if d.m.prompt.active() {
		t.Error("esc did not close the prompt")
	}
}

func TestTreeFilterOnALevel(t *testing.T) {
	d := newDriver(t, Options{}, 100, 30)
	d.start()
	d.key("j") // onto the first child: the filter applies to the root level
	d.key("/")
	d.typeText("-f cfgmp")
	d.until("filtered", func(m *Model) bool { return m.root().Filter == "-f cfgmp" })
	var names []string
	for _, r := range d.m.tree.tree.Rows()[1:] {
		names = append(names, r.Node.Name)
	}
	if len(names) != 1 || names[0] != "configmaps" {
		t.Fatalf("filter -f cfgmp shows %v, want [configmaps]", names)
	}
	d.key("enter")
	d.key("esc")
	if d.m.root().Filter != "" {
		t.Errorf("esc did not clear the filter")
	}
}

func TestObjectSearch(t *testing.T) {
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	openDeployment(t, d)
	d.key("/")
	if d.m.prompt.kind != promptSearch {
		t.Fatalf("/ in the object pane opened %v, want search", d.m.prompt.kind)
	}
	d.typeText("replicas")
	d.key("enter")
	d.until("search done", func(m *Model) bool { return m.obj.search != "" })
	if len(d.m.obj.matches) == 0 {
		t.Fatal("no match for replicas")
	}
	first := d.m.obj.matchIdx
	d.key("n")
	if len(d.m.obj.matches) > 1 && d.m.obj.matchIdx == first {
		t.Error("n did not move to the next match")
	}
	if !strings.Contains(d.m.View(), "/replicas") {
		t.Errorf("the search is not shown")
	}
	d.key("esc")
	if d.m.obj.search != "" {
		t.Error("esc did not end the search")
	}
}

func TestHistoryDiff(t *testing.T) {
	ctx := context.Background()
	// A key of this run's own: -count runs again on the same etcd.
	k := fmt.Sprintf("/registry/configmaps/tui-history/app-%d", time.Now().UnixNano())
	deleteAfter(t, k)
	base, err := src.Get(ctx, firstKey(t, "/registry/configmaps/auth/"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(base.Value), "info") {
		t.Fatalf("%s has no %q to change", base.Key, "info")
	}
	for i := range 3 {
		// Same length: the protobuf's length prefixes stay right.
		v := strings.Replace(string(base.Value), "info", fmt.Sprintf("v%03d", i), 1)
		if _, err := client.Put(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	d.send(openKeyMsg{key: k, focus: true})
	d.until("object", func(m *Model) bool { return m.obj.has })
	d.key("H")
	if d.m.right != rightHistory {
		t.Fatal("H did not open the history")
	}
	d.until("history and its diff", func(m *Model) bool { return len(m.hist.revs) > 0 && m.hist.note != "" })
	if len(d.m.hist.revs) != 3 {
		t.Fatalf("%d revisions, want 3", len(d.m.hist.revs))
	}
	view := d.m.View()
	if !strings.Contains(view, "3 revisions held") || !strings.Contains(view, "lines changed") || !strings.Contains(view, "protobuf") {
		t.Errorf("history screen:\n%s", view)
	}
	// The newest against the one before: the changed line, both sides,
	// and not the resourceVersion, which changes with every revision.
	diff := d.m.hist.diffText
	if !hasLine(diff, "- ", "v001") || !hasLine(diff, "+ ", "v002") || strings.Contains(diff, "resourceVersion") {
		t.Errorf("diff of the newest revision:\n%s", diff)
	}
	d.key("j", "j") // the oldest: nothing older to diff with
	d.until("oldest", func(m *Model) bool { return strings.Contains(m.hist.note, "oldest") })
	d.key("v", "k", "k") // base on the oldest, compare with the newest
	d.until("diff newest against oldest", func(m *Model) bool {
		return strings.Contains(m.hist.note, formatCount(m.hist.revs[2].ModRevision)+" → "+formatCount(m.hist.revs[0].ModRevision))
	})
	d.key("esc")
	if d.m.right != rightObject {
		t.Error("esc did not close the history")
	}
}

func firstKey(t *testing.T, prefix string) string {
	t.Helper()
	var k string
	errStop := errors.New("stop")
	_, err := src.Range(context.Background(), prefix, 0, func(kv etcdsrc.KeyValue) error {
		k = kv.Key
		return errStop
	})
	if err != nil && !errors.Is(err, errStop) {
		t.Fatal(err)
	}
	if k == "" {
		t.Fatalf("nothing under %q", prefix)
	}
	return k
}

func TestWatchFollowsPutsAndDeletes(t *testing.T) {
	ctx := context.Background()
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	cms := d.openLevel("/registry/configmaps/")
	if cms.Count == 0 {
		t.Fatal("no configmaps seeded")
	}
	before := cms.Count
	rootBefore := d.m.root().Count
	d.key("w")
	if !d.m.w.on || d.m.w.prefix != "/registry/configmaps/" {
		t.Fatalf("w: watching %v %q", d.m.w.on, d.m.w.prefix)
	}
	d.until("watch started", func(m *Model) bool { return m.w.pump != nil })
	if header := d.m.headerView(); !strings.Contains(header, "watching") || !strings.Contains(header, "ev/s") {
		t.Errorf("the status line says neither the watch nor its rate: %q", header)
	}

	value, err := src.Get(ctx, firstKey(t, "/registry/configmaps/auth/"), 0)
	if err != nil {
		t.Fatal(err)
	}
	k := "/registry/configmaps/tui-watch/cm-1"
	deleteAfter(t, k)
	if _, err := client.Put(ctx, k, string(value.Value)); err != nil {
		t.Fatal(err)
	}
	d.until("the put in the tree", func(m *Model) bool { return m.node("/registry/configmaps/tui-watch/") != nil })
	if cms.Count != before+1 || d.m.root().Count != rootBefore+1 {
		t.Errorf("counts after a create: configmaps %d (was %d), root %d (was %d)", cms.Count, before, d.m.root().Count, rootBefore)
	}
	if n := d.m.node("/registry/configmaps/tui-watch/"); n.Mark != keytree.MarkAdd || n.Count != 1 {
		t.Errorf("new directory: mark %v count %d", n.Mark, n.Count)
	}
	if !strings.Contains(d.m.View(), "tui-watch/") {
		t.Errorf("the new key is not on screen:\n%s", d.m.View())
	}
	if !logHas(d.m, etcdsrc.EventPut, k) {
		t.Error("the put is not in the event log")
	}

	// Open it, change it: the object pane shows the diff.
	d.send(openKeyMsg{key: k})
	d.until("opened", func(m *Model) bool { return m.obj.has && m.obj.key == k })
	// Same length: the protobuf's length prefixes stay right.
	changed := strings.Replace(string(value.Value), "info", "warn", 1)
	if _, err := client.Put(ctx, k, changed); err != nil {
		t.Fatal(err)
	}
	d.until("the change", func(m *Model) bool { return m.obj.diffNote != "" })
	// The log says which field changed, for the line on screen.
	d.until("the change summarized", func(m *Model) bool {
		for i := range m.events.rows {
			if r := m.events.at(i); r.key == k && strings.Contains(r.summary, "last-applied-configuration") {
				return true
			}
		}
		return false
	})
	if !hasLine(d.m.obj.diffPlain, "+ ", `"LOG_LEVEL":"warn"`) || !hasLine(d.m.obj.diffPlain, "- ", `"LOG_LEVEL":"info"`) {
		t.Errorf("diff does not show the change:\n%s", d.m.obj.diffPlain)
	}
	// Enter on that event opens the key's history at its revision.
	changeRev := d.m.obj.kv.ModRevision
	for d.m.focus != focusEvents {
		d.key("tab")
	}
	d.key("G", "enter")
	d.until("the history at the event", func(m *Model) bool { return m.right == rightHistory && len(m.hist.revs) > 1 })
	if got := d.m.hist.revs[d.m.hist.cursor].ModRevision; got != changeRev {
		t.Errorf("history opened at rev %d, want the event's %d", got, changeRev)
	}
	d.key("esc")

	if _, err := client.Delete(ctx, k); err != nil {
		t.Fatal(err)
	}
	d.until("the delete", func(m *Model) bool { return logHas(m, etcdsrc.EventDelete, k) })
	if cms.Count != before {
		t.Errorf("configmaps count %d after the delete, want %d", cms.Count, before)
	}
	if d.m.obj.deleted == 0 {
		t.Error("the open object is not marked deleted")
	}
	d.until("the row removed", func(m *Model) bool { return m.node("/registry/configmaps/tui-watch/") == nil })
	if strings.Contains(d.m.tree.View(), "tui-watch/") {
		t.Errorf("the deleted directory is still on screen")
	}

	// Pause holds events; resume applies them.
	d.key("p")
	if !d.m.w.paused {
		t.Fatal("p did not pause")
	}
	if _, err := client.Put(ctx, k, string(value.Value)); err != nil {
		t.Fatal(err)
	}
	d.until("held while paused", func(m *Model) bool { return len(m.w.held) > 0 })
	if d.m.node("/registry/configmaps/tui-watch/") != nil {
		t.Error("a paused watch changed the tree")
	}
	d.key("p")
	if d.m.node("/registry/configmaps/tui-watch/") == nil {
		t.Error("resume did not apply the held events")
	}
	if _, err := client.Delete(ctx, k); err != nil {
		t.Fatal(err)
	}
	d.key("w")
	if d.m.w.on {
		t.Error("second w did not stop the watch")
	}
}

// hasLine reports whether text has a line starting with prefix that
// contains s.
func hasLine(text, prefix, s string) bool {
	for l := range strings.Lines(text) {
		if strings.HasPrefix(l, prefix) && strings.Contains(l, s) {
			return true
		}
	}
	return false
}

func logHas(m *Model, typ etcdsrc.EventType, k string) bool {
	for i := range m.events.rows {
		r := m.events.at(i)
		if r.typ == typ && r.key == k {
			return true
		}
	}
	return false
}

func TestWatchCompactionRelists(t *testing.T) {
	ctx := context.Background()
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	cms := d.openLevel("/registry/configmaps/")
	d.watch()
	// Stop reading, write, compact past the watch's start: etcd cancels it.
	startRev := d.m.tree.tree.MinRev(d.m.w.prefix) + 1
	k := "/registry/configmaps/tui-compact/cm"
	resp, err := client.Put(ctx, k, "x")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Delete(ctx, k); err != nil {
		t.Fatal(err)
	}
	// A fresh watch below the compaction reports it at once.
	if _, err := client.Compact(ctx, resp.Header.Revision+1); err != nil {
		t.Fatal(err)
	}
	d.m.stopWatch()
	d.m.w = watchState{on: true, prefix: "/registry/configmaps/", gen: d.m.w.gen + 1}
	wctx, cancel := context.WithCancel(d.ctx)
	d.m.w.cancel = cancel
	d.run(startWatchCmd(d.m.c, wctx, d.m.w.gen, d.m.w.prefix, startRev))
	d.until("compaction in the log", func(m *Model) bool { return logHas(m, etcdsrc.EventCompacted, "") })
	if !strings.Contains(d.m.st.lastErr, "compaction") {
		t.Errorf("status line: %q", d.m.st.lastErr)
	}
	d.until("listed again", func(m *Model) bool { return counted(cms) && !cms.Loading })
	d.until("watching again", func(m *Model) bool { return m.w.pump != nil && m.tree.tree.MinRev(m.w.prefix) > resp.Header.Revision })
}

// TestWatchCompactionInABatchThatGoesOn: a batch that reports a
// compaction before its stream is seen closed re-lists and follows again,
// and the new follow's events arrive; the batch does not wait on the pump
// it let go of (that wait dereferenced nil once, under -race).
func TestWatchCompactionInABatchThatGoesOn(t *testing.T) {
	ctx := context.Background()
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	cms := d.openLevel("/registry/configmaps/")
	d.watch()
	gen := d.m.w.gen
	// The compaction arrives in a batch of its own, the stream not yet
	// seen closed: the order a busy follow can deliver them in.
	d.send(watchEventsMsg{gen: gen, events: []etcdsrc.Event{{Type: etcdsrc.EventCompacted, Revision: d.m.st.rev}}})
	if d.m.w.gen != gen+1 || !d.m.w.waiting {
		t.Fatalf("after the compaction: generation %d (was %d), waiting %v; want a re-list", d.m.w.gen, gen, d.m.w.waiting)
	}
	d.until("watching again", func(m *Model) bool { return m.w.pump != nil && !m.w.waiting && counted(cms) })
	k := "/registry/configmaps/tui-compact-batch/cm"
	if _, err := client.Put(ctx, k, "x"); err != nil {
		t.Fatal(err)
	}
	d.until("the new follow's put in the log", func(m *Model) bool { return logHas(m, etcdsrc.EventPut, k) })
	if _, err := client.Delete(ctx, k); err != nil {
		t.Fatal(err)
	}
	d.until("the new follow's delete in the log", func(m *Model) bool { return logHas(m, etcdsrc.EventDelete, k) })
}

// TestTreeRowKeepsAnErrorThatDoesNotFit: a level whose listing failed
// with an error longer than the pane still says so on its row, cut, next
// to its name (a quorum loss's error is a long line), the cause first.
func TestTreeRowKeepsAnErrorThatDoesNotFit(t *testing.T) {
	d := newDriver(t, Options{}, 100, 30)
	d.start()
	long := errors.New(`list "/registry/configmaps/": no leader: 1 of 3 members answer (127.0.0.1:34191); --consistency s reads from one member (may be stale)`)
	d.do(func(m *Model) { m.node("/registry/configmaps/").Err = long })
	row := ""
	for l := range strings.Lines(d.m.View()) {
		if strings.Contains(l, "configmaps/") {
			row = l
		}
	}
	if !strings.Contains(row, "✗ no leader") || !strings.Contains(row, "…") {
		t.Errorf("the row of a level that failed does not show its error, cut:\n%s", row)
	}
}

func TestUnreachableShowsErrorAndKeepsRunning(t *testing.T) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{"127.0.0.1:1"}, DialTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	dead := etcdsrc.NewLiveFromClient(cli, etcdsrc.Config{CommandTimeout: time.Second})
	d := newDriver(t, Options{Source: dead, Title: "127.0.0.1:1"}, 80, 24)
	d.ignore = func(msg tea.Msg) bool { _, tick := msg.(statusTickMsg); return tick }
	d.run(d.m.Init())
	d.until("the status error", func(m *Model) bool { return m.st.connErr != "" && m.root().Err != nil })
	view := d.m.View()
	for _, want := range []string{"unreachable", "127.0.0.1:1", "✗"} {
		if !strings.Contains(view, want) {
			t.Errorf("screen lacks %q:\n%s", want, view)
		}
	}
	// A watch on a cluster that does not answer is not "watching": the
	// follow retries without a word, so the header says it from the probe.
	d.m.w.on = true
	if header := strings.SplitN(d.m.View(), "\n", 2)[0]; !strings.Contains(header, "watch reconnecting") {
		t.Errorf("header with the watch on and no member answering: %q", header)
	}
	d.m.w.on = false
	// Keys still work.
	d.key("?")
	if d.m.right != rightHelp {
		t.Error("? did not open help")
	}
	d.key("esc", "j", "k", ":")
	d.typeText("po")
	d.key("enter")
	d.until("the list fails", func(m *Model) bool { return m.list.err != nil })
	if !strings.Contains(d.m.View(), `range "/registry/pods/"`) {
		t.Errorf("list error not shown:\n%s", d.m.View())
	}
}

func TestSaveAndCopy(t *testing.T) {
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	k := openDeployment(t, d)
	kp := decode.ParseKey(k, "/registry")
	d.key("ctrl+s")
	if want := "deployment-" + kp.Namespace + "-" + kp.Name + ".yaml"; d.m.prompt.kind != promptSave || d.m.prompt.in.Value() != want {
		t.Fatalf("ctrl+s prompt %v %q, want save %q", d.m.prompt.kind, d.m.prompt.in.Value(), want)
	}
	dir := t.TempDir()
	t.Chdir(dir) // a relative path is from the working directory
	d.key("enter")
	path := filepath.Join(dir, "deployment-"+kp.Namespace+"-"+kp.Name+".yaml")
	d.until("saved", func(m *Model) bool { return strings.HasPrefix(m.obj.message, "saved") })
	if want := "saved to " + path; d.m.obj.message != want {
		t.Errorf("status %q, want %q (the absolute path)", d.m.obj.message, want)
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != d.m.obj.r.plain || !strings.Contains(string(got), "kind: Deployment") {
		t.Fatalf("saved file differs from the object: %v", err)
	}

	// Saving again asks before overwriting; n keeps the file.
	if err := os.WriteFile(path, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.key("ctrl+s", "enter")
	d.until("the question", func(m *Model) bool { return m.prompt.kind == promptOverwrite })
	d.key("n")
	d.until("not saved", func(m *Model) bool { return m.obj.message == "not saved" })
	if b, _ := os.ReadFile(path); string(b) != "keep me" {
		t.Fatalf("n overwrote the file: %q", b)
	}
	// JSON saves as .json; y overwrites.
	d.key("y")
	d.until("json", func(m *Model) bool { return !m.obj.loading && m.obj.opts.mode == modeJSON })
	d.key("ctrl+s")
	if !strings.HasSuffix(d.m.prompt.in.Value(), ".json") {
		t.Errorf("JSON save proposes %q", d.m.prompt.in.Value())
	}
	d.m.prompt.in.SetValue(path)
	d.key("enter")
	d.until("the question", func(m *Model) bool { return m.prompt.kind == promptOverwrite })
	d.key("y")
	d.until("saved", func(m *Model) bool { return strings.HasPrefix(m.obj.message, "saved") })
	if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), "{") {
		t.Fatalf("y did not overwrite with the JSON: %q", b[:min(len(b), 20)])
	}

	// Copy takes the object, also while a watched change shows as a diff.
	d.m.obj.diff, d.m.obj.diffPlain = "- a\n+ b\n", "- a\n+ b\n"
	d.key("c")
	d.until("copied", func(m *Model) bool { return strings.HasPrefix(m.obj.message, "copied") })
	clip := d.m.c.clip.(*strings.Builder).String()
	if !strings.HasPrefix(clip, "\x1b]52;c;") && !strings.HasPrefix(clip, "\x1bPtmux;") {
		t.Errorf("clipboard got %q, want an OSC 52 sequence", clip[:min(len(clip), 20)])
	}
	if want := base64.StdEncoding.EncodeToString([]byte(d.m.obj.r.plain)); !strings.Contains(clip, want) {
		t.Errorf("the clipboard does not hold the object in its JSON form")
	}

	// A masked Secret is copied masked, and the status says so.
	d.send(openKeyMsg{key: secretWithData(t), focus: true})
	d.until("the secret", func(m *Model) bool { return m.obj.has && m.obj.r.masked })
	d.key("c")
	d.until("copied", func(m *Model) bool { return strings.HasPrefix(m.obj.message, "copied") })
	if !strings.Contains(d.m.obj.message, "masked") || !strings.Contains(d.m.obj.message, "x reveals") {
		t.Errorf("copy of a masked secret says %q", d.m.obj.message)
	}
}

func TestHelpListsOnlyWorkingKeys(t *testing.T) {
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	d.key("?")
	help := d.m.View()
	for _, absent := range []string{"managedFields", "reveal", "pause"} {
		if strings.Contains(help, absent) {
			t.Errorf("help lists %q with no object open and no watch:\n%s", absent, help)
		}
	}
	for _, present := range []string{"kind", "filter", "watch", "quit"} {
		if !strings.Contains(help, present) {
			t.Errorf("help lacks %q", present)
		}
	}
	d.key("?")
	openDeployment(t, d)
	d.key("?")
	if help := d.m.View(); !strings.Contains(help, "yaml/json") || !strings.Contains(help, "copy") {
		t.Errorf("help with an object open:\n%s", help)
	}
}

func TestMouseSelectsAndScrolls(t *testing.T) {
	d := newDriver(t, Options{}, 100, 30)
	d.start()
	// The body starts under the header (y 1) and its border (y 2): row 3
	// on screen is the second tree row.
	d.send(tea.MouseMsg{X: 5, Y: 3, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	if d.m.tree.cursor != 1 {
		t.Errorf("click on the second row: cursor %d", d.m.tree.cursor)
	}
	d.send(tea.MouseMsg{X: 5, Y: 5, Action: tea.MouseActionPress, Button: tea.MouseButtonWheelDown})
	if d.m.tree.cursor != 4 {
		t.Errorf("wheel down: cursor %d, want 4", d.m.tree.cursor)
	}
	d.send(tea.MouseMsg{X: 80, Y: 5, Action: tea.MouseActionPress, Button: tea.MouseButtonLeft})
	if d.m.focus != focusRight {
		t.Errorf("click on the right pane: focus %v", d.m.focus)
	}
}

func TestTreePagesLongLevels(t *testing.T) {
	d := newDriver(t, Options{}, 100, 30)
	d.m.c.pageSize = 4
	d.start()
	root := d.m.root()
	if !root.More || len(root.Children) != 4 {
		t.Fatalf("root: %d children, more %v; want a first page of 4", len(root.Children), root.More)
	}
	rows := d.m.tree.tree.Rows()
	if last := rows[len(rows)-1]; !last.More || !strings.Contains(d.m.tree.View(), "more…") {
		t.Fatalf("no more… row:\n%s", d.m.tree.View())
	}
	// Reaching the more… row loads the next page.
	d.key("G")
	if !root.Loading {
		t.Fatal("G onto more… did not load the next page")
	}
	d.until("the second page", func(m *Model) bool { return len(root.Children) == 8 })
	if r, _ := d.m.tree.row(d.m.tree.cursor); r.More || r.Node != root.Children[4] {
		t.Errorf("cursor is on %q (more %v), not at the start of the new page", r.Node.Key, r.More)
	}
	for i := 1; i < len(root.Children); i++ {
		if root.Children[i-1].Key >= root.Children[i].Key {
			t.Fatalf("children out of order at %d: %q, %q", i, root.Children[i-1].Key, root.Children[i].Key)
		}
	}
	for range 20 {
		d.key("G")
		d.until("page", func(m *Model) bool { return !root.Loading })
	}
	if root.More {
		t.Errorf("root still has more after paging through it")
	}
	var total int64
	d.until("all counted", func(m *Model) bool { return counted(root) })
	for _, c := range root.Children {
		total += c.Count
	}
	if total != root.Count {
		t.Errorf("children sum %d, root count %d", total, root.Count)
	}
}

func TestEmptyRootSaysSo(t *testing.T) {
	d := newDriver(t, Options{Root: "/no-such-root"}, 80, 24)
	d.run(d.m.Init())
	d.until("the empty root", func(m *Model) bool { return m.root().Loaded && m.root().Count == 0 })
	if !strings.Contains(d.m.View(), "nothing under /no-such-root/") {
		t.Errorf("empty root not explained:\n%s", d.m.View())
	}
}

func TestKindListFollowsTheWatch(t *testing.T) {
	ctx := context.Background()
	value := aConfigMap(t)
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	d.watch() // the whole root, from the tree
	d.openList("cm")
	before := d.m.list.list.Len()
	k := fmt.Sprintf("/registry/configmaps/tui-list/cm-%d", time.Now().UnixNano())
	if _, err := client.Put(ctx, k, string(value.Value)); err != nil {
		t.Fatal(err)
	}
	d.until("the new row", func(m *Model) bool { _, ok := m.list.list.Item(k); return ok })
	if it, _ := d.m.list.list.Item(k); it.Mark != keytree.MarkAdd || d.m.list.list.Len() != before+1 {
		t.Errorf("new row: mark %v, %d rows (was %d)", it.Mark, d.m.list.list.Len(), before)
	}
	if _, err := client.Delete(ctx, k); err != nil {
		t.Fatal(err)
	}
	d.until("the delete marked", func(m *Model) bool { it, ok := m.list.list.Item(k); return ok && it.Mark == keytree.MarkDel })
	d.until("the row gone", func(m *Model) bool { _, ok := m.list.list.Item(k); return !ok })
	if d.m.list.list.Len() != before {
		t.Errorf("%d rows after the delete, want %d", d.m.list.list.Len(), before)
	}
}

func TestNoQuorumSaysSoAndConsistencySSwitches(t *testing.T) {
	live := etcdsrc.NewLiveFromClient(client, etcdsrc.Config{CommandTimeout: 5 * time.Second})
	t.Cleanup(func() { live.Close() })
	d := newDriver(t, Options{Source: live}, 160, 40)
	d.ignore = func(msg tea.Msg) bool { _, st := msg.(statusMsg); return st }
	d.start()
	lost := etcdsrc.Status{Endpoints: []string{"a", "b", "c"}, NoLeader: true, Answering: 1, Members: []etcdsrc.Member{
		{Name: "m0"}, {Name: "m1", Err: errors.New("refused")}, {Name: "m2", Err: errors.New("refused")}}}
	d.send(statusMsg{st: lost})
	header, footer := d.m.headerView(), d.m.footerView()
	if !strings.Contains(header, "no quorum: 1 of 3 members answer") || !strings.Contains(header, "m1,m2 down") {
		t.Errorf("header: %q", header)
	}
	if !strings.Contains(footer, ":consistency s") {
		t.Errorf("footer gives no hint: %q", footer)
	}
	d.key(":")
	d.typeText("consistency s")
	d.key("enter")
	d.until("serializable", func(m *Model) bool { return live.Serializable() })
	if header := d.m.headerView(); !strings.Contains(header, "serializable · may be stale") {
		t.Errorf("header after :consistency s: %q", header)
	}
	if footer := d.m.footerView(); strings.Contains(footer, "no quorum") {
		t.Errorf("the hint stays after switching: %q", footer)
	}
	d.key(":")
	d.typeText("consistency l")
	d.key("enter")
	d.until("linearizable", func(m *Model) bool { return !live.Serializable() })
	d.key(":")
	d.typeText("consistency x")
	d.key("enter")
	d.until("the error", func(m *Model) bool { return strings.Contains(m.st.lastErr, ":consistency takes s") })
}

// TestQuorumBackListsAgainWhatFailed: levels whose listing failed while
// no leader was there are listed again, unasked, once the status says the
// leader is back (the header alone turned green before).
func TestQuorumBackListsAgainWhatFailed(t *testing.T) {
	d := newDriver(t, Options{}, 160, 40)
	d.ignore = func(msg tea.Msg) bool { _, st := msg.(statusMsg); return st }
	d.start()
	d.openLevel("/registry/configmaps/")
	lost := etcdsrc.Status{Endpoints: []string{"a", "b", "c"}, NoLeader: true, Answering: 1, Members: []etcdsrc.Member{
		{Name: "m0"}, {Name: "m1", Err: errors.New("refused")}, {Name: "m2", Err: errors.New("refused")}}}
	d.send(statusMsg{st: lost})
	back := lost
	back.NoLeader, back.Answering = false, 3
	back.Members = []etcdsrc.Member{{Name: "m0", Leader: true}, {Name: "m1"}, {Name: "m2"}}
	noLeader := errors.New(`list "/registry/configmaps/": no leader: 1 of 3 members answer`)

	// An open level failed: it alone is listed again.
	d.do(func(m *Model) { m.node("/registry/configmaps/").Err = noLeader })
	d.send(statusMsg{st: back})
	if cms := d.m.node("/registry/configmaps/"); !cms.Loading || d.m.root().Loading {
		t.Fatalf("leader back: the failed level is loading %v, the root %v; want the level alone", cms.Loading, d.m.root().Loading)
	}
	d.until("the level listed again", func(m *Model) bool {
		cms := m.node("/registry/configmaps/")
		return cms.Loaded && cms.Err == nil && counted(cms)
	})

	// The root failed too: it is listed again, and the level open under it.
	d.send(statusMsg{st: lost})
	d.do(func(m *Model) { m.node("/registry/configmaps/").Err, m.root().Err = noLeader, noLeader })
	d.send(statusMsg{st: back})
	if !d.m.root().Loading {
		t.Fatal("leader back: the failed root is not listed again")
	}
	d.until("the root and the open level listed again", func(m *Model) bool {
		cms := m.node("/registry/configmaps/")
		return m.root().Err == nil && cms != nil && cms.Expanded && cms.Loaded && cms.Err == nil && counted(cms)
	})
	// A status that stays healthy lists nothing again.
	d.send(statusMsg{st: back})
	if d.m.root().Loading || d.m.node("/registry/configmaps/").Loading {
		t.Error("a healthy status after a healthy one listed again")
	}
}

func TestStatsViewAndItsDrillDown(t *testing.T) {
	d := newDriver(t, Options{}, 160, 45)
	d.start()
	d.key("s")
	if d.m.right != rightStats || !d.m.stats.running {
		t.Fatalf("s: right %v, running %v", d.m.right, d.m.stats.running)
	}
	d.until("the figures", func(m *Model) bool { return m.stats.res != nil })
	res := d.m.stats.res
	if !res.Complete || res.Totals.Keys == 0 || res.Prefix != "/registry/" {
		t.Fatalf("figures: complete %v, %d keys, prefix %q", res.Complete, res.Totals.Keys, res.Prefix)
	}
	view := d.m.View()
	for _, want := range []string{"Resources", "Namespaces", "Largest objects", "Encryption at rest", "none"} {
		if !strings.Contains(view+strings.Join(statsTexts(d.m.stats.rows), "\n"), want) {
			t.Errorf("stats lack %q", want)
		}
	}
	// enter on a resource row: the tree goes there.
	goTo := func(act statsAction, target string) {
		t.Helper()
		for i, r := range d.m.stats.rows {
			if r.act == act && (target == "" || r.target == target) {
				d.do(func(m *Model) { m.stats.cursor = i })
				d.key("enter")
				return
			}
		}
		t.Fatalf("no row to %v %q", act, target)
	}
	goTo(statsTree, "deployments")
	d.until("the tree at deployments", func(m *Model) bool {
		k, _ := m.tree.selectedKey()
		return m.focus == focusLeft && k == "/registry/deployments/"
	})
	// On a namespace row: that namespace's objects, of every kind.
	d.key("s")
	d.until("the figures", func(m *Model) bool { return m.stats.res != nil && !m.stats.running })
	d.do(func(m *Model) { m.setFocus(focusRight) })
	goTo(statsNamespace, "shop")
	d.until("the namespace's objects", func(m *Model) bool { return m.left == leftList && !m.list.loading })
	kinds := map[string]bool{}
	for _, it := range shownItems(d.m.list.list) {
		if it.Namespace != "shop" || !strings.Contains(it.Key, "/shop/") {
			t.Errorf("row %q is not of shop", it.Key)
		}
		kinds[strings.SplitN(it.Name, "/", 2)[0]] = true
	}
	if len(kinds) < 3 {
		t.Errorf("the namespace's list has %d kinds, want many: %v", len(kinds), kinds)
	}
	// On an object row: the object.
	d.key("s")
	d.until("the figures", func(m *Model) bool { return m.stats.res != nil && !m.stats.running })
	d.do(func(m *Model) { m.setFocus(focusRight) })
	largest := d.m.stats.res.Largest[0].Key
	goTo(statsObject, largest)
	d.until("the largest object", func(m *Model) bool { return m.obj.has && m.obj.key == largest })
}

func TestStatsScanStopsOnEscAndKeepsItsFigures(t *testing.T) {
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	d.key("s")
	d.key("esc") // at once: the scan stops with what it has
	d.until("the partial figures", func(m *Model) bool { return m.stats.res != nil })
	if d.m.stats.running || d.m.right != rightStats {
		t.Fatalf("after esc: running %v, right %v", d.m.stats.running, d.m.right)
	}
	if d.m.stats.res.Complete && d.m.stats.res.Totals.Keys == 0 {
		t.Errorf("figures neither partial nor counted: %+v", d.m.stats.res.Totals)
	}
	d.key("esc")
	if d.m.right != rightObject {
		t.Errorf("second esc did not close the stats")
	}
}

func statsTexts(rows []statsRow) []string {
	var out []string
	for _, r := range rows {
		out = append(out, strings.Join(r.cells, " "))
	}
	return out
}

func TestLongLinesAreCutVisiblyAndWWrapsThem(t *testing.T) {
	d := newDriver(t, Options{}, 80, 30)
	d.start()
	k := firstKey(t, "/registry/configmaps/")
	d.send(openKeyMsg{key: k, focus: true})
	d.until("the object", func(m *Model) bool { return m.obj.has })
	long := ""
	for l := range strings.Lines(d.m.obj.r.plain) {
		if len(l) > d.m.obj.width+10 {
			long = strings.TrimSpace(l)
			break
		}
	}
	if long == "" {
		t.Skip("no line longer than the pane in " + k)
	}
	if !strings.Contains(d.m.obj.r.shownPlain, "…\n") || strings.Contains(d.m.obj.r.shownPlain, long) {
		t.Fatalf("a long line is not cut with …")
	}
	if !d.m.obj.keys(true).Wrap.Enabled() {
		t.Fatal("W is not offered with lines cut")
	}
	d.key("W")
	d.until("wrapped", func(m *Model) bool { return !m.obj.loading && m.obj.opts.wrap })
	joined := strings.ReplaceAll(d.m.obj.r.shownPlain, "\n", "")
	if !strings.Contains(joined, strings.ReplaceAll(long, "\n", "")) {
		t.Errorf("wrapped text does not hold the whole line")
	}
	for l := range strings.Lines(d.m.obj.r.shownPlain) {
		if w := lipgloss.Width(strings.TrimSuffix(l, "\n")); w > d.m.obj.width {
			t.Fatalf("a wrapped line is %d cells in a pane of %d", w, d.m.obj.width)
		}
	}
}

func TestZoomFillsTheScreenWithTheFocusedPane(t *testing.T) {
	d := newDriver(t, Options{}, 100, 30)
	d.start()
	openDeployment(t, d)
	d.key("f")
	if !d.m.zoom || d.m.geo.leftW != 0 || d.m.obj.width != 98 {
		t.Fatalf("f on the object: zoom %v, left %d, object width %d", d.m.zoom, d.m.geo.leftW, d.m.obj.width)
	}
	view := d.m.View()
	if strings.Count(view, "\n") != 29 || strings.Contains(view, "▾ /registry/") {
		t.Errorf("zoomed screen shows the tree or is not 30 lines:\n%s", view)
	}
	d.key("tab") // the zoom follows the focus
	if d.m.geo.leftW != 100 || !strings.Contains(d.m.View(), "▾ /registry/") {
		t.Errorf("after tab: left %d", d.m.geo.leftW)
	}
	d.key("esc")
	if d.m.zoom || d.m.geo.leftW == 100 {
		t.Errorf("esc did not unzoom")
	}
}

func TestKindListColumnsNamesAndSorting(t *testing.T) {
	d := newDriver(t, Options{}, 80, 24)
	d.start()
	d.openList("po kube-system")
	d.until("their rows", func(m *Model) bool { return len(m.list.cells) >= min(m.list.list.Len(), m.list.win.height) })
	body := d.m.list.View()
	// Names keep their distinguishing end: no two rows look the same.
	seen := map[string]bool{}
	for _, l := range strings.Split(body, "\n")[1:] {
		row := strings.TrimSpace(strings.Trim(l, "›+●- "))
		if row == "" {
			continue
		}
		if seen[row] {
			t.Errorf("two rows read the same: %q\n%s", row, body)
		}
		seen[row] = true
	}
	wide := newDriver(t, Options{}, 160, 40)
	wide.start()
	wide.openList("po")
	for _, col := range []string{"NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"} {
		if !strings.Contains(strings.Split(wide.m.list.View(), "\n")[0], col) {
			t.Errorf("pod list header lacks %s:\n%s", col, wide.m.list.View())
		}
	}
	// Shift-letters sort: S sorts by size, at once; again reverses it.
	var sizeKey string
	for _, b := range wide.m.list.keys().Sorts {
		if b.Help().Desc == "sort by size" {
			sizeKey = b.Keys()[0]
		}
	}
	if sizeKey == "" {
		t.Fatalf("no sort by size in %v", wide.m.list.keys().Sorts)
	}
	sizes := func() []int {
		var out []int
		for _, it := range shownItems(wide.m.list.list) {
			out = append(out, it.Size)
		}
		return out
	}
	wide.key(sizeKey)
	if s := sizes(); !slices.IsSorted(s) {
		t.Errorf("sorted by size: %v", s)
	}
	wide.key(sizeKey)
	if s := sizes(); !slices.IsSortedFunc(s, func(a, b int) int { return b - a }) {
		t.Errorf("reversed: %v", s)
	}
	if !strings.Contains(wide.m.list.title(), "↓size") {
		t.Errorf("title does not say the order: %q", wide.m.list.title())
	}
	// A column that needs decoding sorts in the background; the result
	// is the order of fully decoded rows.
	for _, name := range []string{"AGE", "STATUS", "RESTARTS"} {
		sortByDecoded(t, wide, name)
	}
}

// sortByDecoded sorts the open list by column name (a decoded one) and
// checks the order against a brute-force sort of every row read and
// decoded whole: stable, from key order, by columns.Compare.
func sortByDecoded(t *testing.T, d *driver, name string) {
	t.Helper()
	l := &d.m.list
	col := l.table.Index(name)
	var letter string
	for i, b := range l.keys().Sorts {
		if l.sortCols[i] == col {
			letter = b.Keys()[0]
		}
	}
	if letter == "" {
		t.Fatalf("no sort key for %s", name)
	}
	d.key(letter)
	d.until("sorted by "+name, func(m *Model) bool { return !m.list.sorting() && m.list.sortCol == col })
	if !strings.Contains(d.m.list.title(), "↑"+strings.ToLower(name)) {
		t.Errorf("title does not say the order: %q", d.m.list.title())
	}
	checkDecodedOrder(t, d.m, col)
}

// checkDecodedOrder compares the list shown with its rows read and
// decoded whole, sorted by column col.
func checkDecodedOrder(t *testing.T, m *Model, col int) {
	t.Helper()
	l := &m.list
	shown := shownItems(l.list)
	now := m.c.now()
	want := make([]string, len(shown))
	cells := map[string]columns.Cell{}
	for i, it := range shown {
		want[i] = it.Key
		kv, err := src.Get(context.Background(), it.Key, 0)
		if err != nil {
			t.Fatal(err)
		}
		cells[it.Key] = l.table.Row(m.c.dec.Decode(kv.Key, kv.Value, kv.Meta()), now)[col]
	}
	slices.Sort(want)
	slices.SortStableFunc(want, func(a, b string) int { return columns.Compare(cells[a], cells[b]) })
	if l.desc { // ties stay in key order
		slices.SortStableFunc(want, func(a, b string) int { return columns.Compare(cells[b], cells[a]) })
	}
	for i, it := range shown {
		if it.Key != want[i] {
			t.Fatalf("row %d is %s (%q), want %s (%q)", i, it.Key, cells[it.Key].Text, want[i], cells[want[i]].Text)
		}
	}
}

// TestWatchCountsFollowABurst writes 3,000 configmaps in transactions of
// 50 (every event of one shares its revision) and deletes a third of them
// while the explorer watches the root with a kind list open: afterwards
// the tree's counts and the list equal a fresh listing.
func TestWatchCountsFollowABurst(t *testing.T) {
	ctx := context.Background()
	value := aConfigMap(t)
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	d.openLevel("/registry/configmaps/")
	d.selectKey("/registry/")
	d.watch()
	d.openList("cm")

	prefix := fmt.Sprintf("/registry/configmaps/burst-%d/", time.Now().UnixNano())
	var last int64
	for txn := range 60 {
		var ops []clientv3.Op
		for i := range 50 {
			ops = append(ops, clientv3.OpPut(fmt.Sprintf("%scm-%04d", prefix, txn*50+i), string(value.Value)))
		}
		if txn%3 == 2 { // and delete what an earlier transaction made
			for i := range 50 {
				ops = append(ops, clientv3.OpDelete(fmt.Sprintf("%scm-%04d", prefix, (txn-2)*50+i)))
			}
		}
		resp, err := client.Txn(ctx).Then(ops...).Commit()
		if err != nil {
			t.Fatal(err)
		}
		last = resp.Header.Revision
	}
	d.until("every event taken in", func(m *Model) bool { return m.st.rev >= last })
	for _, k := range []string{"/registry/", "/registry/configmaps/", prefix} {
		n := d.m.node(k)
		want, err := src.Count(ctx, k, last)
		if err != nil {
			t.Fatal(err)
		}
		if n == nil || n.Count != want {
			t.Errorf("%s: count %v, a fresh count says %d", k, n, want)
		}
	}
	want, err := src.Count(ctx, "/registry/configmaps/", last)
	if err != nil {
		t.Fatal(err)
	}
	d.until("the list's deletions swept", func(m *Model) bool { return int64(m.list.list.Len()) == want })
}

func TestCompactionWhileAHistoryIsOpen(t *testing.T) {
	ctx := context.Background()
	k := fmt.Sprintf("/registry/configmaps/tui-compact-history/h-%d", time.Now().UnixNano())
	var revs []int64
	for i := range 4 {
		resp, err := client.Put(ctx, k, fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","data":{"n":"%d"}}`, i))
		if err != nil {
			t.Fatal(err)
		}
		revs = append(revs, resp.Header.Revision)
	}
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	d.send(openKeyMsg{key: k, focus: true})
	d.until("the object", func(m *Model) bool { return m.obj.has })
	d.key("H")
	d.until("four revisions", func(m *Model) bool { return len(m.hist.revs) == 4 })
	if _, err := client.Compact(ctx, revs[2]); err != nil {
		t.Fatal(err)
	}
	d.until("the history re-read", func(m *Model) bool { return len(m.hist.revs) == 2 && !m.hist.loading })
	if !strings.Contains(d.m.View(), "etcd compacted up to rev") {
		t.Errorf("the user is not told:\n%s", d.m.View())
	}
	if got := d.m.hist.revs[len(d.m.hist.revs)-1].ModRevision; got != revs[2] {
		t.Errorf("oldest revision left %d, want %d (the compaction point)", got, revs[2])
	}
}

func TestExplorerAtAPastRevision(t *testing.T) {
	ctx := context.Background()
	k := fmt.Sprintf("/registry/configmaps/tui-rev/r-%d", time.Now().UnixNano())
	deleteAfter(t, "/registry/configmaps/tui-rev/")
	first, err := client.Put(ctx, k, `{"apiVersion":"v1","kind":"ConfigMap","data":{"v":"old"}}`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Put(ctx, k, `{"apiVersion":"v1","kind":"ConfigMap","data":{"v":"new"}}`); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Put(ctx, k+"-later", `{"apiVersion":"v1","kind":"ConfigMap"}`); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, Options{Rev: first.Header.Revision}, 120, 40)
	d.start()
	if h := d.m.headerView(); !strings.Contains(h, "at rev "+formatCount(first.Header.Revision)) {
		t.Errorf("header: %q", h)
	}
	d.send(openKeyMsg{key: k, focus: true})
	d.until("the object", func(m *Model) bool { return m.obj.has })
	if !strings.Contains(d.m.obj.r.plain, "v: old") {
		t.Errorf("the object is not as of the revision:\n%s", d.m.obj.r.plain)
	}
	d.key("esc") // back to the tree
	lvl := d.openLevel("/registry/configmaps/tui-rev/")
	if len(lvl.Children) != 1 {
		t.Errorf("the level as of the revision has %d keys, want 1 (the later one is not there yet)", len(lvl.Children))
	}
	if d.m.globalKeys().Watch.Enabled() {
		t.Error("w is offered on the past")
	}
}

func TestSeveralRootsAtTheTopOfTheTree(t *testing.T) {
	d := newDriver(t, Options{Roots: []string{"/registry", goldenRoot}}, 120, 40)
	d.init()
	golden, reg := d.m.node(goldenRoot+"/"), d.m.node("/registry/")
	d.until("both roots listed", func(m *Model) bool { return golden.Loaded && reg.Loaded })
	view := d.m.tree.View()
	if !strings.Contains(view, "▾ /registry/") || !strings.Contains(view, "▾ "+goldenRoot+"/") {
		t.Errorf("the tree does not show both roots:\n%s", view)
	}
	if _, ok := d.m.c.kindOf(goldenRoot + "/deployments/"); !ok {
		t.Error("no kind label under the second root")
	}
}

func TestDeletedViewBringsBackTheLastValue(t *testing.T) {
	ctx := context.Background()
	prefix := fmt.Sprintf("/registry/configmaps/tui-del-%d/", time.Now().UnixNano())
	k := prefix + "gone"
	if _, err := client.Put(ctx, k, `{"apiVersion":"v1","kind":"ConfigMap","data":{"keep":"me"}}`); err != nil {
		t.Fatal(err)
	}
	del, err := client.Delete(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	d.key(":")
	d.typeText("deleted " + prefix)
	d.key("enter")
	d.until("the deletions", func(m *Model) bool { return m.right == rightDeleted && !m.gone.running })
	if d.m.gone.err != nil || len(d.m.gone.found) != 1 || d.m.gone.found[0].Revision != del.Header.Revision {
		t.Fatalf("deleted: %v, %+v", d.m.gone.err, d.m.gone.found)
	}
	if !strings.Contains(d.m.View(), "gone") {
		t.Errorf("the deleted key is not on screen (win %+v, rows %d, cursor %d):\n%s", d.m.gone.win, len(d.m.gone.rows), d.m.gone.cursor, d.m.View())
	}
	d.key("enter")
	d.until("its last value", func(m *Model) bool { return m.obj.has && m.obj.key == k })
	if !strings.Contains(d.m.obj.r.plain, "keep: me") || !strings.Contains(d.m.View(), "as of rev "+formatCount(del.Header.Revision-1)) {
		t.Errorf("last value:\n%s", d.m.View())
	}
}

// TestListRefreshKeepsTheCursor lists a kind again (ctrl+r): the old
// list is let go while the new one is read, and the cursor comes back to
// the row it was on.
func TestListRefreshKeepsTheCursor(t *testing.T) {
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	d.openList("deploy")
	if d.m.list.list.Len() < 3 {
		t.Fatalf("%d deployments, want 3 or more", d.m.list.list.Len())
	}
	d.key("j", "j")
	want := d.m.list.selectedKey()
	d.key("ctrl+r")
	if !d.m.list.loading || d.m.list.list.Len() != 0 {
		t.Errorf("while listing again: loading %v, %d rows held", d.m.list.loading, d.m.list.list.Len())
	}
	d.until("listed again", func(m *Model) bool { return !m.list.loading })
	if got := d.m.list.selectedKey(); got != want || d.m.list.cursor != 2 {
		t.Errorf("after the refresh: %q at %d, want %q at 2", got, d.m.list.cursor, want)
	}
}

// TestListDecodedRowsStayBounded pages through a kind list of 10,000
// ConfigMaps to its end: the rows decoded for the screen are forgotten
// once off it, so the pane holds about keptCells of them, not one per
// object seen, and the rows on screen are decoded.
func TestListDecodedRowsStayBounded(t *testing.T) {
	seedBenchLevel(t)
	d := newDriver(t, Options{Root: "/benchkeys"}, 160, 50)
	d.start()
	d.openList("cm")
	onScreen := func(m *Model) bool {
		start, end := m.list.win.span(m.list.list.ShownLen())
		for i := start; i < end; i++ {
			if m.list.cells[m.list.list.At(i).Key] == nil {
				return false
			}
		}
		return true
	}
	most := 0
	for d.m.list.cursor < d.m.list.list.ShownLen()-1 {
		d.key("pgdown")
		d.until("the rows on screen decoded", onScreen)
		most = max(most, len(d.m.list.cells), len(d.m.list.asked))
	}
	if bound := 2*keptCells + 2*d.m.list.win.height; most > bound || most < keptCells {
		t.Errorf("the pane held up to %d decoded rows of %d, want between %d and %d", most, d.m.list.list.Len(), keptCells, bound)
	}
}

// TestListSortByAgeFollowsTheWatchAndStops sorts a watched ConfigMap
// list by AGE with rows created before the sort and after it: each sorts
// by its own creation time, as a brute-force sort of the rows decoded
// whole says, and again reversed. esc stops a sort under way: the list
// keeps its order and stays, and the late result is dropped.
func TestListSortByAgeFollowsTheWatchAndStops(t *testing.T) {
	ctx := context.Background()
	d := newDriver(t, Options{}, 160, 40)
	d.start()
	d.selectKey("/registry/")
	d.watch()
	d.openList("cm")
	ns := fmt.Sprintf("agesort-%d", time.Now().UnixNano())
	deleteAfter(t, "/registry/configmaps/"+ns+"/")
	create := func(name string, created time.Time) {
		v := fmt.Sprintf(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":%q,"namespace":%q,"creationTimestamp":%q}}`, name, ns, created.UTC().Format(time.RFC3339))
		resp, err := client.Put(ctx, "/registry/configmaps/"+ns+"/"+name, v)
		if err != nil {
			t.Fatal(err)
		}
		d.until("the put seen", func(m *Model) bool { return m.st.rev >= resp.Header.Revision })
	}
	create("before-new", time.Now())
	create("before-old", time.Unix(1000, 0))

	// esc stops the sort under way.
	byName := itemKeys(shownItems(d.m.list.list))
	d.key("A")
	if !d.m.list.sorting() || !strings.Contains(d.m.list.title(), "sorting by age") {
		t.Fatalf("no sort under way: %q", d.m.list.title())
	}
	d.key("esc")
	if d.m.list.sorting() || d.m.list.sortCol != -1 || d.m.left != leftList {
		t.Fatalf("esc did not stop the sort alone: sorting %v, column %d, left %v", d.m.list.sorting(), d.m.list.sortCol, d.m.left)
	}
	d.until("the stopped sort's reply", func(m *Model) bool {
		return slices.ContainsFunc(d.seen, func(msg tea.Msg) bool { _, ok := msg.(listSortMsg); return ok })
	})
	if got := itemKeys(shownItems(d.m.list.list)); d.m.list.sortCol != -1 || !slices.Equal(got, byName) {
		t.Fatalf("a stopped sort changed the list")
	}

	age := d.m.list.table.Index("AGE")
	sortByDecoded(t, d, "AGE")
	create("after-new", time.Now().Add(time.Hour))
	create("after-old", time.Unix(0, 0))
	checkDecodedOrder(t, d.m, age)
	if got := shownItems(d.m.list.list); got[0].Name != "after-new" {
		t.Errorf("the youngest row is %s, want after-new", got[0].Key)
	}
	d.key("A")
	if !d.m.list.desc || d.m.list.sorting() {
		t.Fatalf("A again does not reverse at once")
	}
	checkDecodedOrder(t, d.m, age)
}

// TestWatchCatchesAnOpenListUp: w over a kind list listed a moment ago
// follows from the list's revision instead of listing it again; a change
// between the listing and w reaches the list but is neither logged nor
// counted as live, one after w is both.
func TestWatchCatchesAnOpenListUp(t *testing.T) {
	ctx := context.Background()
	value := aConfigMap(t)
	d := newDriver(t, Options{}, 120, 40)
	d.start()
	d.openList("cm")
	before := d.m.list.list.Len()
	stamp := time.Now().UnixNano()
	earlier := fmt.Sprintf("/registry/configmaps/tui-catchup/cm-a-%d", stamp)
	later := fmt.Sprintf("/registry/configmaps/tui-catchup/cm-b-%d", stamp)
	t.Cleanup(func() { client.Delete(ctx, earlier); client.Delete(ctx, later) })
	if _, err := client.Put(ctx, earlier, string(value.Value)); err != nil {
		t.Fatal(err)
	}
	d.watch()
	if d.m.w.live == 0 || d.m.list.loading {
		t.Fatalf("w listed again (live %d, loading %v): want it to catch the list up", d.m.w.live, d.m.list.loading)
	}
	d.until("the earlier change", func(m *Model) bool { _, ok := m.list.list.Item(earlier); return ok })
	if _, err := client.Put(ctx, later, string(value.Value)); err != nil {
		t.Fatal(err)
	}
	d.until("the later change", func(m *Model) bool { _, ok := m.list.list.Item(later); return ok })
	if d.m.list.list.Len() != before+2 {
		t.Errorf("%d rows, want %d", d.m.list.list.Len(), before+2)
	}
	logged := map[string]bool{}
	for i := range d.m.events.rows {
		logged[d.m.events.rows[i].key] = true
	}
	if logged[earlier] || !logged[later] || d.m.w.taken != 1 {
		t.Errorf("logged earlier %v, later %v; %d taken in: want only the later one", logged[earlier], logged[later], d.m.w.taken)
	}
}

// aConfigMap is a ConfigMap's stored value, to write more of.
func aConfigMap(t *testing.T) etcdsrc.KeyValue {
	t.Helper()
	value, err := src.Get(context.Background(), firstKey(t, "/registry/configmaps/"), 0)
	if err != nil {
		t.Fatal(err)
	}
	return value
}
