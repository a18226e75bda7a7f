// Command benchkeyread is the yardstick for `exactkeeperctl token`: the
// smallest Go program that reads one item from the OS keychain with
// go-keyring and prints it, as a program without Exact Keeper would read a
// token it stored itself. Usage: benchkeyread SERVICE KEY
package main

import (
	"fmt"
	"os"

	"github.com/zalando/go-keyring"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: benchkeyread SERVICE KEY")
		os.Exit(2)
	}
	v, err := keyring.Get(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchkeyread:", err)
		os.Exit(1)
	}
	fmt.Println(len(v)) // the length only: the value is a secret
}
