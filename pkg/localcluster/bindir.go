package localcluster

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const (
	// BinDirEnv overrides where the component binaries are looked for.
	BinDirEnv = "COXSWAIN_BIN_DIR"
	// modulePath identifies the repository root while walking up to it.
	modulePath = "github.com/coxswain-io/coxswain"
)

// ErrMissingBinaries is wrapped by Start's error when a component binary is
// not built.
var ErrMissingBinaries = errors.New("control-plane binaries missing (run `make tools`)")

// defaultBinDir is $COXSWAIN_BIN_DIR, else <repo>/bin.
func defaultBinDir() (string, error) {
	if dir := os.Getenv(BinDirEnv); dir != "" {
		return dir, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if isRepoRoot(dir) {
			return filepath.Join(dir, "bin"), nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("localcluster: no %s go.mod above %s; set Options.BinDir or $%s", modulePath, wd, BinDirEnv)
		}
	}
}

// isRepoRoot reports whether dir holds the go.mod of coxswain itself, not
// of a nested module such as hack/tools.
func isRepoRoot(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) == 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == modulePath
		}
	}
	return false
}

// checkBinaries reports every binary the options need that is missing.
func checkBinaries(o Options) error {
	need := []string{compEtcd, compAPIServer}
	if !o.WithoutMetricsServer {
		need = append(need, compMetricsServer)
	}
	if !o.WithoutControllerManager {
		need = append(need, compControllerManager)
	}
	if !o.WithoutKwok {
		need = append(need, compKwok)
	}
	var missing []string
	for _, name := range need {
		st, err := os.Stat(filepath.Join(o.BinDir, name))
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("localcluster: %w: %s not in %s", ErrMissingBinaries, strings.Join(missing, ", "), o.BinDir)
	}
	return nil
}
