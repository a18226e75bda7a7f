package platform

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

func newAutostart(exe string, args []string, getenv func(string) string) Autostart {
	return newLaunchAgent(exe, args, getenv, runLaunchctl)
}

func runLaunchctl(args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "/bin/launchctl", args...).CombinedOutput()
	if err != nil {
		if msg := strings.TrimSpace(string(out)); msg != "" {
			return fmt.Errorf("%v: %s", err, msg)
		}
		return err
	}
	return nil
}
