// Command etcdctl is etcd's own etcdctl v3.7.3, built here because `go
// install` refuses etcd's commands (their modules carry replace
// directives). bench/run.sh times it against etcdscope.
package main

import "go.etcd.io/etcd/etcdctl/v3/ctlv3"

func main() { ctlv3.MustStart() }
