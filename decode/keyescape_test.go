package decode

import "testing"

func TestEscapeKeyRoundTrip(t *testing.T) {
	tests := []struct {
		name, key, printed string
	}{
		{"plain", "/registry/pods/shop/web", "/registry/pods/shop/web"},
		{"unicode stays", "/registry/configmaps/ünï/çödé", "/registry/configmaps/ünï/çödé"},
		{"invalid byte", "/app/\xff\xfe", `/app/\xff\xfe`},
		{"invalid with quote and backslash", "/a\"b\\c\x80", `/a\"b\\c\x80`},
		{"valid key with a literal \\x text", `/weird/\x41`, `/weird/\x41`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := EscapeKey(tt.key)
			if got != tt.printed {
				t.Fatalf("EscapeKey(%q) = %q, want %q", tt.key, got, tt.printed)
			}
			if back := UnescapeKey(got); back != tt.key {
				t.Fatalf("UnescapeKey(%q) = %q, want %q", got, back, tt.key)
			}
		})
	}
}
