// Package initgc keeps the garbage collector off while the program's
// packages initialize. Their init functions allocate about 3 MB that
// stays live (registries, tables, descriptors), just under the first
// collection's goal, so a collection there marks it all, only to find
// little garbage, and starts its workers while the main goroutine is
// locked to the main thread: time every one-shot command paid at start.
//
// Go initializes packages in import-path order as soon as their imports
// are, and this one imports only runtime/debug, so it runs before the
// large dependencies (go.etcd.io, google.golang.org, k8s.io), whose paths
// sort after it. Package main's init, which runs after every other
// package's, calls Restore.
package initgc

import "runtime/debug"

// percent is the GOGC setting the program started with.
var percent = debug.SetGCPercent(-1)

// Restore turns the collector back on at the GOGC the program started
// with.
func Restore() { debug.SetGCPercent(percent) }
