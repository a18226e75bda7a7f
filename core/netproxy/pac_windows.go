package netproxy

import (
	"fmt"
	"net/url"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

var (
	winhttp               = windows.NewLazySystemDLL("winhttp.dll")
	procWinHttpOpen       = winhttp.NewProc("WinHttpOpen")
	procWinHttpSetTimeout = winhttp.NewProc("WinHttpSetTimeouts")
	procWinHttpGetProxy   = winhttp.NewProc("WinHttpGetProxyForUrl")
	procGlobalFree        = windows.NewLazySystemDLL("kernel32.dll").NewProc("GlobalFree")
)

// winhttpAutoproxyOptions is WINHTTP_AUTOPROXY_OPTIONS.
type winhttpAutoproxyOptions struct {
	flags                 uint32
	autoDetectFlags       uint32
	autoConfigURL         *uint16
	reserved              uintptr
	reserved2             uint32
	autoLogonIfChallenged int32
}

// winhttpProxyInfo is WINHTTP_PROXY_INFO.
type winhttpProxyInfo struct {
	accessType  uint32
	proxy       *uint16
	proxyBypass *uint16
}

const winhttpAutoproxyConfigURL = 0x2

// The WinHTTP session is opened once: it caches the downloaded script.
var winhttpSession = sync.OnceValues(func() (uintptr, error) {
	agent, _ := windows.UTF16PtrFromString("Exact Keeper")
	h, _, err := procWinHttpOpen.Call(uintptr(unsafe.Pointer(agent)), winhttpAccessNoProxy, 0, 0, 0)
	if h == 0 {
		return 0, fmt.Errorf("WinHttpOpen: %v", err)
	}
	// A script server that does not answer must not hold a token call:
	// 10 s to resolve, connect, send and receive.
	procWinHttpSetTimeout.Call(h, 10000, 10000, 10000, 10000)
	return h, nil
})

var systemPAC = winhttpPAC

// winhttpPAC runs the proxy script at pacURL for target with Windows' own
// engine, as Edge and every WinHTTP program do.
func winhttpPAC(pacURL string, target *url.URL) (*url.URL, error) {
	h, err := winhttpSession()
	if err != nil {
		return nil, err
	}
	cfg, err := windows.UTF16PtrFromString(pacURL)
	if err != nil {
		return nil, err
	}
	dest, err := windows.UTF16PtrFromString(target.String())
	if err != nil {
		return nil, err
	}
	opts := winhttpAutoproxyOptions{flags: winhttpAutoproxyConfigURL, autoConfigURL: cfg, autoLogonIfChallenged: 1}
	var info winhttpProxyInfo
	ok, _, callErr := procWinHttpGetProxy.Call(h, uintptr(unsafe.Pointer(dest)), uintptr(unsafe.Pointer(&opts)), uintptr(unsafe.Pointer(&info)))
	if ok == 0 {
		return nil, fmt.Errorf("WinHttpGetProxyForUrl: %v", callErr)
	}
	proxy := windows.UTF16PtrToString(info.proxy)
	for _, p := range []*uint16{info.proxy, info.proxyBypass} {
		if p != nil {
			procGlobalFree.Call(uintptr(unsafe.Pointer(p)))
		}
	}
	return parseWinHTTPProxy(info.accessType, proxy)
}
