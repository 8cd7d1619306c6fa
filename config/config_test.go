package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPprofAddrMustBeLoopback(t *testing.T) {
	base := Config{AuthMode: AuthLocal, MaxActiveJobsPerUser: 3, WorkerConcurrency: 10}
	for addr, ok := range map[string]bool{
		"":               true,
		"127.0.0.1:6060": true,
		"localhost:6060": true,
		"[::1]:6060":     true,
		":6060":          false,
		"0.0.0.0:6060":   false,
		"10.0.0.5:6060":  false,
		"127.0.0.1":      false,
	} {
		c := base
		c.PprofAddr = addr
		if ok {
			require.NoError(t, c.Validate(), addr)
		} else {
			require.Error(t, c.Validate(), addr)
		}
	}
}
