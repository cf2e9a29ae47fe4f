// Package faults holds the tests of etcdscope's live source on the bad
// day: a member lost under a watch, quorum lost, the whole cluster
// restarted under a follow, compaction overtaking a follow, a full etcd
// (NOSPACE), and every connection failure the source diagnoses (refused,
// no answer, TLS: unknown authority, client certificate required, name
// mismatch, plain text against TLS both ways; authentication; permission).
//
// Each kind of fault has one embedded cluster, started when a test first
// needs it and shared by the tests of that kind: a three-member cluster,
// a TLS member that requires client certificates, a TLS member whose
// certificate is for another name, an auth-enabled member, and a member
// with a small backend quota. The package has no code of its own.
package faults
