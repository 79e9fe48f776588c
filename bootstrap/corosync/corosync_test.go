package corosync

import (
	"strings"
	"testing"

	"github.com/qvd-ha/qvd-ha/bootstrap/config"
)

func TestConfMeaning(t *testing.T) {
	c := config.Default()
	conf := Conf(c, "/var/log/cluster")
	for _, want := range []string{
		"transport: knet", "two_node: 1", "token: 5000", "crypto_cipher: aes256",
		"ring0_addr: 192.0.2.11", "ring1_addr: 198.51.100.11", "ring0_addr: 192.0.2.12", "ring1_addr: 198.51.100.12",
		"linknumber: 0", "linknumber: 1", "cluster_name: qvddb", "logfile: /var/log/cluster/corosync.log",
	} {
		if !strings.Contains(conf, "\t"+want+"\n") {
			t.Errorf("corosync.conf lacks %q", want)
		}
	}
	if strings.Count(conf, "{") != strings.Count(conf, "}") {
		t.Error("unbalanced braces")
	}
}
