package main

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	r := etcdscope(t, "", "version").mustSucceed(t)
	if !strings.HasPrefix(r.stdout, "etcdscope ") {
		t.Fatalf("version: %q", r.stdout)
	}
}

// TestDemoServe runs `demo --serve` as a user would: once it prints its
// endpoint, etcdscope pointed there lists the seeded cluster and reads an
// encrypted Secret with the printed config; ctrl-c ends it with exit 0 and
// its directory is gone.
func TestDemoServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &syncBuffer{}
	done := make(chan result, 1)
	go func() { done <- etcdscopeCtx(t, ctx, "", out, "demo", "--serve") }()
	waitFor(t, "the demo's endpoint", func() bool { return strings.Contains(out.String(), "Ctrl-C") })

	endpoint := regexp.MustCompile(`export ETCDCTL_ENDPOINTS=(\S+)`).FindStringSubmatch(out.String())
	config := regexp.MustCompile(`--encryption-config (\S+)`).FindStringSubmatch(out.String())
	if endpoint == nil || config == nil {
		t.Fatalf("demo --serve printed no endpoint or config:\n%s", out.String())
	}
	env := map[string]string{"ETCDCTL_ENDPOINTS": endpoint[1]}
	run := func(args ...string) result {
		var stdout, stderr syncBuffer
		code := execute(context.Background(), args, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
		return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
	}

	ls := run("ls", "/registry", "-o", "json").mustSucceed(t)
	var entries []lsEntry
	if err := json.Unmarshal([]byte(ls.stdout), &entries); err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name] = true
	}
	for _, want := range []string{"pods", "deployments", "secrets", "minions", "events"} {
		if !names[want] {
			t.Errorf("the demo has no /registry/%s/", want)
		}
	}

	secrets := run("get", "--prefix", "/registry/secrets/shop", "-o", "records").mustSucceed(t)
	line := strings.SplitN(secrets.stdout, "\n", 2)[0]
	if !strings.Contains(line, `"encoding":"encrypted"`) || !strings.Contains(line, `"provider":"aescbc"`) {
		t.Fatalf("a demo Secret without the demo config should stay encrypted: %s", line)
	}
	decrypted := run("--encryption-config", config[1], "get", "--prefix", "/registry/secrets/shop", "-o", "records").mustSucceed(t)
	line = strings.SplitN(decrypted.stdout, "\n", 2)[0]
	if !strings.Contains(line, `"decrypted":true`) || !strings.Contains(line, `"kind":"Secret"`) {
		t.Fatalf("the demo config does not decrypt its Secrets: %s", line)
	}

	// The demo seeds what stats looks for.
	st := run("stats", "-o", "json").mustSucceed(t)
	var res struct {
		Orphans struct {
			NamespaceGone, CRDGone, OwnerGone []any
		}
		Terminating []any
	}
	if err := json.Unmarshal([]byte(st.stdout), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Orphans.NamespaceGone) == 0 || len(res.Orphans.CRDGone) == 0 || len(res.Orphans.OwnerGone) == 0 || len(res.Terminating) == 0 {
		t.Errorf("stats finds nothing in the demo: %s", st.stdout)
	}

	cancel()
	r := <-done
	if r.code != 0 {
		t.Fatalf("demo --serve ended with %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(config[1]); !os.IsNotExist(err) {
		t.Fatalf("the demo left its directory behind: %v", err)
	}
}
