package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/encryption"
	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/etcdsrc/demo"
	"github.com/etcdscope/etcdscope/etcdsrc/embedded"
	"github.com/etcdscope/etcdscope/tui"
)

func newDemoCmd(a *app) *cobra.Command {
	var (
		serve    bool
		members  int
		interval time.Duration
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run etcdscope on an embedded etcd filled with a realistic cluster",
		Long: "demo starts an etcd on loopback in a temporary directory, fills it with a\n" +
			"synthetic Kubernetes cluster written the way kube-apiserver writes it\n" +
			"(protobuf, JSON and CBOR objects, secrets encrypted with a demo key), keeps\n" +
			"it alive (leases renew, pods come and go, events are written) and opens\n" +
			"the explorer on it. With --serve it runs headless and prints the endpoint,\n" +
			"so etcdscope, etcdctl or anything else can be pointed at it. Ctrl-C stops\n" +
			"it and removes its directory.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(cmd.Context(), a, serve, members, interval)
		},
	}
	cmd.Flags().BoolVar(&serve, "serve", false, "run headless and print the endpoint instead of opening the explorer")
	cmd.Flags().IntVar(&members, "members", 1, "cluster size: 1 or 3")
	cmd.Flags().DurationVar(&interval, "interval", 2*time.Second, "how often the demo cluster changes")
	return cmd
}

func runDemo(ctx context.Context, a *app, serve bool, members int, interval time.Duration) (err error) {
	if members != 1 && members != 3 {
		return fmt.Errorf("--members must be 1 or 3, not %d", members)
	}
	dir, err := os.MkdirTemp("", "etcdscope-demo-")
	if err != nil {
		return fmt.Errorf("create demo directory: %w", err)
	}
	defer os.RemoveAll(dir)

	cluster, err := embedded.Start(ctx, embedded.Options{Members: members, Dir: filepath.Join(dir, "etcd")})
	if err != nil {
		return fmt.Errorf("start embedded etcd: %w", err)
	}
	defer cluster.Stop()
	client, err := cluster.Client()
	if err != nil {
		return fmt.Errorf("connect to embedded etcd: %w", err)
	}
	defer client.Close()

	encConfigPath := filepath.Join(dir, "encryption-config.yaml")
	enc, err := encryption.WriteDemoConfig(encConfigPath, []string{"secrets"})
	if err != nil {
		return fmt.Errorf("write demo encryption config: %w", err)
	}
	opts := demo.Options{Root: decode.DefaultRoot, Encrypter: enc, Now: time.Now(), Leftovers: true}
	if serve {
		fmt.Fprintln(a.errOut, "etcdscope: seeding the demo cluster…")
	}
	summary, err := demo.Seed(ctx, client, opts)
	if err != nil {
		return fmt.Errorf("seed demo cluster: %w", err)
	}

	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	runErr := make(chan error, 1)
	go func() { runErr <- demo.Run(runCtx, client, opts, interval) }()

	endpoints := strings.Join(cluster.Endpoints(), ",")
	if serve {
		fmt.Fprintf(a.out, "etcd endpoint:      %s\n", endpoints)
		fmt.Fprintf(a.out, "encryption config:  %s\n", encConfigPath)
		fmt.Fprintf(a.out, "seeded:             %d keys\n\n", summary.Keys)
		fmt.Fprintf(a.out, "export ETCDCTL_ENDPOINTS=%s\n", endpoints)
		fmt.Fprintf(a.out, "etcdscope --encryption-config %s\n\n", encConfigPath)
		fmt.Fprintln(a.out, "Ctrl-C stops the demo and removes its data.")
		select {
		case <-ctx.Done():
			return nil
		case err := <-runErr:
			return err
		}
	}

	src := etcdsrc.NewLiveFromClient(client, etcdsrc.Config{Endpoints: cluster.Endpoints(), CommandTimeout: 5 * time.Second})
	dec := decode.NewDecoder(decode.WithDecrypter(enc))
	debug, closeDebug, err := openDebugLog(a.src.debugLog)
	if err != nil {
		return err
	}
	defer closeDebug()
	err = runExplorer(runCtx, tui.Options{Source: src, Decoder: dec, Root: decode.DefaultRoot, Title: "demo " + endpoints, Debug: debug})
	stopRun()
	if rerr := <-runErr; rerr != nil && !errors.Is(rerr, context.Canceled) && err == nil {
		err = rerr
	}
	return err
}
