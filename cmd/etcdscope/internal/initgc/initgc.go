// Package initgc keeps the garbage collector off while the program's
// packages initialize, and lets the first collection wait for a heap of
// startHeap rather than the runtime's 4 MB.
//
// The packages' init functions allocate about 2.4 MB that mostly stays
// live (registries, tables, descriptors), so a collection during init
// marks it all to find little garbage, and starts its workers while the
// main goroutine is locked to the main thread. After init, a one-shot
// command such as `decode` of one value allocates another 1.5 MB or so:
// the runtime's first goal, 4 MB, fell in the middle of most such runs,
// for a collection that freed nothing the process still needed. Like the
// Go compiler's starting heap, the first goal is raised, and the program's
// own setting returns after the first collection.
//
// Go initializes packages in import-path order as soon as their imports
// are, and this one imports only the runtime and the standard library, so
// it runs before the large dependencies (go.etcd.io, google.golang.org,
// k8s.io), whose paths sort after it. Package main's init, which runs after
// every other package's, calls Restore.
package initgc

import (
	"os"
	"runtime"
	"runtime/debug"
	"sync"
)

// percent is the GOGC setting the program started with.
var percent = debug.SetGCPercent(-1)

var (
	mu sync.Mutex
	// target is the setting the first collection's cleanup restores;
	// restored tells that it has.
	target   = percent
	restored bool
)

// startPercent makes the first goal 8 MB: the runtime's minimum heap is
// 4 MB at GOGC=100 and scales with GOGC.
const startPercent = 200

// sentinel is an object the first collection finds unreachable.
type sentinel struct{ _ *byte }

// Restore turns the collector back on. Unless GOGC was set, the first
// collection waits for an 8 MB heap; the cleanup it runs sets the
// program's setting back.
func Restore() {
	if _, set := os.LookupEnv("GOGC"); set || percent != 100 {
		mu.Lock()
		restored = true
		mu.Unlock()
		debug.SetGCPercent(percent)
		return
	}
	debug.SetGCPercent(startPercent)
	runtime.AddCleanup(&sentinel{}, func(int) {
		mu.Lock()
		defer mu.Unlock()
		restored = true
		debug.SetGCPercent(target)
	}, 0)
}

// SetPercent makes p the program's GOGC setting, unless the environment
// sets GOGC: at once if the first collection has run, else when it does.
func SetPercent(p int) {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	target = p
	if restored {
		debug.SetGCPercent(p)
	}
}
