// Package e2e holds the end-to-end tests of exactkeeperctl: the real binary
// in subprocesses, the simulator over real HTTP, the real OS keychain and a
// real headless chromium. It has no non-test code.
package e2e
