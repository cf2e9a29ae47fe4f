package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
	"github.com/etcdscope/etcdscope/tui"
)

// runTUI opens the explorer on the source the flags name.
func (a *app) runTUI(cmd *cobra.Command) error {
	return a.withSession(cmd, func(ctx context.Context, s *session) error {
		return runExplorer(ctx, s.src, s.decoder, s.root, s.title)
	})
}

// runExplorer runs the TUI until the user quits or ctx ends.
func runExplorer(ctx context.Context, src etcdsrc.Source, dec *decode.Decoder, root, title string) error {
	return tui.Run(ctx, tui.Options{
		Source:  src,
		Decoder: dec,
		Catalog: decode.NewCatalog(),
		Root:    root,
		Title:   title,
	})
}
