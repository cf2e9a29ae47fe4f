package stats

import (
	"context"
	"fmt"
	"strings"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

// outsideGroups lists the groups of keys outside the root that the scan
// of the prefix does not read: found only when the prefix holds the whole
// root (it is the root or above it), by walking the levels from the top
// of the keyspace down the root's path. Each is a directory (ending in
// "/") or a leaf.
func (r *run) outsideGroups(ctx context.Context) ([]etcdsrc.Child, error) {
	if !strings.HasPrefix(r.rootDir, r.prefix) {
		return nil, nil
	}
	var out []etcdsrc.Child
	var walk func(dir string) error
	walk = func(dir string) error {
		opts := etcdsrc.ChildrenOptions{Rev: r.rev, Limit: 1000}
		for {
			page, err := r.o.Source.Children(ctx, dir, opts)
			if err != nil {
				return fmt.Errorf("list %s: %w", decode.EscapeKey(dir), err)
			}
			for _, c := range page.Children {
				switch {
				case strings.HasPrefix(c.Key, r.prefix):
					// Under the prefix: the scan reads it.
				case !c.Leaf && strings.HasPrefix(r.prefix, c.Key):
					// On the way down to the prefix.
					if err := walk(c.Key); err != nil {
						return err
					}
				default:
					out = append(out, c)
				}
			}
			if !page.More || len(page.Children) == 0 {
				return nil
			}
			opts.After = page.Children[len(page.Children)-1].Key
		}
	}
	if err := walk(""); err != nil {
		return nil, err
	}
	return out, nil
}

// scanOutside sizes the groups outside the root, reading their values
// without decoding them.
func (r *run) scanOutside(ctx context.Context, groups []etcdsrc.Child) error {
	for _, g := range groups {
		name := strings.TrimSuffix(g.Key, "/")
		if g.Leaf {
			kv, err := r.o.Source.Get(ctx, g.Key, r.rev)
			if err != nil {
				return fmt.Errorf("read %s: %w", decode.EscapeKey(g.Key), err)
			}
			entry(r.t.outside, name).add(len(kv.Key), len(kv.Value))
			r.done.Add(1)
			continue
		}
		c := entry(r.t.outside, name)
		err := r.scanRange(ctx, g.Key, func(kv etcdsrc.KeyValue) error {
			c.add(len(kv.Key), len(kv.Value))
			if r.done.Add(1)%scanChunkKeys == 0 {
				r.progress()
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("read %s: %w", decode.EscapeKey(g.Key), err)
		}
	}
	return nil
}
