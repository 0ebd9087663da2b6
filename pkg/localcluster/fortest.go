package localcluster

import (
	"context"
	"strings"
	"testing"
	"time"
)

// startTimeout bounds StartForTest's startup; a healthy start takes seconds.
const startTimeout = 3 * time.Minute

// StartForTest starts a cluster for a test. It skips the test under
// -short, fails it if the binaries are not built, stops the cluster when the
// test ends and, if the test failed, first logs every component's log.
// Progress lines go to t.Log unless o.Log is set.
func StartForTest(t testing.TB, o Options) *Cluster {
	t.Helper()
	if testing.Short() {
		t.Skip("localcluster: skipped in -short mode (starts a real control plane)")
	}
	if o.Log == nil {
		o.Log = testLogWriter{t}
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	c, err := Start(ctx, o)
	if err != nil {
		t.Fatalf("start local cluster: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			var b strings.Builder
			c.WriteLogs(&b)
			t.Logf("control-plane logs:\n%s", b.String())
		}
		if err := c.Stop(); err != nil {
			t.Errorf("stop local cluster: %v", err)
		}
	})
	return c
}

// testLogWriter turns progress lines into t.Log calls.
type testLogWriter struct{ t testing.TB }

func (w testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
