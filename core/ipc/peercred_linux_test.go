package ipc

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
)

// socketPair returns both ends of a connected unix socket.
func socketPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	client, err = net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	server, err = l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

func TestCheckPeerUID(t *testing.T) {
	server, _ := socketPair(t)
	tests := []struct {
		name    string
		want    int
		wantErr bool
	}{
		{"same user", os.Getuid(), false},
		{"foreign user", os.Getuid() + 1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkPeerUID(server, tt.want); (err != nil) != tt.wantErr {
				t.Errorf("checkPeerUID(uid %d) = %v, want error %v", tt.want, err, tt.wantErr)
			}
		})
	}
}

func TestPeerListenerRefusesForeignUID(t *testing.T) {
	dir := t.TempDir()
	l, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	pl, ok := l.(*peerListener)
	if !ok {
		t.Fatalf("Listen returned %T, want the uid-checking listener", l)
	}
	// Pretend the keeper runs as someone else: this test's process is then
	// a foreign peer.
	pl.uid = os.Getuid() + 1
	fb := newFake()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- (&Server{Backend: fb}).Serve(ctx, pl) }()
	defer func() { cancel(); <-done }()

	if c, err := Dial(dir); err == nil {
		c.Close()
		t.Fatal("a foreign peer was served")
	}
	fb.mu.Lock()
	defer fb.mu.Unlock()
	if len(fb.tokenFor) != 0 {
		t.Errorf("the backend was reached by a foreign peer")
	}
}
