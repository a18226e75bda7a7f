// Command benchtoken is the bound of a small token binary (docs/
// performance.md): the least a process can do to get a token from a
// running keeper, one HTTP/1.1 request written by hand on the keeper's
// socket, linking neither net/http nor the rest of Exact Keeper. It prints
// the token's length only. Usage: benchtoken SOCKET CONNECTION
//
// `benchtoken -start` only starts and exits: the floor under any Go
// program on the machine, which bounds what any token binary can reach.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
)

func main() {
	if len(os.Args) == 2 && os.Args[1] == "-start" {
		return
	}
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: benchtoken SOCKET CONNECTION")
		os.Exit(2)
	}
	n, err := token(os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtoken:", err)
		os.Exit(1)
	}
	fmt.Println(n)
}

func token(socket, conn string) (int, error) {
	c, err := net.Dial("unix", socket)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if _, err := fmt.Fprintf(c, "GET /v1/token?conn=%s HTTP/1.1\r\nHost: keeper\r\nConnection: close\r\n\r\n", url.QueryEscape(conn)); err != nil {
		return 0, err
	}
	r := bufio.NewReader(c)
	status, err := r.ReadString('\n')
	if err != nil {
		return 0, err
	}
	if !strings.Contains(status, " 200 ") {
		return 0, fmt.Errorf("the keeper answered %s", strings.TrimSpace(status))
	}
	for { // headers; the body is JSON up to the close
		line, err := r.ReadString('\n')
		if err != nil {
			return 0, err
		}
		if line == "\r\n" {
			break
		}
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return 0, err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return 0, fmt.Errorf("no token in the answer (%v)", err)
	}
	return len(tok.AccessToken), nil
}
