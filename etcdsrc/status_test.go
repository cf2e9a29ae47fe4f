package etcdsrc

import "testing"

func TestStatus(t *testing.T) {
	l := dial(t, srv)
	rev := mustPut(t, srvCli, "/status/k", "v")
	if _, err := srvCli.Compact(testCtx(t), rev); err != nil {
		t.Fatal(err)
	}
	st, err := l.Status(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Members) != 1 || !st.Members[0].Leader || st.Members[0].Err != nil || st.Members[0].Name != "m0" {
		t.Errorf("members = %+v", st.Members)
	}
	if st.Revision < rev || st.CompactRevision != rev {
		t.Errorf("revision %d, compacted %d; want ≥ %d and %d", st.Revision, st.CompactRevision, rev, rev)
	}
	if st.DBSize <= 0 || st.DBSizeInUse <= 0 || st.DBSizeInUse > st.DBSize || st.Version == "" || len(st.Endpoints) != 1 {
		t.Errorf("status = %+v", st)
	}
}

func TestSetSerializableSwitchesReads(t *testing.T) {
	l := dial(t, srv)
	if l.Serializable() {
		t.Fatal("a default config reads serializably")
	}
	l.SetSerializable(true)
	if opts := l.readOpts(0, false); len(opts) != 1 {
		t.Errorf("serializable read options: %d, want WithSerializable", len(opts))
	}
	l.SetSerializable(false)
	if opts := l.readOpts(0, false); len(opts) != 0 {
		t.Errorf("linearizable read options: %d, want none", len(opts))
	}
}
