package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode/fixture"
)

// servedObject is what the fixture says the API server served for a key.
type servedObject struct {
	key       string
	kind      string
	name      string
	namespace string
	labels    map[string]string
	phase     string
}

// servedUnder returns the fixture's served objects under prefix, in key order.
func servedUnder(t *testing.T, prefix string) []servedObject {
	t.Helper()
	exp, err := fixture.ExpectedObjects()
	if err != nil {
		t.Fatal(err)
	}
	var out []servedObject
	for _, e := range exp {
		if !strings.HasPrefix(e.Key, prefix) {
			continue
		}
		var o struct {
			Metadata struct {
				Name, Namespace string
				Labels          map[string]string
			}
			Status struct{ Phase string }
		}
		if err := json.Unmarshal(e.Object, &o); err != nil {
			t.Fatalf("%s: %v", e.Key, err)
		}
		out = append(out, servedObject{key: e.Key, kind: e.Kind, name: o.Metadata.Name, namespace: o.Metadata.Namespace, labels: o.Metadata.Labels, phase: o.Status.Phase})
	}
	slices.SortFunc(out, func(a, b servedObject) int { return strings.Compare(a.key, b.key) })
	if len(out) == 0 {
		t.Fatalf("the fixture serves nothing under %s", prefix)
	}
	return out
}

// lines splits output into its lines.
func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// names are kubectl's -o name of objects: the given resource, slash, name.
func names(resource string, objs []servedObject, keep func(servedObject) bool) []string {
	var out []string
	for _, o := range objs {
		if keep == nil || keep(o) {
			out = append(out, resource+"/"+o.name)
		}
	}
	return out
}

func TestReadableGetHidesManagedFields(t *testing.T) {
	plain := etcdscope(t, "", "get", podKey).mustSucceed(t)
	if strings.Contains(plain.stdout, "managedFields:\n") || !strings.Contains(plain.stdout, "# managedFields: 1 entry folded") {
		t.Fatalf("readable get shows managedFields:\n%s", plain.stdout)
	}
	shown := etcdscope(t, "", "get", podKey, "--show-managed-fields").mustSucceed(t)
	if !strings.Contains(shown.stdout, "  managedFields:\n") {
		t.Fatalf("--show-managed-fields hides them:\n%s", shown.stdout)
	}
	for _, form := range []string{"yaml", "json", "records"} {
		r := etcdscope(t, "", "get", podKey, "-o", form).mustSucceed(t)
		if !strings.Contains(r.stdout, "managedFields") {
			t.Errorf("-o %s drops managedFields, which are stored", form)
		}
	}
	prefix := etcdscope(t, "", "get", "--prefix", "/registry/deployments/shop").mustSucceed(t)
	if strings.Contains(prefix.stdout, "managedFields:\n") || !strings.Contains(prefix.stdout, "entries folded") && !strings.Contains(prefix.stdout, "entry folded") {
		t.Fatalf("readable get --prefix shows managedFields:\n%s", prefix.stdout)
	}
}

func TestOutputName(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		resource string
		prefix   string
	}{
		{"find of a group's kind", []string{"find", "deploy", "-A"}, "deployment.apps", "/registry/deployments/"},
		{"find of a core kind in one namespace", []string{"find", "po", "-n", "shop"}, "pod", "/registry/pods/shop/"},
		{"find of a custom resource", []string{"find", "foos.cr.bar.com"}, "foo.cr.bar.com", "/registry/cr.bar.com/foos/"},
		{"get --prefix", []string{"get", "--prefix", "/registry/pods/payments"}, "pod", "/registry/pods/payments/"},
		{"still encrypted: named from the key", []string{"get", "--prefix", "/registry/secrets/"}, "secret", "/registry/secrets/"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := etcdscope(t, "", append(c.args, "-o", "name")...).mustSucceed(t)
			want := names(c.resource, servedUnder(t, c.prefix), nil)
			if got := lines(r.stdout); !slices.Equal(got, want) {
				t.Fatalf("-o name:\n%s\nwant:\n%s", r.stdout, strings.Join(want, "\n"))
			}
		})
	}
	t.Run("not with get KEY", func(t *testing.T) {
		etcdscope(t, "", "get", podKey, "-o", "name").mustFail(t, "unknown output format")
	})
	t.Run("values that are not objects are counted", func(t *testing.T) {
		r := etcdscope(t, "", "get", "--prefix", "/test/history/", "-o", "name").mustSucceed(t)
		if r.stdout != "" || !strings.Contains(r.stderr, "1 value(s) are not Kubernetes objects") {
			t.Fatalf("stdout %q stderr %q", r.stdout, r.stderr)
		}
	})
}

func TestSelectors(t *testing.T) {
	pods := servedUnder(t, "/registry/pods/")
	cases := []struct {
		name string
		args []string
		keep func(servedObject) bool
	}{
		{"equality", []string{"-l", "app=web"}, func(o servedObject) bool { return o.labels["app"] == "web" }},
		{"set and absence", []string{"-l", "app in (db,web),!pod-template-hash"}, func(o servedObject) bool {
			_, hashed := o.labels["pod-template-hash"]
			return (o.labels["app"] == "db" || o.labels["app"] == "web") && !hashed
		}},
		{"inequality matches objects without the label", []string{"-l", "app!=web"}, func(o servedObject) bool { return o.labels["app"] != "web" }},
		{"namespace and name", []string{"--field-selector", "metadata.namespace=shop,metadata.name!=db-0"}, func(o servedObject) bool { return o.namespace == "shop" && o.name != "db-0" }},
		{"phase", []string{"--field-selector", "status.phase=Pending", "-l", "app=db"}, func(o servedObject) bool { return o.phase == "Pending" && o.labels["app"] == "db" }},
		{"phase that no pod has", []string{"--field-selector", "status.phase==Running"}, func(o servedObject) bool { return o.phase == "Running" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := names("pod", pods, c.keep)
			for _, verb := range [][]string{{"find", "pods"}, {"get", "--prefix", "/registry/pods/"}} {
				r := etcdscope(t, "", append(append(verb, c.args...), "-o", "name")...).mustSucceed(t)
				if got := lines(r.stdout); !slices.Equal(got, want) {
					t.Fatalf("%v %v:\n%s\nwant:\n%s", verb, c.args, r.stdout, strings.Join(want, "\n"))
				}
			}
		})
	}
	t.Run("records and the table select the same", func(t *testing.T) {
		want := len(names("pod", pods, cases[0].keep))
		rec := etcdscope(t, "", "find", "po", "-l", "app=web", "-o", "records").mustSucceed(t)
		if n := len(lines(rec.stdout)); n != want {
			t.Fatalf("%d records, want %d", n, want)
		}
		table := etcdscope(t, "", "find", "po", "-l", "app=web").mustSucceed(t)
		if n := len(lines(table.stdout)) - 1; n != want {
			t.Fatalf("%d rows, want %d:\n%s", n, want, table.stdout)
		}
	})
	t.Run("namespaces have a phase", func(t *testing.T) {
		r := etcdscope(t, "", "find", "ns", "--field-selector", "status.phase=Active", "-o", "name").mustSucceed(t)
		if want := names("namespace", servedUnder(t, "/registry/namespaces/"), nil); !slices.Equal(lines(r.stdout), want) {
			t.Fatalf("namespaces by phase:\n%s", r.stdout)
		}
	})
	t.Run("still encrypted values match nothing and are counted", func(t *testing.T) {
		r := etcdscope(t, "", "find", "secrets", "-l", "x!=y", "-o", "name").mustSucceed(t)
		if r.stdout != "" || !strings.Contains(r.stderr, "10 value(s) could not be read as objects") {
			t.Fatalf("stdout %q stderr %q", r.stdout, r.stderr)
		}
	})
	errs := []struct {
		name string
		args []string
		want string
	}{
		{"bad label syntax", []string{"find", "po", "-l", "app=(web"}, "-l"},
		{"a field etcdscope does not select on", []string{"find", "po", "--field-selector", "spec.nodeName=n1"}, `"spec.nodeName" is not a field etcdscope selects on`},
		{"phase of a kind without one", []string{"find", "deploy", "--field-selector", "status.phase=Running"}, "deployments.apps have no status.phase"},
		{"phase under a prefix of several kinds", []string{"get", "--prefix", "/registry/", "--field-selector", "status.phase=Running"}, "objects of one kind"},
		{"selectors need --prefix", []string{"get", podKey, "-l", "app=web"}, "--selector reads many keys"},
	}
	for _, c := range errs {
		t.Run(c.name, func(t *testing.T) {
			etcdscope(t, "", c.args...).mustFail(t, c.want)
		})
	}
}

func TestKeysOnlyAndLimit(t *testing.T) {
	served := servedUnder(t, "/registry/configmaps/")
	var keys []string
	for _, o := range served {
		keys = append(keys, o.key)
	}
	r := etcdscope(t, "", "get", "--prefix", "/registry/configmaps", "--keys-only").mustSucceed(t)
	if !slices.Equal(lines(r.stdout), keys) {
		t.Fatalf("--keys-only:\n%s", r.stdout)
	}
	limited := etcdscope(t, "", "get", "--prefix", "/registry/configmaps", "--keys-only", "--limit", "3").mustSucceed(t)
	if !slices.Equal(lines(limited.stdout), keys[:3]) || !strings.Contains(limited.stderr, "stopped at --limit 3") {
		t.Fatalf("--limit 3: %q, stderr %q", limited.stdout, limited.stderr)
	}
	all := etcdscope(t, "", "get", "--prefix", "/registry/configmaps", "--keys-only", "--limit", "1000").mustSucceed(t)
	if len(lines(all.stdout)) != len(keys) || all.stderr != "" {
		t.Fatalf("a limit above the count: %d keys, stderr %q", len(lines(all.stdout)), all.stderr)
	}
	list := etcdscope(t, "", "get", "--prefix", "/registry/configmaps", "--limit", "2", "-o", "json").mustSucceed(t)
	if items := jsonValue(t, list.stdout).(map[string]any)["items"].([]any); len(items) != 2 {
		t.Fatalf("--limit 2 -o json: %d items", len(items))
	}
	selected := etcdscope(t, "", "get", "--prefix", "/registry/pods", "--keys-only", "-l", "app=web", "--limit", "2").mustSucceed(t)
	var web []string
	for _, o := range servedUnder(t, "/registry/pods/") {
		if o.labels["app"] == "web" {
			web = append(web, o.key)
		}
	}
	if !slices.Equal(lines(selected.stdout), web[:2]) {
		t.Fatalf("--keys-only -l app=web --limit 2:\n%s", selected.stdout)
	}
	etcdscope(t, "", "get", "--prefix", "/registry/configmaps", "--keys-only", "-o", "json").mustFail(t, "--keys-only")
	etcdscope(t, "", "get", "--prefix", "/registry/configmaps", "--limit", "-1").mustFail(t, "--limit")
	etcdscope(t, "", "get", podKey, "--keys-only").mustFail(t, "--prefix")
}
