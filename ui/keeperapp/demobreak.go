package keeperapp

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/exactkeeper/exactkeeper/core/exactsim"
)

// demoBreak is the demo's scripted "lost answer": it hits only a refresh of
// the demo app's chain (the connection's keep-alive), so a newcomer who
// clicks "Add connection" meanwhile gets a working login, not a 500.
func demoBreak() exactsim.Fault {
	return exactsim.Fault{Kind: exactsim.FaultErrorAfterRotate, Count: 1, Grant: "refresh_token", ClientID: exactsim.DemoClientID}
}

// injectBreak queues demoBreak over the simulator's /sim endpoint, as a
// test in another process would.
func injectBreak(simURL string) error {
	body, err := json.Marshal(demoBreak())
	if err != nil {
		return err
	}
	resp, err := http.Post(simURL+"/sim/faults", "application/json", strings.NewReader(string(body)))
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("the simulator refused the demo's fault (HTTP %d)", resp.StatusCode)
	}
	return nil
}
