package netproxy

import (
	"fmt"
	"testing"
	"time"

	"golang.org/x/sys/windows/registry"
)

// The reader on values written as Settings > Proxy writes them, under a
// key of the test's own (the real Internet Settings are left alone).
func TestReadRegistry(t *testing.T) {
	path := fmt.Sprintf(`Software\ExactKeeperTest\netproxy-%d`, time.Now().UnixNano())
	k, _, err := registry.CreateKey(registry.CURRENT_USER, path, registry.ALL_ACCESS)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		k.Close()
		_ = registry.DeleteKey(registry.CURRENT_USER, path)
		// The parent goes too unless another run still uses it.
		_ = registry.DeleteKey(registry.CURRENT_USER, `Software\ExactKeeperTest`)
	}()
	if s, err := readRegistry(path); err != nil || s != (Settings{}) {
		t.Fatalf("empty key: %+v, %v; want nothing set", s, err)
	}
	for name, v := range map[string]string{"ProxyServer": "http=web:80;https=secure:8443", "ProxyOverride": "<local>;*.kantoor.local", "AutoConfigURL": "http://wpad/proxy.pac"} {
		if err := k.SetStringValue(name, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := k.SetDWordValue("ProxyEnable", 1); err != nil {
		t.Fatal(err)
	}
	want := Settings{ProxyEnable: true, ProxyServer: "http=web:80;https=secure:8443", ProxyOverride: "<local>;*.kantoor.local", AutoConfigURL: "http://wpad/proxy.pac"}
	if s, err := readRegistry(path); err != nil || s != want {
		t.Errorf("read %+v, %v; want %+v", s, err, want)
	}
	if _, err := readRegistry(path + `\absent`); err == nil {
		t.Error("a missing key read without error")
	}
}
