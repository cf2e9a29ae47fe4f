package main

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/etcdscope/etcdscope/decode"
)

func newDecodeCmd(a *app) *cobra.Command {
	var output, etcdKey string
	cmd := &cobra.Command{
		Use:   "decode [FILE]",
		Short: "Decode one stored value from a file or standard input",
		Long: "decode reads one value as etcd stores it (for instance the output of\n" +
			"`etcdctl get KEY --print-value-only`; the newline etcdctl adds is\n" +
			"tolerated) and prints it decoded. --etcd-key names the key it was stored\n" +
			"under: aesgcm decryption authenticates it, and it tells the kind of\n" +
			"values that carry none.",
		Example: "  etcdctl get /registry/pods/shop/web-0 --print-value-only | etcdscope decode --etcd-key /registry/pods/shop/web-0\n" +
			"  etcdscope decode -o json value.bin",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			format, err := parseOutput(output, outputYAML, outputJSON, outputRecords, outputRaw)
			if err != nil {
				return err
			}
			raw, err := readInput(a.in, args)
			if err != nil {
				return err
			}
			if err := a.src.normalizeRoots(); err != nil {
				return err
			}
			key := decode.UnescapeKey(etcdKey)
			dec, err := a.src.decoder(rootOf(a.src.roots, key))
			if err != nil {
				return err
			}
			v := decodeTolerant(dec, key, raw)
			if err := writeValue(a.out, v, format, false); err != nil {
				return err
			}
			return valueError(v)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "output format: yaml, json, records or raw (default: readable)")
	cmd.Flags().StringVar(&etcdKey, "etcd-key", "", "the etcd key the value was stored under")
	return cmd
}

// readInput reads the named file, or standard input when none is named or
// the name is "-".
func readInput(stdin io.Reader, args []string) ([]byte, error) {
	if len(args) == 0 || args[0] == "-" {
		b, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(args[0])
	if err != nil {
		return nil, fmt.Errorf("read value: %w", err)
	}
	return b, nil
}

// decodeTolerant decodes a value that may carry the one trailing newline
// etcdctl's --print-value-only adds: when the value as given fails to
// decode and ends in a newline, the value without it is tried.
func decodeTolerant(dec *decode.Decoder, key string, raw []byte) decode.Value {
	v := dec.Decode(key, raw, nil)
	if v.Err == nil || !bytes.HasSuffix(raw, []byte("\n")) {
		return v
	}
	if trimmed := dec.Decode(key, raw[:len(raw)-1], nil); trimmed.Err == nil {
		return trimmed
	}
	return v
}

// valueError makes a value that failed to decode the command's failure,
// after its record was printed.
func valueError(v decode.Value) error {
	if v.Err == nil {
		return nil
	}
	if v.Key != "" {
		return fmt.Errorf("decode %s: %w", decode.EscapeKey(v.Key), v.Err)
	}
	return fmt.Errorf("decode: %w", v.Err)
}
