package redistest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// Cluster is a Redis Cluster of three masters (no replicas) owned by a test.
type Cluster struct {
	Nodes []*Server
}

// StartCluster runs three cluster-enabled redis-servers, joins them with
// redis-cli --cluster create and waits until every node reports
// cluster_state:ok. The processes stop when the test ends. A machine
// without redis-server or redis-cli fails the test.
func StartCluster(tb testing.TB) *Cluster {
	tb.Helper()
	c := &Cluster{}
	for range 3 {
		dir := tb.TempDir()
		// The bus port is chosen too: port+10000, the default, can be past 65535.
		c.Nodes = append(c.Nodes, start(tb, "--cluster-enabled", "yes",
			"--cluster-port", strconv.Itoa(freePort(tb)),
			"--cluster-config-file", filepath.Join(dir, "nodes.conf")))
	}
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	out, err := exec.Command("redis-cli", append(args, "--cluster-replicas", "0", "--cluster-yes")...).CombinedOutput()
	require.NoError(tb, err, "redis-cli --cluster create (apt-get install redis-tools): %s", out)
	for _, n := range c.Nodes {
		rdb := redis.NewClient(&redis.Options{Addr: n.Addr()})
		require.Eventually(tb, func() bool {
			info, err := rdb.ClusterInfo(tb.Context()).Result()
			return err == nil && strings.Contains(info, "cluster_state:ok")
		}, 30*time.Second, 20*time.Millisecond, "cluster node %s did not reach cluster_state:ok", n.Addr())
		_ = rdb.Close()
	}
	return c
}

// Addrs are the nodes' host:port.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr()
	}
	return addrs
}

// URL is the cluster's redis-cluster:// address, listing every node.
func (c *Cluster) URL() string { return "redis-cluster://" + strings.Join(c.Addrs(), ",") }

// Sentinel is a redis-server master watched by one Redis Sentinel, both
// owned by a test. The master and the Sentinel each have a password.
type Sentinel struct {
	Master *Server
	port   int
	cmd    *exec.Cmd
}

// Credentials of StartSentinel's master and Sentinel, and the master's name.
const (
	SentinelMasterName     = "mymaster"
	SentinelMasterPassword = "master-secret"
	SentinelPassword       = "sentinel-secret"
)

// StartSentinel runs a master with a password and a Sentinel (with its own
// password) that monitors it, and waits until the Sentinel names the
// master. Both stop when the test ends.
func StartSentinel(tb testing.TB) *Sentinel {
	tb.Helper()
	s := &Sentinel{Master: start(tb, "--requirepass", SentinelMasterPassword), port: freePort(tb)}
	// Sentinel rewrites its config file, so it lives in the test's directory.
	conf := filepath.Join(tb.TempDir(), "sentinel.conf")
	require.NoError(tb, os.WriteFile(conf, fmt.Appendf(nil, `port %d
bind 127.0.0.1
requirepass %s
sentinel monitor %s %s %d 1
sentinel auth-pass %s %s
`, s.port, SentinelPassword, SentinelMasterName, "127.0.0.1", s.Master.port,
		SentinelMasterName, SentinelMasterPassword), 0o600))
	s.cmd = exec.Command("redis-server", conf, "--sentinel")
	require.NoError(tb, s.cmd.Start(), "start redis-server --sentinel (apt-get install redis-server)")
	tb.Cleanup(func() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() })
	sc := redis.NewSentinelClient(&redis.Options{Addr: s.Addr(), Password: SentinelPassword})
	defer sc.Close()
	require.Eventually(tb, func() bool {
		addr, err := sc.GetMasterAddrByName(tb.Context(), SentinelMasterName).Result()
		return err == nil && len(addr) == 2 && addr[1] == strconv.Itoa(s.Master.port)
	}, 10*time.Second, 10*time.Millisecond, "sentinel on port %d did not name the master", s.port)
	return s
}

// Addr is the Sentinel's host:port.
func (s *Sentinel) Addr() string { return fmt.Sprintf("127.0.0.1:%d", s.port) }

// URL is the redis-sentinel:// address of the master, with both passwords.
func (s *Sentinel) URL() string {
	return fmt.Sprintf("redis-sentinel://:%s@%s/0?master=%s&sentinel_password=%s",
		SentinelMasterPassword, s.Addr(), SentinelMasterName, SentinelPassword)
}
