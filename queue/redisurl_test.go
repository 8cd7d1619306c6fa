package queue_test

import (
	"crypto/tls"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/alex-advisor/alex/queue"
)

// What each REDIS_URL form becomes, down to the options of go-redis and of
// asynq that the service connects with.
func TestParseRedisURLGivesTheClientOptionsOfEachForm(t *testing.T) {
	t.Parallel()
	t.Run("one node", func(t *testing.T) {
		o, err := queue.ParseRedisURL("redis://:pw@cache.internal:6380/2")
		require.NoError(t, err)
		require.Nil(t, o.Failover)
		require.Nil(t, o.Cluster)
		assert.Equal(t, "cache.internal:6380", o.Single.Addr)
		assert.Equal(t, "pw", o.Single.Password)
		assert.Equal(t, 2, o.Single.DB)
		assert.Nil(t, o.Single.TLSConfig)
		assert.Equal(t, asynq.RedisClientOpt{Network: "tcp", Addr: "cache.internal:6380", Password: "pw", DB: 2}, o.Asynq)
	})
	t.Run("one node over TLS", func(t *testing.T) {
		o, err := queue.ParseRedisURL("rediss://user:pw@cache.internal")
		require.NoError(t, err)
		assert.Equal(t, "cache.internal:6379", o.Single.Addr)
		assert.Equal(t, "user", o.Single.Username)
		require.NotNil(t, o.Single.TLSConfig)
		assert.Equal(t, "cache.internal", o.Single.TLSConfig.ServerName)
		assert.Equal(t, o.Single.TLSConfig, o.Asynq.(asynq.RedisClientOpt).TLSConfig)
	})
	t.Run("sentinel", func(t *testing.T) {
		o, err := queue.ParseRedisURL("redis-sentinel://:pw@s1:26380,s2,[::1]:26381/3?master=mymaster&sentinel_password=spw&dial_timeout=3s")
		require.NoError(t, err)
		require.Nil(t, o.Single)
		require.Nil(t, o.Cluster)
		f := o.Failover
		assert.Equal(t, "mymaster", f.MasterName)
		assert.Equal(t, []string{"s1:26380", "s2:26379", "[::1]:26381"}, f.SentinelAddrs)
		assert.Equal(t, "pw", f.Password, "the URL's password is the master's")
		assert.Equal(t, "spw", f.SentinelPassword)
		assert.Equal(t, 3, f.DB)
		assert.Equal(t, 3*time.Second, f.DialTimeout, "go-redis's query options apply")
		assert.Nil(t, f.TLSConfig)
		assert.Equal(t, asynq.RedisFailoverClientOpt{
			MasterName: "mymaster", SentinelAddrs: []string{"s1:26380", "s2:26379", "[::1]:26381"},
			SentinelPassword: "spw", Password: "pw", DB: 3, DialTimeout: 3 * time.Second,
		}, o.Asynq)
	})
	t.Run("sentinel over TLS", func(t *testing.T) {
		o, err := queue.ParseRedisURL("rediss-sentinel://s1:26379?master_name=cache")
		require.NoError(t, err)
		assert.Equal(t, "cache", o.Failover.MasterName)
		assert.Empty(t, o.Failover.Password)
		require.NotNil(t, o.Failover.TLSConfig)
		assert.Equal(t, uint16(tls.VersionTLS12), o.Failover.TLSConfig.MinVersion)
		assert.Equal(t, o.Failover.TLSConfig, o.Asynq.(asynq.RedisFailoverClientOpt).TLSConfig)
	})
	t.Run("cluster", func(t *testing.T) {
		o, err := queue.ParseRedisURL("redis-cluster://:pw@n1:7000,n2:7001,n3?max_redirects=5")
		require.NoError(t, err)
		require.Nil(t, o.Single)
		require.Nil(t, o.Failover)
		c := o.Cluster
		assert.Equal(t, []string{"n1:7000", "n2:7001", "n3:6379"}, c.Addrs)
		assert.Equal(t, "pw", c.Password)
		assert.Equal(t, 5, c.MaxRedirects)
		assert.Nil(t, c.TLSConfig)
		assert.Equal(t, asynq.RedisClusterClientOpt{
			Addrs: []string{"n1:7000", "n2:7001", "n3:6379"}, Password: "pw", MaxRedirects: 5,
		}, o.Asynq)
	})
	t.Run("cluster over TLS", func(t *testing.T) {
		o, err := queue.ParseRedisURL("rediss-cluster://user:pw@n1:7000,n2:7001/")
		require.NoError(t, err)
		assert.Equal(t, "user", o.Cluster.Username)
		require.NotNil(t, o.Cluster.TLSConfig)
		assert.Equal(t, "n1", o.Cluster.TLSConfig.ServerName)
		assert.Equal(t, o.Cluster.TLSConfig, o.Asynq.(asynq.RedisClusterClientOpt).TLSConfig)
	})
}

// A REDIS_URL that cannot work stops start-up with a sentence that names
// REDIS_URL and the reason, and never shows the password.
func TestParseRedisURLRefusesBadURLsWithoutShowingThePassword(t *testing.T) {
	t.Parallel()
	const password = "hunter2-secret"
	for url, reason := range map[string]string{
		"redis://:" + password + "@host:port/0":                                             `invalid port ":port"`,
		"redis://:" + password + "@host:6379/zero":                                          "invalid database number",
		"http://:" + password + "@host:6379":                                                `scheme "http"`,
		":" + password + "@host:6379":                                                       "no scheme",
		"redis-sentinel://:" + password + "@s1:26379,s2:26379/0":                            "master's name",
		"redis-sentinel://:pw@s1:26379/0?master=m&sentinel_password=" + password + "&tls=1": "tls",
		"redis-cluster://:" + password + "@n1:7000,,n2:7001":                                "empty address",
		"redis-cluster://:" + password + "@n1:7000,n2:7001/1":                               "only database 0",
		"redis-cluster://:" + password + "@n1:7000?pool_size=many":                          "pool_size",
	} {
		_, err := queue.ParseRedisURL(url)
		require.Error(t, err, url)
		assert.Contains(t, err.Error(), "REDIS_URL is not valid", url)
		assert.Contains(t, err.Error(), reason, url)
		assert.NotContains(t, err.Error(), password, url)
	}
}
