// Command etcd is the upstream etcd server, the storage behind kube-apiserver
// in the end-to-end tests.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
