package peercred

import (
	"context"
	"net"
	"testing"
)

func TestDialAsPassesOtherNetworksThrough(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	conn, err := DialAs(65534, 65534)(context.Background(), "tcp", l.Addr().String())
	if err != nil {
		t.Fatalf("dial tcp: %v", err)
	}
	conn.Close()
}
