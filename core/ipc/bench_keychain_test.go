package ipc

import (
	"strings"
	"testing"
	"time"

	"github.com/exactkeeper/exactkeeper/core/vault"
	"github.com/exactkeeper/exactkeeper/internal/testenv"
)

// BenchmarkTokenKeychain is what a token costs without a keeper: reading a
// ~1 KB cached token from the real OS keychain. Compare BenchmarkTokenIPC.
func BenchmarkTokenKeychain(b *testing.B) {
	testenv.NeedKeyring(b)
	v := vault.NewKeyring("exactkeeper-bench", 10*time.Second)
	const key = "bench/access_token"
	if err := v.Set(key, strings.Repeat("t", 1000)); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = v.Delete(key) })
	for b.Loop() {
		if _, err := v.Get(key); err != nil {
			b.Fatal(err)
		}
	}
}
