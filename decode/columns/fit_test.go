package columns

import (
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func TestShorten(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		// The 80×24 case: keep the start and the random suffix.
		{"kube-proxy-ip-10-0-1-23-6dq7m", 18, "kube-proxy-…-6dq7m"},
		{"web-6bbcb4d55f-5z72c", 20, "web-6bbcb4d55f-5z72c"},
		{"web-6bbcb4d55f-5z72c", 12, "web-6…-5z72c"},
		// A last segment longer than half the room: an even cut.
		{"audit-api-x69nz.18eb2de49c0c9ec7", 20, "audit-api…e49c0c9ec7"},
		{"abcdef", 3, "a…f"},
		{"abcdef", 2, "…f"},
		{"abcdef", 1, "…"},
		{"abcdef", 0, ""},
		{"", 5, ""},
	} {
		if got := Shorten(tc.s, tc.n); got != tc.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

// TestShortenWidth: never wider than asked, measured in terminal cells
// (wide runes count two), the start and the end kept.
func TestShortenWidth(t *testing.T) {
	for _, s := range []string{
		"kube-proxy-ip-10-0-1-23-6dq7m",
		"日本語の名前-東京-大阪",
		"naïve-café-crème-brûlée-x1",
		"a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p",
		"no_separators_at_all_in_this_name",
		"-leading-and-trailing-",
		"x.y",
	} {
		w := ansi.StringWidth(s)
		for n := 0; n <= w+2; n++ {
			got := Shorten(s, n)
			gw := ansi.StringWidth(got)
			switch {
			case gw > n:
				t.Errorf("Shorten(%q, %d) = %q, %d cells", s, n, got, gw)
			case n >= w && got != s:
				t.Errorf("Shorten(%q, %d) = %q, want it whole", s, n, got)
			case n < w && n >= 2 && !strings.Contains(got, "…"):
				t.Errorf("Shorten(%q, %d) = %q, no ellipsis", s, n, got)
			case n < w && n >= 4 && (!strings.HasPrefix(s, strings.SplitN(got, "…", 2)[0]) || !strings.HasSuffix(s, strings.SplitN(got, "…", 2)[1])):
				t.Errorf("Shorten(%q, %d) = %q is not start…end", s, n, got)
			}
			// Cutting a wide rune may leave one cell unused, never more.
			if n < w && n >= 2 && gw < n-1 {
				t.Errorf("Shorten(%q, %d) = %q wastes room (%d cells)", s, n, got, gw)
			}
		}
	}
}

func TestClip(t *testing.T) {
	name := Column{Name: "NAME"}
	status := Column{Name: "STATUS"}
	if got := name.Clip("kube-proxy-ip-10-0-1-23-6dq7m", 18); got != "kube-proxy-…-6dq7m" {
		t.Errorf("NAME clip %q", got)
	}
	if got := status.Clip("CrashLoopBackOff", 8); got != "CrashLo…" {
		t.Errorf("STATUS clip %q", got)
	}
	if got := status.Clip("Running", 8); got != "Running" {
		t.Errorf("STATUS clip %q", got)
	}
	if got := status.Clip("Running", 0); got != "" {
		t.Errorf("zero width clip %q", got)
	}
}

// fitCols is a pod-like table with every kind of priority.
var fitCols = []Column{
	{Name: "NAME", Priority: namePriority},
	{Name: "STATUS", Width: 10, Priority: keyPriority},
	{Name: "READY", Width: 5, Priority: importantPriority},
	{Name: "NODE", Width: 20, Priority: extraPriority},
	{Name: "IP", Width: 15, Priority: widePriority, Wide: true},
	{Name: "AGE", Width: 6, Priority: agePriority},
}

// fitRows have a 40-cell name and a 16-cell status.
var fitRows = [][]Cell{
	{textCell(strings.Repeat("n", 34) + "-6dq7m"), textCell("CrashLoopBackOff"), ratioCell(1, 2), textCell("lab-node-1"), textCell("10.244.1.7"), textCell("57m")},
	{textCell("short"), textCell("Running"), ratioCell(2, 2), textCell("lab-node-2"), textCell("10.244.1.8"), textCell("3d")},
}

// sum is a row's width with these column widths and gap.
func sum(ws []int, gap int) int {
	total, shown := 0, 0
	for _, w := range ws {
		if w > 0 {
			total += w
			shown++
		}
	}
	return total + gap*max(shown-1, 0)
}

func TestFit(t *testing.T) {
	for _, tc := range []struct {
		width int
		want  []int // NAME STATUS READY NODE IP AGE
	}{
		// Room for all: the capped STATUS widens to its 16 cells.
		{200, []int{40, 16, 5, 10, 10, 3}},
		// With 5 cells to spare, STATUS gets them.
		{88, []int{40, 15, 5, 10, 10, 3}},
		// The wide IP gives way first, then NODE.
		{80, []int{40, 16, 5, 10, 0, 3}},
		{68, []int{40, 16, 5, 0, 0, 3}},
		// Then NAME shrinks, but not below NameMinWidth.
		{50, []int{29, 10, 5, 0, 0, 3}},
		{41, []int{20, 10, 5, 0, 0, 3}},
		// Then AGE gives way (the room left goes back to NAME), then
		// READY, then STATUS, and NAME takes the rest.
		{40, []int{23, 10, 5, 0, 0, 0}},
		{31, []int{20, 10, 0, 0, 0, 0}},
		{25, []int{25, 0, 0, 0, 0, 0}},
		{10, []int{10, 0, 0, 0, 0, 0}},
	} {
		got := Fit(fitCols, fitRows, tc.width, 1)
		if !slices.Equal(got, tc.want) {
			t.Errorf("width %d: %v, want %v", tc.width, got, tc.want)
		}
		if s := sum(got, 1); s > tc.width {
			t.Errorf("width %d: row is %d wide", tc.width, s)
		}
	}
}

// TestFitEveryTable: for every kind's table with the fixture's rows and
// any width, the row fits, NAME is shown, and no shown column is less
// important than a hidden one (NAME aside).
func TestFitEveryTable(t *testing.T) {
	fs := fixtures(t)
	rows := map[string][][]Cell{}
	tables := map[string]*Table{}
	for _, key := range fs.keys {
		k := fs.kind(t, key)
		if tables[k.Prefix] == nil {
			tables[k.Prefix] = ForKind(k, true)
		}
		rows[k.Prefix] = append(rows[k.Prefix], tables[k.Prefix].Row(fs.value(t, key), now))
	}
	for prefix, tab := range tables {
		cols := tab.Columns()
		for width := 10; width <= 240; width += 3 {
			ws := Fit(cols, rows[prefix], width, 2)
			name := tab.Index("NAME")
			if ws[name] == 0 {
				t.Fatalf("%s at %d: NAME hidden", prefix, width)
			}
			if s := sum(ws, 2); s > width {
				t.Fatalf("%s at %d: %d wide (%v)", prefix, width, s, ws)
			}
			for i, w := range ws {
				for j, v := range ws {
					if i != name && j != name && w > 0 && v == 0 && cols[i].Priority > cols[j].Priority {
						t.Fatalf("%s at %d: %s shown, %s hidden", prefix, width, cols[i].Name, cols[j].Name)
					}
				}
			}
		}
	}
}
