package tui

import (
	"bytes"
	"context"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/etcdscope/etcdscope/etcdsrc"
)

// Flows run the real program (New, as cmd does) on a virtual terminal and
// wait for text on screen.

func startFlow(t *testing.T, opts Options) *teatest.TestModel {
	t.Helper()
	if opts.Source == nil {
		opts.Source = src
	}
	tm := teatest.NewTestModel(t, New(opts), teatest.WithInitialTermSize(120, 40))
	t.Cleanup(func() {
		tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
		tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
	})
	return tm
}

func waitText(t *testing.T, tm *teatest.TestModel, texts ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, s := range texts {
			if !bytes.Contains(b, []byte(s)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(20*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

func typeKeys(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		tm.Send(keyMsg(k))
	}
}

func TestFlowTreeToDeploymentYAML(t *testing.T) {
	tm := startFlow(t, Options{})
	waitText(t, tm, "deployments/", "apps/v1 Deployment")
	typeKeys(tm, "/")
	tm.Type("deploym")
	typeKeys(tm, "enter", "j", "l")
	waitText(t, tm, "auth/", "shop/")
	typeKeys(tm, "j", "l")
	waitText(t, tm, "audit-api", "user-api")
	typeKeys(tm, "j", "enter")
	waitText(t, tm, "kind: Deployment", "apiVersion: apps/v1", "protobuf", "name: audit-api")
}

func TestFlowKindListAllNamespaces(t *testing.T) {
	tm := startFlow(t, Options{})
	waitText(t, tm, "deployments/")
	typeKeys(tm, ":")
	tm.Type("deploy")
	typeKeys(tm, "enter")
	waitText(t, tm, ":deployments (all namespaces)", "NAMESPACE", "auth", "audit-api", "coredns")
	typeKeys(tm, "enter")
	waitText(t, tm, "kind: Deployment")
}

func TestFlowPodsOfANamespace(t *testing.T) {
	tm := startFlow(t, Options{})
	waitText(t, tm, "pods/")
	typeKeys(tm, ":")
	tm.Type("po kube-system")
	typeKeys(tm, "enter")
	waitText(t, tm, ":pods (kube-system)", "coredns")
}

func TestFlowWatchPutAndDelete(t *testing.T) {
	ctx := context.Background()
	tm := startFlow(t, Options{})
	waitText(t, tm, "configmaps/")
	typeKeys(tm, "/")
	tm.Type("configm")
	typeKeys(tm, "enter", "j", "l")
	waitText(t, tm, "auth/", "shop/")
	typeKeys(tm, "w")
	waitText(t, tm, "events /registry/configmaps/", "watching")

	value, err := src.Get(ctx, firstKey(t, "/registry/configmaps/"), 0)
	if err != nil {
		t.Fatal(err)
	}
	k := "/registry/configmaps/tui-flow/settings"
	if _, err := client.Put(ctx, k, string(value.Value)); err != nil {
		t.Fatal(err)
	}
	waitText(t, tm, "tui-flow/", "+ new", "PUT", k)
	if _, err := client.Delete(ctx, k); err != nil {
		t.Fatal(err)
	}
	waitText(t, tm, "DELETE", "- del")
}

func TestFlowUnreachableEndpoint(t *testing.T) {
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{"127.0.0.1:1"}, DialTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	dead := etcdsrc.NewLiveFromClient(cli, etcdsrc.Config{CommandTimeout: time.Second})
	tm := startFlow(t, Options{Source: dead, Title: "127.0.0.1:1"})
	waitText(t, tm, "127.0.0.1:1", "unreachable", "no etcd member answers")
	typeKeys(tm, "j", "?")
	waitText(t, tm, "help")
}
