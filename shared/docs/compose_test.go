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
	}, func(o *loader.Options) {
		o.SetProjectName("workshop", true)
		o.Profiles = []string{"app"}
	})
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

	// The "app" profile builds the Dockerfile and reaches the other two by name.
	app, ok := project.Services["app"]
	if !ok {
		t.Fatal(`compose.yaml has no service "app" in the "app" profile`)
	}
	if app.Build == nil || app.Build.Context != dir || app.Build.Args["STEP"] == nil || *app.Build.Args["STEP"] != "09" {
		t.Errorf("service app: build %+v; want the root Dockerfile with STEP 09 by default", app.Build)
	}
	if _, err := os.Stat(filepath.Join(dir, "Dockerfile")); err != nil {
		t.Error(err)
	}
	for name, want := range map[string]string{
		"DATABASE_URL":      "mysql://tasks:tasks@mysql:3306/task_list",
		"MEMCACHED_SERVERS": "memcached:11211",
	} {
		if v := app.Environment[name]; v == nil || *v != want {
			t.Errorf("service app: %s = %v, want %q", name, v, want)
		}
	}
	if _, ok := app.DependsOn["mysql"]; !ok {
		t.Error("service app does not wait for mysql")
	}
}
