// Command etcdscope explores the Kubernetes objects kube-apiserver keeps in
// etcd: a terminal UI over a live cluster or a snapshot file, and scriptable
// verbs (ls, get, history, watch, find, decode) with stable machine output.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/etcdscope/etcdscope/cmd/etcdscope/internal/initgc"
	"github.com/etcdscope/etcdscope/cmd/etcdscope/internal/lazymetrics"
)

// init runs after every other package's: the collector kept off while
// they initialized goes back on, and the Prometheus registrations they
// made are registered on first use.
func init() {
	initgc.Restore()
	lazymetrics.Settle()
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run executes one command line and returns the exit code; only main exits.
func run(args []string, in io.Reader, out, errOut io.Writer, getenv func(string) string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	return execute(ctx, args, in, out, errOut, getenv)
}

// execute runs a command line under ctx; tests call it in-process.
func execute(ctx context.Context, args []string, in io.Reader, out, errOut io.Writer, getenv func(string) string) int {
	return executeApp(ctx, &app{in: in, out: out, errOut: errOut, getenv: getenv}, args)
}

// executeApp runs a command line for a; tests give it other defaults.
func executeApp(ctx context.Context, a *app, args []string) int {
	errOut := a.errOut
	root := newRootCmd(a)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var exit *exitError
	if ctx.Err() != nil && errors.Is(err, context.Canceled) && !errors.As(err, &exit) {
		// ctrl-c (or SIGTERM) while connecting or reading: said as such,
		// with the shell's code for SIGINT.
		err = &exitError{code: 130, err: errInterruptedCommand}
	}
	var quiet *quietError
	if !errors.As(err, &quiet) {
		fmt.Fprintf(errOut, "etcdscope: %v\n", err)
	}
	if errors.As(err, &exit) {
		return exit.code
	}
	return 1
}

// errInterruptedCommand is what a command stopped by ctrl-c says.
var errInterruptedCommand = errors.New("interrupted")

// exitError fails a command with an exit code other than 1 (130 for a
// command interrupted by ctrl-c, as shells report SIGINT).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// quietError fails a command whose message was already printed.
type quietError struct{ err error }

func (e *quietError) Error() string { return e.err.Error() }
func (e *quietError) Unwrap() error { return e.err }
