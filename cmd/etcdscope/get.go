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
		output      string
		prefix      bool
		export      bool
		showManaged bool
		keysOnly    bool
		limit       int
		sel         selectorFlags
	)
	cmd := &cobra.Command{
		Use:   "get KEY | get --prefix PREFIX",
		Short: "Print the decoded object stored under a key, or under every key of a prefix",
		Long: "get prints a key's value decoded, at the current revision or as of --rev.\n" +
			"With --prefix it streams every key under a prefix; -l and --field-selector\n" +
			"select objects as kubectl's do, --keys-only and --limit as etcdctl's.\n" +
			"--export strips what a re-create must not carry (resourceVersion, uid,\n" +
			"creationTimestamp, managedFields, generation, status), ready for\n" +
			"`kubectl create -f`. The readable form leaves managedFields out, as\n" +
			"kubectl get -o yaml does (--show-managed-fields shows them); -o yaml, json\n" +
			"and records are what is stored and keep them.",
		Example: "  etcdscope get /registry/deployments/shop/web\n" +
			"  etcdscope get /registry/configmaps/shop/app-config --rev 120 -o json\n" +
			"  etcdscope get --prefix /registry/secrets/shop -o records\n" +
			"  etcdscope get --prefix /registry/pods/ -l app=web -o name\n" +
			"  etcdscope get --prefix /registry/ --keys-only --limit 20",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			allowed := []outputFormat{outputYAML, outputJSON, outputRecords, outputRaw}
			if prefix {
				allowed = []outputFormat{outputYAML, outputJSON, outputRecords, outputName}
			}
			format, err := parseOutput(output, allowed...)
			if err != nil {
				return err
			}
			if !prefix {
				for _, f := range []string{"keys-only", "limit", "selector", "field-selector"} {
					if cmd.Flags().Changed(f) {
						return fmt.Errorf("--%s reads many keys: it goes with --prefix", f)
					}
				}
			}
			if keysOnly && format != outputReadable {
				return fmt.Errorf("--keys-only prints the keys alone, one a line: it does not go with -o %s", format)
			}
			if limit < 0 {
				return fmt.Errorf("--limit must be 0 (no limit) or more, not %d", limit)
			}
			key := decode.UnescapeKey(args[0])
			return a.withSession(cmd, func(ctx context.Context, s *session) error {
				if !prefix {
					return getKey(ctx, a, s, key, format, export, showManaged)
				}
				dir := dirPrefix(key)
				sl, err := sel.parse(builtinKindOf(dir, s.rootOf(dir)))
				if err != nil {
					return err
				}
				return writeList(ctx, a, s, []string{dir}, listOptions{
					format: format, export: export, showManaged: showManaged,
					sel: sl, keysOnly: keysOnly, limit: limit,
				})
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: yaml, json, records, raw; with --prefix name (default: readable)")
	a.addRevFlag(cmd)
	cmd.Flags().BoolVar(&prefix, "prefix", false, "get every key under the prefix")
	cmd.Flags().BoolVar(&export, "export", false, "strip server-set fields, ready for kubectl create -f")
	cmd.Flags().BoolVar(&showManaged, "show-managed-fields", false, "keep managedFields in the readable form (the machine forms always do)")
	cmd.Flags().BoolVar(&keysOnly, "keys-only", false, "with --prefix: print the keys alone, one a line (not with -o)")
	cmd.Flags().IntVar(&limit, "limit", 0, "with --prefix: print at most this many keys (0: all)")
	sel.register(cmd)
	return cmd
}

func getKey(ctx context.Context, a *app, s *session, key string, format outputFormat, export, showManaged bool) error {
	kv, err := s.src.Get(ctx, key, s.rev)
	if err != nil {
		return err
	}
	v := s.decode(kv)
	if export && v.IsObject() {
		if v.Object, err = decode.Export(v.Object); err != nil {
			return fmt.Errorf("export %s: %w", decode.EscapeKey(key), err)
		}
	}
	if err := writeValue(a.out, v, format, !showManaged); err != nil {
		return err
	}
	return valueError(v)
}

// scan reads every key under prefix like Source.Range, at rev or, when
// rev is 0, as of --rev (now without it). A scan that etcd's compaction
// moved to a newer revision still delivered every key once, in order:
// that is said on stderr, not failed.
func scan(ctx context.Context, a *app, src etcdsrc.Source, prefix string, rev int64, fn func(etcdsrc.KeyValue) error) error {
	if rev == 0 {
		rev = a.rev
	}
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
