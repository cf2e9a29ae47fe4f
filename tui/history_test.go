package tui

import (
	"errors"
	"strings"
	"testing"

	"github.com/etcdscope/etcdscope/decode"
	"github.com/etcdscope/etcdscope/etcdsrc"
)

func TestHistoryNeverDiffsCiphertext(t *testing.T) {
	rev := func(r int64, value string) etcdsrc.Revision {
		return etcdsrc.Revision{KeyValue: etcdsrc.KeyValue{Key: "/registry/secrets/a/b", ModRevision: r, Value: []byte(value)}}
	}
	sealed := decode.Value{Encoding: decode.EncodingEncrypted, Encryption: &decode.Encryption{Provider: "aescbc", KeyName: "k1", Reason: "no encryption config given"}}
	opened := decode.Value{Encoding: decode.EncodingProtobuf, Encryption: &decode.Encryption{Provider: "aescbc", KeyName: "k2", Decrypted: true}, Object: []byte(`{}`)}
	broken := decode.Value{Encoding: decode.EncodingProtobuf, Err: errors.New("truncated")}
	tests := []struct {
		name       string
		older      etcdsrc.Revision
		newer      etcdsrc.Revision
		ov, nv     decode.Value
		want       string
		comparable bool
	}{
		{"both decoded", rev(1, "a"), rev(2, "b"), opened, opened, "", true},
		{"both sealed, changed", rev(1, "aaaa"), rev(2, "bbbbbbbb"), sealed, sealed, "ciphertext changed, 4 B → 8 B; give --encryption-config to compare", false},
		{"both sealed, same bytes", rev(1, "aaaa"), rev(2, "aaaa"), sealed, sealed, "(no change: the same stored bytes)", false},
		{"one sealed", rev(1, "aaaa"), rev(2, "b"), sealed, opened, "rev 1 cannot be compared (still encrypted: no encryption config given)", false},
		{"one broken", rev(1, "a"), rev(2, "b"), opened, broken, "rev 2 cannot be compared (truncated)", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			msg, not := undiffable(1, tc.older, tc.newer, tc.ov, tc.nv)
			if not == tc.comparable {
				t.Fatalf("undiffable = %v, want %v", not, !tc.comparable)
			}
			if not && (msg.plain != tc.want || !strings.Contains(msg.note, "not compared")) {
				t.Errorf("says %q (%q), want %q", msg.plain, msg.note, tc.want)
			}
		})
	}
}

func TestFormOf(t *testing.T) {
	for _, tc := range []struct {
		v    decode.Value
		want string
	}{
		{decode.Value{Encoding: decode.EncodingProtobuf}, "protobuf"},
		{decode.Value{Encoding: decode.EncodingCBOR, Encryption: &decode.Encryption{Provider: "secretbox", KeyName: "key1", Decrypted: true}}, "secretbox:key1 → cbor"},
		{decode.Value{Encoding: decode.EncodingEncrypted, Encryption: &decode.Encryption{Provider: "kms", KeyName: "vault"}}, "encrypted kms:vault"},
		{decode.Value{Encoding: decode.EncodingJSON, Err: errors.New("x")}, "json ✗"},
		{decode.Value{Encoding: decode.EncodingEncrypted, Encryption: &decode.Encryption{Provider: "kms", KMSVersion: "v2", KeyName: "vault",
			KeyID: "projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/3"}},
			"encrypted kms v2:vault key projects/p/loca…ptoKeyVersions/3"},
	} {
		if got := formOf(tc.v); got != tc.want {
			t.Errorf("formOf = %q, want %q", got, tc.want)
		}
	}
}
