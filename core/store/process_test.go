package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The multi-process tests re-execute this test binary; TestMain sends such a
// child to its role instead of running the tests.
const (
	childRoleEnv = "EXACTKEEPER_STORE_TEST_CHILD"
	childDirEnv  = "EXACTKEEPER_STORE_TEST_DIR"
)

func TestMain(m *testing.M) {
	if role := os.Getenv(childRoleEnv); role != "" {
		os.Exit(runChild(role, &Store{Dir: os.Getenv(childDirEnv)}))
	}
	os.Exit(m.Run())
}

// Exit codes of a child.
const (
	childOK   = 0
	childFail = 1
	childBusy = 3 // "try" found the lock held
)

func runChild(role string, s *Store) int {
	switch role {
	case "increment":
		for range 20 {
			if err := increment(s); err != nil {
				fmt.Println(err)
				return childFail
			}
		}
		return childOK
	case "hold": // take the lock, say so, keep it until stdin closes
		unlock, err := s.Lock(context.Background(), "chain-x")
		if err != nil {
			fmt.Println(err)
			return childFail
		}
		fmt.Println("locked")
		_, _ = io.Copy(io.Discard, os.Stdin)
		unlock()
		return childOK
	case "crash-before-rename": // write config.json, stop before the rename
		testHookBeforeRename = func(tmp string) error {
			fmt.Println("written", tmp)
			_, _ = io.Copy(io.Discard, os.Stdin) // until the parent kills it
			return errors.New("the parent closed stdin instead of killing this child")
		}
		err := s.UpdateConfig(func(c *Config) error { c.Settings.Language = "new"; return nil })
		fmt.Println(err)
		return childFail
	case "try": // try the lock briefly
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		unlock, err := s.Lock(ctx, "chain-x")
		if errors.Is(err, ErrLocked) {
			fmt.Println(err)
			return childBusy
		}
		if err != nil {
			fmt.Println(err)
			return childFail
		}
		unlock()
		return childOK
	}
	fmt.Println("unknown role", role)
	return childFail
}

func childCmd(s *Store, role string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.timeout=2m")
	cmd.Env = append(os.Environ(), childRoleEnv+"="+role, childDirEnv+"="+s.Dir)
	return cmd
}

func TestUpdatesFromProcessesLoseNothing(t *testing.T) {
	s := openTemp(t)
	const procs = 5 // × 20 increments each
	cmds := make([]*exec.Cmd, procs)
	outs := make([]strings.Builder, procs)
	for i := range cmds {
		cmds[i] = childCmd(s, "increment")
		cmds[i].Stdout, cmds[i].Stderr = &outs[i], &outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child %d: %v\n%s", i, err, outs[i].String())
		}
	}
	assertCounters(t, s, procs*20)
}

func TestLockExcludesOtherProcesses(t *testing.T) {
	s := openTemp(t)

	// Held here: a child cannot take it.
	unlock, err := s.Lock(context.Background(), "chain-x")
	if err != nil {
		t.Fatal(err)
	}
	out, err := childCmd(s, "try").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != childBusy {
		t.Fatalf("child took a lock held by the parent: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "another Exact Keeper process holds the lock on chain-x") {
		t.Errorf("child's error does not say who holds the lock:\n%s", out)
	}
	unlock()
	if out, err := childCmd(s, "try").CombinedOutput(); err != nil {
		t.Fatalf("child could not take the released lock: %v\n%s", err, out)
	}

	// Held by a child: this process cannot take it until the child lets go.
	hold := childCmd(s, "hold")
	stdin, err := hold.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := hold.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := hold.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = stdin.Close(); _ = hold.Wait() }()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("child said %q, want locked", line)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := s.Lock(ctx, "chain-x"); !errors.Is(err, ErrLocked) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock while a child holds it: err = %v, want ErrLocked after the deadline", err)
	}
	_ = stdin.Close() // the child unlocks and exits
	ctx, cancel = context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	unlock, err = s.Lock(ctx, "chain-x")
	if err != nil {
		t.Fatalf("Lock after the child released it: %v", err)
	}
	unlock()
}
