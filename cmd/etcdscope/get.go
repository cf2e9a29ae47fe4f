package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

func newGetCmd(a *app) *cobra.Command {
	var (
		output string
		rev    int64
		prefix bool
		export bool
	)
	cmd := &cobra.Command{
		Use:   "get KEY | get --prefix PREFIX",
		Short: "Print the decoded object stored under a key, or under every key of a prefix",
		Long: "get prints a key's value decoded, at the current revision or at --rev.\n" +
			"With --prefix it streams every key under a prefix. --export strips what a\n" +
			"re-create must not carry (resourceVersion, uid, creationTimestamp,\n" +
			"managedFields, generation, status), ready for `kubectl create -f`.",
		Example: "  etcdscope get /registry/deployments/shop/web\n" +
			"  etcdscope get /registry/configmaps/shop/app-config --rev 120 -o json\n" +
			"  etcdscope get --prefix /registry/secrets/shop -o records",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var allowed []outputFormat
			if prefix {
				allowed = []outputFormat{outputYAML, outputJSON, outputRecords}
			} else {
				allowed = []outputFormat{outputYAML, outputJSON, outputRecords, outputRaw}
			}
			format, err := parseOutput(output, allowed...)
			if err != nil {
				return err
			}
			key := decode.UnescapeKey(args[0])
			return a.withSession(cmd, func(ctx context.Context, s *session) error {
				if prefix {
					return getPrefix(ctx, a, s, dirPrefix(key), rev, format, export)
				}
				return getKey(ctx, a, s, key, rev, format, export)
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: yaml, json, records, raw (default: readable)")
	cmd.Flags().Int64Var(&rev, "rev", 0, "read at this revision (default: the current one)")
	cmd.Flags().BoolVar(&prefix, "prefix", false, "get every key under the prefix")
	cmd.Flags().BoolVar(&export, "export", false, "strip server-set fields, ready for kubectl create -f")
	return cmd
}

func getKey(ctx context.Context, a *app, s *session, key string, rev int64, format outputFormat, export bool) error {
	kv, err := s.src.Get(ctx, key, rev)
	if err != nil {
		return err
	}
	v := s.decoder.Decode(kv.Key, kv.Value, kv.Meta())
	if export && v.IsObject() {
		if v.Object, err = decode.Export(v.Object); err != nil {
			return fmt.Errorf("export %s: %w", decode.EscapeKey(key), err)
		}
	}
	if err := writeValue(a.out, v, format); err != nil {
		return err
	}
	return valueError(v)
}

func getPrefix(ctx context.Context, a *app, s *session, prefix string, rev int64, format outputFormat, export bool) error {
	list := newListWriter(a.out, format, export)
	err := scan(ctx, a, s.src, prefix, rev, func(kv etcdsrc.KeyValue) error {
		return list.add(s.decoder.Decode(kv.Key, kv.Value, kv.Meta()))
	})
	if cerr := list.close(a.errOut); err == nil {
		err = cerr
	}
	return err
}

// scan reads every key under prefix like Source.Range. A scan that etcd's
// compaction moved to a newer revision still delivered every key once, in
// order: that is said on stderr, not failed.
func scan(ctx context.Context, a *app, src etcdsrc.Source, prefix string, rev int64, fn func(etcdsrc.KeyValue) error) error {
	_, err := src.Range(ctx, prefix, rev, fn)
	if errors.Is(err, etcdsrc.ErrRevisionMoved) {
		fmt.Fprintf(a.errOut, "etcdscope: note: %v\n", err)
		return nil
	}
	return err
}

// dirPrefix makes a prefix argument a directory: "/registry" and
// "/registry/" are the same.
func dirPrefix(p string) string {
	if p == "" || p[len(p)-1] == '/' {
		return p
	}
	return p + "/"
}
