package main

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-memcache-workshop/tasklist/shared/testenv"
)

// primerREADME holds the memcached primer: ```console blocks of mc commands
// ("$ go run ./shared/cmd/mc ...", or "$ sleep N") each followed by its
// output.
const primerREADME = "../../../step04-query-cache/README.md"

var consoleBlock = regexp.MustCompile("(?s)```console\n(.*?)```")

// TestPrimerIsWhatMcPrints replays the primer against a memcached of its own,
// fresh as the primer asks for, and compares every output with the README.
func TestPrimerIsWhatMcPrints(t *testing.T) {
	text, err := os.ReadFile(primerREADME)
	if err != nil {
		t.Fatal(err)
	}
	blocks := consoleBlock.FindAllStringSubmatch(string(text), -1)
	if len(blocks) == 0 {
		t.Fatalf("%s has no console blocks: the primer is gone", primerREADME)
	}
	servers := []string{testenv.OwnMemcached(t).Addr}
	var want, got strings.Builder
	for _, block := range blocks {
		for _, line := range strings.SplitAfter(block[1], "\n") {
			want.WriteString(line)
			command, ok := strings.CutPrefix(line, "$ ")
			if !ok {
				continue
			}
			got.WriteString(line)
			args := strings.Fields(command)
			switch {
			case len(args) == 2 && args[0] == "sleep":
				n, err := strconv.Atoi(args[1])
				if err != nil {
					t.Fatalf("%q: %v", line, err)
				}
				time.Sleep(time.Duration(n) * time.Second)
			case len(args) > 3 && strings.Join(args[:3], " ") == "go run ./shared/cmd/mc":
				var out bytes.Buffer
				run(args[3:], servers, "", &out, &out)
				got.Write(out.Bytes())
			default:
				t.Fatalf("the primer may only run mc and sleep: %q", line)
			}
		}
	}
	if got.String() != want.String() {
		t.Errorf("the primer in %s is not what mc prints on a fresh memcached; it prints:\n%s", primerREADME, got.String())
	}
}
