package docs

import (
	"os"
	"path/filepath"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestHerokuYAML checks what can be checked of heroku.yml without Heroku:
// it parses, builds the Dockerfile, and names a chapter that exists.
// .ci/image.sh builds and runs the image it describes, on $PORT.
func TestHerokuYAML(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(root, "heroku.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var manifest struct {
		Build struct {
			Docker map[string]string `yaml:"docker"`
			Config map[string]string `yaml:"config"`
		} `yaml:"build"`
	}
	if err := yaml.Unmarshal(data, &manifest); err != nil {
		t.Fatalf("heroku.yml: %v", err)
	}
	dockerfile := manifest.Build.Docker["web"]
	if dockerfile != "Dockerfile" {
		t.Errorf("heroku.yml builds web from %q, want the Dockerfile", dockerfile)
	}
	if _, err := os.Stat(filepath.Join(root, dockerfile)); err != nil {
		t.Error(err)
	}
	step := manifest.Build.Config["STEP"]
	if chapters, _ := filepath.Glob(filepath.Join(root, "step"+step+"-*")); step == "" || len(chapters) != 1 {
		t.Errorf("heroku.yml's STEP %q names no chapter", step)
	}
}
