package main

import (
	"slices"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode/fixture"
)

// findTable reads find's readable table back: the headers, and each row
// as header -> cell. Columns start where their headers start (tabwriter
// pads every column to one width), so empty cells and headers with spaces
// ("ACCESS MODES") read right.
func findTable(t *testing.T, out string) ([]string, []map[string]string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatalf("no table: %q", out)
	}
	head := lines[0]
	var names []string
	var starts []int
	for _, f := range strings.Split(head, "  ") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		from := 0
		if len(starts) > 0 {
			from = starts[len(starts)-1] + len(names[len(names)-1])
		}
		starts = append(starts, from+strings.Index(head[from:], f))
		names = append(names, f)
	}
	var rows []map[string]string
	for _, l := range lines[1:] {
		r := map[string]string{}
		for i, name := range names {
			end := len(l)
			if i+1 < len(starts) {
				end = min(starts[i+1], len(l))
			}
			if starts[i] < end {
				r[name] = strings.TrimSpace(l[starts[i]:end])
			} else {
				r[name] = ""
			}
		}
		rows = append(rows, r)
	}
	return names, rows
}

// findRow returns the row whose NAME (and NAMESPACE, when given) match.
func findRow(t *testing.T, rows []map[string]string, ns, name string) map[string]string {
	t.Helper()
	for _, r := range rows {
		if r["NAME"] == name && (ns == "" || r["NAMESPACE"] == ns) {
			return r
		}
	}
	t.Fatalf("no row %s/%s in %v", ns, name, rows)
	return nil
}

func TestFindTableColumns(t *testing.T) {
	t.Run("pods in all namespaces", func(t *testing.T) {
		r := etcdscope(t, "", "find", "po").mustSucceed(t)
		heads, rows := findTable(t, r.stdout)
		// kubectl's pod columns (IP is -o wide), then SIZE and AGE.
		if want := []string{"NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "NODE", "SIZE", "AGE"}; !slices.Equal(heads, want) {
			t.Fatalf("headers %v, want %v", heads, want)
		}
		if len(rows) != 23 {
			t.Errorf("%d pods, want 23", len(rows))
		}
		// A pod no kubelet ran: Pending, no container ready.
		p := findRow(t, rows, "shop", "web-6bbcb4d55f-5z72c")
		for h, w := range map[string]string{"READY": "0/1", "STATUS": "Pending", "RESTARTS": "0", "NODE": "<none>", "SIZE": "2.4 KiB"} {
			if p[h] != w {
				t.Errorf("%s = %q, want %q", h, p[h], w)
			}
		}
		if p["AGE"] == "" || p["AGE"] == "<unknown>" {
			t.Errorf("AGE %q", p["AGE"])
		}
	})
	t.Run("one namespace has no NAMESPACE column", func(t *testing.T) {
		r := etcdscope(t, "", "find", "deploy", "-n", "shop").mustSucceed(t)
		heads, rows := findTable(t, r.stdout)
		if want := []string{"NAME", "READY", "UP-TO-DATE", "AVAILABLE", "SIZE", "AGE"}; !slices.Equal(heads, want) {
			t.Fatalf("headers %v, want %v", heads, want)
		}
		if len(rows) != 1 {
			t.Fatalf("rows %v", rows)
		}
		d := findRow(t, rows, "", "web")
		if d["READY"] != "0/6" || d["UP-TO-DATE"] != "6" || d["AVAILABLE"] != "0" {
			t.Errorf("deployment row %v", d)
		}
	})
	t.Run("secrets still encrypted", func(t *testing.T) {
		r := etcdscope(t, "", "find", "secret", "-n", "shop").mustSucceed(t)
		heads, rows := findTable(t, r.stdout)
		if want := []string{"NAME", "TYPE", "DATA", "ENCRYPTION", "SIZE", "AGE"}; !slices.Equal(heads, want) {
			t.Fatalf("headers %v, want %v", heads, want)
		}
		s := findRow(t, rows, "", "db-credentials")
		if s["TYPE"] != "<encrypted>" || s["DATA"] != "" || s["ENCRYPTION"] != "aescbc:key1" {
			t.Errorf("secret row %v", s)
		}
	})
	t.Run("secrets decrypted", func(t *testing.T) {
		r := etcdscope(t, "", "--encryption-config", fixture.EncryptionConfigPath(), "find", "secret", "-A").mustSucceed(t)
		_, rows := findTable(t, r.stdout)
		if len(rows) != 10 {
			t.Errorf("%d secrets, want 10", len(rows))
		}
		s := findRow(t, rows, "monitoring", "web-tls")
		if s["TYPE"] != "kubernetes.io/tls" || s["DATA"] != "2" || s["ENCRYPTION"] != "aescbc:key1" {
			t.Errorf("secret row %v", s)
		}
	})
	t.Run("cluster-scoped", func(t *testing.T) {
		r := etcdscope(t, "", "find", "nodes").mustSucceed(t)
		heads, rows := findTable(t, r.stdout)
		if want := []string{"NAME", "STATUS", "ROLES", "VERSION", "SIZE", "AGE"}; !slices.Equal(heads, want) {
			t.Fatalf("headers %v, want %v", heads, want)
		}
		if n := findRow(t, rows, "", "node1"); n["STATUS"] != "Unknown,SchedulingDisabled" || n["ROLES"] != "<none>" {
			t.Errorf("node row %v", n)
		}
	})
	t.Run("custom resources without printer columns", func(t *testing.T) {
		r := etcdscope(t, "", "find", "foos.cr.bar.com").mustSucceed(t)
		heads, rows := findTable(t, r.stdout)
		if want := []string{"NAMESPACE", "NAME", "SIZE", "AGE"}; !slices.Equal(heads, want) {
			t.Fatalf("headers %v, want %v", heads, want)
		}
		if len(rows) != 6 {
			t.Errorf("%d foos, want 6", len(rows))
		}
	})
	t.Run("name prefix", func(t *testing.T) {
		r := etcdscope(t, "", "find", "pvc", "data-").mustSucceed(t)
		heads, rows := findTable(t, r.stdout)
		if !slices.Contains(heads, "ACCESS MODES") || len(rows) != 3 {
			t.Fatalf("headers %v, rows %v", heads, rows)
		}
		if p := findRow(t, rows, "payments", "data-db-0"); p["STATUS"] != "Pending" || p["STORAGECLASS"] != "lab-standard" || p["CAPACITY"] != "" {
			t.Errorf("pvc row %v", p)
		}
	})
	t.Run("events keep one line each", func(t *testing.T) {
		r := etcdscope(t, "", "find", "events", "-n", "coverage").mustSucceed(t)
		_, rows := findTable(t, r.stdout)
		e := findRow(t, rows, "", "hpa2.18eb2de49c0c9ec7")
		if e["TYPE"] != "Warning" || e["REASON"] != "FailedGetScale" || e["OBJECT"] != "horizontalpodautoscaler/hpa2" {
			t.Errorf("event row %v", e)
		}
	})
}
