package main

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// deletionRecord is a deletion in history's machine forms.
type deletionRecord struct {
	Key         string `json:"key"`
	ModRevision int64  `json:"modRevision"`
	Deleted     bool   `json:"deleted"`
}

func newHistoryCmd(a *app) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "history KEY",
		Short: "Print every revision of a key still held by etcd, newest first",
		Long: "history prints every revision of a key that etcd still holds (those after\n" +
			"the last compaction), deletions and earlier incarnations included, newest\n" +
			"first. The readable form shows what changed between consecutive revisions.",
		Example: "  etcdscope history /registry/configmaps/shop/app-config\n" +
			"  etcdscope history /registry/secrets/shop/db -o records",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseOutput(output, outputJSON, outputRecords)
			if err != nil {
				return err
			}
			key := decode.UnescapeKey(args[0])
			return a.withSession(cmd, func(ctx context.Context, s *session) error {
				revs, err := s.src.History(ctx, key)
				if err != nil {
					return err
				}
				if len(revs) == 0 {
					return fmt.Errorf("%s: %w (no revision of it is left)", decode.EscapeKey(key), etcdsrc.ErrNotFound)
				}
				switch format {
				case outputJSON:
					items := make([]any, len(revs))
					for i, r := range revs {
						items[i] = historyItem(s.decoder, r)
					}
					return writeIndentedJSON(a.out, items)
				case outputRecords:
					for _, r := range revs {
						if err := writeJSONLine(a.out, historyItem(s.decoder, r)); err != nil {
							return err
						}
					}
					return nil
				}
				return writeHistory(a.out, s.decoder, revs)
			})
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: json or records (default: readable, with diffs)")
	return cmd
}

// historyItem is one revision in machine form: a record, or a deletion.
func historyItem(dec *decode.Decoder, r etcdsrc.Revision) any {
	if r.Deleted {
		return deletionRecord{Key: decode.EscapeKey(r.Key), ModRevision: r.ModRevision, Deleted: true}
	}
	return dec.Decode(r.Key, r.Value, r.KeyValue.Meta()).Record()
}

// writeHistory prints revisions newest first, each with a diff against
// the revision before it; the oldest in full.
func writeHistory(w io.Writer, dec *decode.Decoder, revs []etcdsrc.Revision) error {
	texts := make([]string, len(revs))
	for i, r := range revs {
		texts[i] = revisionText(dec, r)
	}
	for i, r := range revs {
		switch {
		case r.Deleted:
			fmt.Fprintf(w, "=== revision %d: deleted\n", r.ModRevision)
		default:
			fmt.Fprintf(w, "=== revision %d: version %d (created at %d)\n", r.ModRevision, r.Version, r.CreateRevision)
		}
		if i == len(revs)-1 {
			if !r.Deleted {
				fmt.Fprint(w, texts[i])
			}
			continue
		}
		prev := revs[i+1]
		from := fmt.Sprintf("revision %d", prev.ModRevision)
		to := fmt.Sprintf("revision %d", r.ModRevision)
		diff := decode.DiffLines(texts[i+1], texts[i], 3).Unified(from, to)
		if diff == "" {
			fmt.Fprintln(w, "(no change in the decoded value)")
		}
		fmt.Fprint(w, diff)
	}
	return nil
}

// revisionText is the readable body of one revision, for diffing: its
// document without resourceVersion, which changes every revision, or the
// note that says why it has none to show.
func revisionText(dec *decode.Decoder, r etcdsrc.Revision) string {
	if r.Deleted {
		return ""
	}
	v := dec.Decode(r.Key, r.Value, r.KeyValue.Meta())
	doc := decode.Present(v, decode.PresentOptions{StripResourceVersion: true})
	if doc.Note != "" {
		return "# " + doc.Note + "\n"
	}
	return doc.Text
}
