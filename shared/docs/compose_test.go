package docs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// TestComposeFileParses loads compose.yaml as docker compose would, and
// checks that it serves what .env.example points at.
func TestComposeFileParses(t *testing.T) {
	dir, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	project, err := loader.LoadWithContext(t.Context(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "compose.yaml")}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) { o.SetProjectName("workshop", true) })
	if err != nil {
		t.Fatalf("compose.yaml: %v", err)
	}
	env, err := os.ReadFile(filepath.Join(dir, ".env.example"))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]struct{ image, port, envLine string }{
		"mysql":     {"mysql:8.4", "3306", "DATABASE_URL=mysql://tasks:tasks@127.0.0.1:3306/task_list"},
		"memcached": {"memcached:1.6-alpine", "11211", "MEMCACHED_SERVERS=127.0.0.1:11211"},
	} {
		svc, ok := project.Services[name]
		if !ok {
			t.Errorf("compose.yaml has no service %q", name)
			continue
		}
		if svc.Image != want.image || len(svc.Ports) != 1 || svc.Ports[0].Published != want.port || svc.Ports[0].HostIP != "127.0.0.1" {
			t.Errorf("service %s: image %q, ports %+v; want %s on 127.0.0.1:%s", name, svc.Image, svc.Ports, want.image, want.port)
		}
		if !strings.Contains(string(env), want.envLine) {
			t.Errorf(".env.example lacks %q for the %s service", want.envLine, name)
		}
	}
}
