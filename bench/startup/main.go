// Command startup times whole `decode` processes for bench/startup.sh:
// etcdscope's and, when given, auger's, on the same stored value, in turn
// (A B, then B A, so a drifting machine weighs on both alike). It prints
// the medians of wall and CPU time (user + system, as the kernel accounts
// the finished process) and the median of the pairwise ratios.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/etcdscope/etcdscope/decode/fixture"
)

// podKey is the fixture value timed: a Deployment's Pod as kube-apiserver
// stored it (protobuf, 2.5 kB).
const podKey = "/registry/pods/monitoring/web-6bbcb4d55f-75xkt"

// sample is one finished run.
type sample struct{ wall, cpu time.Duration }

func main() {
	runs := flag.Int("n", 41, "counted runs of each command")
	warmup := flag.Int("warmup", 3, "runs of each command before counting")
	etcdscope := flag.String("etcdscope", "", "the etcdscope binary")
	auger := flag.String("auger", "", "the auger binary (optional)")
	valueOut := flag.String("value", "", "where to write the value decoded")
	flag.Parse()
	if err := run(*runs, *warmup, *etcdscope, *auger, *valueOut); err != nil {
		fmt.Fprintln(os.Stderr, "startup:", err)
		os.Exit(1)
	}
}

func run(runs, warmup int, etcdscope, auger, valueOut string) error {
	if etcdscope == "" || valueOut == "" || runs < 1 {
		return errors.New("-etcdscope, -value and -n >= 1 are required")
	}
	if err := writeValue(valueOut); err != nil {
		return err
	}
	cmds := [][]string{{etcdscope, "decode", valueOut}}
	if auger != "" {
		cmds = append(cmds, []string{auger, "decode", "--file", valueOut})
	}
	samples := make([][]sample, len(cmds))
	for i := -warmup; i < runs; i++ {
		order := []int{0, 1}
		if i%2 != 0 {
			order = []int{1, 0}
		}
		for _, c := range order {
			if c >= len(cmds) {
				continue
			}
			s, err := once(cmds[c])
			if err != nil {
				return err
			}
			if i >= 0 {
				samples[c] = append(samples[c], s)
			}
		}
	}
	report(samples, runs)
	return nil
}

// writeValue writes the fixture Pod's stored bytes to path.
func writeValue(path string) error {
	kvs, err := fixture.KVs()
	if err != nil {
		return err
	}
	for _, kv := range kvs {
		if kv.Key == podKey {
			return os.WriteFile(path, kv.Value, 0o644)
		}
	}
	return fmt.Errorf("fixture key %s not found", podKey)
}

// once runs a command to its end and checks it decoded the Pod.
func once(argv []string) (sample, error) {
	var out, errOut bytes.Buffer
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		return sample{}, fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, errOut.String())
	}
	if !bytes.Contains(out.Bytes(), []byte("kind: Pod")) {
		return sample{}, fmt.Errorf("%s printed no Pod: %.200q", strings.Join(argv, " "), out.String())
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var cpu time.Duration
	if ru != nil {
		cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return sample{wall: wall, cpu: cpu}, nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(ss []sample, f func(sample) time.Duration) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		out[i] = float64(f(s).Microseconds()) / 1000
	}
	return out
}

func report(samples [][]sample, runs int) {
	wall := func(s sample) time.Duration { return s.wall }
	cpu := func(s sample) time.Duration { return s.cpu }
	aw, ac := median(ms(samples[0], wall)), median(ms(samples[0], cpu))
	if len(samples) == 1 {
		fmt.Printf("startup-decode etcdscope_wall_ms=%.1f etcdscope_cpu_ms=%.1f runs=%d auger=none\n", aw, ac, runs)
		return
	}
	bw, bc := median(ms(samples[1], wall)), median(ms(samples[1], cpu))
	ratio := func(f func(sample) time.Duration) float64 {
		a, b := ms(samples[0], f), ms(samples[1], f)
		r := make([]float64, 0, len(a))
		for i := range a {
			if b[i] > 0 {
				r = append(r, a[i]/b[i])
			}
		}
		if len(r) == 0 {
			return 0
		}
		return median(r)
	}
	rw, rc := ratio(wall), ratio(cpu)
	verdict := "met"
	if rw > 1 {
		verdict = "MISSED"
	}
	fmt.Printf("startup-decode etcdscope_wall_ms=%.1f auger_wall_ms=%.1f ratio_wall=%.2f etcdscope_cpu_ms=%.1f auger_cpu_ms=%.1f ratio_cpu=%.2f runs=%d budget=%s\n",
		aw, bw, rw, ac, bc, rc, runs, verdict)
}
