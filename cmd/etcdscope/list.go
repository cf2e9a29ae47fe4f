package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/decode/selector"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// selectorFlags are kubectl's -l/--selector and --field-selector.
type selectorFlags struct {
	labels, fields string
}

func (f *selectorFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.labels, "selector", "l", "", "label selector, as kubectl's (app=web,tier!=db, env in (a,b), !canary)")
	cmd.Flags().StringVar(&f.fields, "field-selector", "", "field selector on metadata.name, metadata.namespace, or status.phase for kinds that have one (status.phase=Running)")
}

// parse reads the selectors for objects of kind (nil: of several kinds).
func (f *selectorFlags) parse(kind *decode.Kind) (*selector.Selector, error) {
	return selector.Parse(f.labels, f.fields, kind)
}

// builtinKindOf is the built-in kind stored under prefix, when the prefix
// lies within one (a field selector on status.phase asks; custom
// resources have none).
func builtinKindOf(prefix, root string) *decode.Kind {
	kp := decode.ParseKey(prefix, root)
	if kp.Prefix == "" {
		return nil
	}
	k, ok := decode.NewCatalog().ForPrefix(kp.Prefix)
	if !ok {
		return nil
	}
	return &k
}

// listOptions say what a listing of keys prints.
type listOptions struct {
	format      outputFormat
	export      bool
	showManaged bool
	// sel selects the objects listed; keep, when set, the keys (find's
	// name prefix).
	sel  *selector.Selector
	keep func(kv etcdsrc.KeyValue) bool
	// keysOnly prints the keys alone, one a line; limit stops after that
	// many keys (0: no limit).
	keysOnly bool
	limit    int
}

// errLimit stops a scan at --limit.
var errLimit = errors.New("limit reached")

// writeList prints every key under the prefixes, in order, that the
// options keep, in the form asked for. Selectors read each value's
// metadata first; only what matches is decoded whole.
func writeList(ctx context.Context, a *app, s *session, prefixes []string, o listOptions) error {
	if o.keysOnly && o.sel.Empty() && o.keep == nil {
		return writeKeys(ctx, a, s, prefixes, o.limit)
	}
	list := newListWriter(a.out, o.format, o.export)
	list.showManaged = o.showManaged
	var (
		names      = bufio.NewWriterSize(a.out, 64<<10)
		listed     int
		more       bool
		unreadable int
		nameless   int
	)
	for _, prefix := range prefixes {
		err := scan(ctx, a, s.src, prefix, s.rev, func(kv etcdsrc.KeyValue) error {
			if o.keep != nil && !o.keep(kv) {
				return nil
			}
			dec := s.decoderFor(kv.Key)
			if !o.sel.Empty() {
				matched, isObject := o.sel.Match(dec, kv.Key, kv.Value)
				if !isObject {
					unreadable++
				}
				if !matched {
					return nil
				}
			}
			if o.limit > 0 && listed == o.limit {
				more = true
				return errLimit
			}
			listed++
			switch {
			case o.keysOnly:
				_, err := fmt.Fprintln(names, decode.EscapeKey(kv.Key))
				return err
			case o.format == outputName:
				n, ok := kubectlName(dec, kv)
				if !ok {
					nameless++
					return nil
				}
				_, err := fmt.Fprintln(names, n)
				return err
			}
			return list.add(dec.Decode(kv.Key, kv.Value, kv.Meta()))
		})
		if errors.Is(err, errLimit) {
			break
		}
		if err != nil {
			names.Flush()
			list.close(a.errOut)
			return err
		}
	}
	if err := names.Flush(); err != nil {
		return err
	}
	if !o.keysOnly && o.format != outputName {
		if err := list.close(a.errOut); err != nil {
			return err
		}
	}
	if nameless > 0 {
		fmt.Fprintf(a.errOut, "etcdscope: %d value(s) are not Kubernetes objects and have no name (-o records shows every key)\n", nameless)
	}
	if unreadable > 0 {
		fmt.Fprintf(a.errOut, "etcdscope: %d value(s) could not be read as objects (still encrypted, undecodable or not Kubernetes objects), so no selector matches them\n", unreadable)
	}
	if more {
		fmt.Fprintf(a.errOut, "etcdscope: stopped at --limit %d; more keys follow\n", o.limit)
	}
	return nil
}

// writeKeys prints the keys under the prefixes, one a line, reading no
// values where the source can.
func writeKeys(ctx context.Context, a *app, s *session, prefixes []string, limit int) error {
	out := bufio.NewWriterSize(a.out, 64<<10)
	n, more := 0, false
	for _, prefix := range prefixes {
		_, err := etcdsrc.RangeKeys(ctx, s.src, prefix, s.rev, func(key []byte) error {
			if limit > 0 && n == limit {
				more = true
				return errLimit
			}
			n++
			_, err := fmt.Fprintln(out, decode.EscapeKey(string(key)))
			return err
		})
		if errors.Is(err, errLimit) {
			break
		}
		if errors.Is(err, etcdsrc.ErrRevisionMoved) {
			fmt.Fprintf(a.errOut, "etcdscope: note: %v\n", err)
			err = nil
		}
		if err != nil {
			out.Flush()
			return err
		}
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if more {
		fmt.Fprintf(a.errOut, "etcdscope: stopped at --limit %d; more keys follow\n", limit)
	}
	return nil
}

// kubectlName names an object as kubectl's -o name does: its kind lower
// case, dot its group for non-core kinds, slash its name
// ("deployment.apps/web", "pod/web-1"); never its namespace. Only the
// metadata is read; a value still encrypted is named from its key.
func kubectlName(dec *decode.Decoder, kv etcdsrc.KeyValue) (string, bool) {
	m := dec.DecodeMetadata(kv.Key, kv.Value)
	name := m.Name
	if !m.IsObject {
		if m.Kind == "" || m.Encoding != decode.EncodingEncrypted {
			return "", false
		}
		// An object's name is its key's last segment.
		name = kv.Key[strings.LastIndexByte(kv.Key, '/')+1:]
	}
	if m.Kind == "" || name == "" {
		return "", false
	}
	return kindName(m.APIVersion, m.Kind) + "/" + name, true
}

// kindName is kubectl's resource name of a kind: "pod", "deployment.apps".
func kindName(apiVersion, kind string) string {
	gv, _ := schema.ParseGroupVersion(apiVersion)
	n := strings.ToLower(kind)
	if gv.Group != "" {
		n += "." + gv.Group
	}
	return n
}
