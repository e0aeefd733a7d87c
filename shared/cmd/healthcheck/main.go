// Command healthcheck is the container image's HEALTHCHECK: it exits 0 when
// the app beside it answers /healthz with 200, 1 otherwise.
//
// A slim image has no curl, and this reads ADDR and PORT exactly as the app
// does, so the two always agree on the port.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/config"
)

func main() {
	cfg, err := config.Parse(os.LookupEnv)
	if err == nil {
		err = check(healthURL(cfg.Addr), 3*time.Second)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		os.Exit(1)
	}
}

// healthURL turns the app's listen address into a URL on this host: an
// address that listens everywhere (":8080", "0.0.0.0:8080") is asked on
// loopback.
func healthURL(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz"
}

// check returns nil when url answers 200 within timeout.
func check(url string, timeout time.Duration) error {
	client := http.Client{Timeout: timeout}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", url, resp.Status)
	}
	return nil
}
