package config

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestValidateMarketSettings(t *testing.T) {
	valid := Config{AuthMode: AuthLocal, LocalTokenTTL: 24 * time.Hour, MaxActiveJobsPerUser: 3, MaxStreamsPerUser: 10, JobRetention: 90 * 24 * time.Hour, WorkerConcurrency: 1,
		FundDataProvider: FundsAMFI, PriceRefreshInterval: 15 * time.Minute, FundCacheTTL: time.Hour, FXCacheTTL: 12 * time.Hour}
	if err := valid.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, edit := range map[string]func(*Config){
		"unknown provider":        func(c *Config) { c.FundDataProvider = "morningstar" },
		"rapidapi without a key":  func(c *Config) { c.FundDataProvider = FundsRapidAPI },
		"interval under a minute": func(c *Config) { c.PriceRefreshInterval = 30 * time.Second },
		"interval over an hour":   func(c *Config) { c.PriceRefreshInterval = 2 * time.Hour },
		"no cache ttl":            func(c *Config) { c.FundCacheTTL = 0 },
		"no fx cache ttl":         func(c *Config) { c.FXCacheTTL = 0 },
		"fx url not a url":        func(c *Config) { c.FXRatesURL = "www.ecb.europa.eu/eurofxref-daily.xml" },
		"fx url not http":         func(c *Config) { c.FXRatesURL = "file:///etc/passwd" },
	} {
		c := valid
		edit(&c)
		if c.Validate() == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	c := valid
	c.FXRatesURL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
	if err := c.Validate(); err != nil {
		t.Errorf("the ECB's URL: %v", err)
	}
	c = valid
	c.FundDataProvider, c.RapidAPIKey = FundsRapidAPI, "secret"
	if err := c.Validate(); err != nil {
		t.Errorf("rapidapi with a key: %v", err)
	}
	if got := c.LogValue().String(); strings.Contains(got, "secret") {
		t.Errorf("RAPIDAPI_KEY logged: %s", got)
	}
}

func TestPprofAddrMustBeLoopback(t *testing.T) {
	base := Config{AuthMode: AuthLocal, LocalTokenTTL: 24 * time.Hour, MaxActiveJobsPerUser: 3, MaxStreamsPerUser: 10, JobRetention: 90 * 24 * time.Hour, WorkerConcurrency: 10,
		FundDataProvider: FundsAMFI, PriceRefreshInterval: 15 * time.Minute, FundCacheTTL: time.Hour, FXCacheTTL: 12 * time.Hour}
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

func TestConfigFXDefaults(t *testing.T) {
	t.Setenv("FX_RATES_URL", "")
	t.Setenv("AUTH_MODE", AuthLocal)
	cfg, err := Load()
	require.NoError(t, err)
	require.Equal(t, "", cfg.FXRatesURL, "the bundled sample")
	require.Equal(t, 12*time.Hour, cfg.FXCacheTTL)
	require.Equal(t, "CRON_TZ=Europe/Berlin 30 16 * * 1-5", cfg.FXRefreshCron)
}

func TestPublicURLMustBeAnOrigin(t *testing.T) {
	base := Config{AuthMode: AuthLocal, LocalTokenTTL: 24 * time.Hour, MaxActiveJobsPerUser: 3, MaxStreamsPerUser: 10, WorkerConcurrency: 10,
		FundDataProvider: FundsAMFI, PriceRefreshInterval: 15 * time.Minute, FundCacheTTL: time.Hour, FXCacheTTL: 12 * time.Hour}
	for u, ok := range map[string]bool{
		"":                            true,
		"https://alex.example.com":    true,
		"https://alex.example.com/":   true,
		"http://localhost:8000":       true,
		"alex.example.com":            false,
		"ftp://alex.example.com":      false,
		"https://alex.example.com/x":  false,
		"https://alex.example.com?a":  false,
		"https://user:pw@example.com": false,
	} {
		c := base
		c.PublicURL = u
		err := c.Validate()
		if ok {
			if err != nil {
				require.NotContains(t, err.Error(), "PUBLIC_URL", u)
			}
		} else {
			require.ErrorContains(t, err, "PUBLIC_URL", u)
		}
	}
}

// In production a short MONITORING_PASSWORD stops start-up (elsewhere it
// only keeps /monitoring's basic auth off).
func TestProductionRefusesAShortMonitoringPassword(t *testing.T) {
	c := Config{Env: "production", AuthMode: AuthLocal, LocalTokenTTL: 24 * time.Hour, MaxActiveJobsPerUser: 3, MaxStreamsPerUser: 10, JobRetention: 90 * 24 * time.Hour,
		WorkerConcurrency: 10, FundDataProvider: FundsAMFI, PriceRefreshInterval: 15 * time.Minute,
		FundCacheTTL: time.Hour, FXCacheTTL: 12 * time.Hour, MonitoringUser: "ops", MonitoringPassword: "secret"}
	require.ErrorContains(t, c.Validate(), "MONITORING_PASSWORD must have at least 16 characters")
	c.MonitoringPassword = "sixteen-chars-ok"
	if err := c.Validate(); err != nil {
		require.NotContains(t, err.Error(), "MONITORING_PASSWORD")
	}
	c.Env, c.MonitoringPassword = "", "secret"
	if err := c.Validate(); err != nil {
		require.NotContains(t, err.Error(), "MONITORING_PASSWORD", "outside production it is a warning")
	}
}

// Both frontends run at http://localhost:3000 in development.
func TestConfigCORSDefault(t *testing.T) {
	t.Setenv("AUTH_MODE", AuthLocal)
	cfg, err := Load()
	require.NoError(t, err)
	require.Equal(t, []string{"http://localhost:3000"}, cfg.CORSOrigins)

	t.Setenv("CORS_ORIGINS", "http://localhost:3000,https://alex.example")
	cfg, err = Load()
	require.NoError(t, err)
	require.Equal(t, []string{"http://localhost:3000", "https://alex.example"}, cfg.CORSOrigins)
}

// A local token's lifetime has a cap: a stolen one is good until it expires.
func TestLocalTokenTTLIsCapped(t *testing.T) {
	t.Setenv("AUTH_MODE", AuthLocal)
	for ttl, ok := range map[string]bool{"24h": true, "720h": true, "721h": false, "1m": false} {
		t.Setenv("LOCAL_TOKEN_TTL", ttl)
		_, err := Load()
		if ok {
			require.NoError(t, err, ttl)
		} else {
			require.ErrorContains(t, err, "LOCAL_TOKEN_TTL", ttl)
		}
	}
}

// The logged config shows where Redis is but none of its passwords, in
// every form of REDIS_URL.
func TestLoggedRedisURLHidesItsPasswords(t *testing.T) {
	for url, shown := range map[string]string{
		"redis://:hunter2@cache:6379/0": "redis://:****@cache:6379/0",
		"redis-sentinel://:hunter2@s1:26379,s2:26379/0?master=m&sentinel_password=hunter2": "redis-sentinel://:****@s1:26379,s2:26379/0?master=m&sentinel_password=****",
		"redis-cluster://:hunter2@n1:7000,n2:7001":                                         "redis-cluster://:****@n1:7000,n2:7001",
		"redis-cluster://:hunter2@n1,n2:7001":                                              "redis-cluster://:****@n1,n2:7001",
		"redis-cluster://:hunter2@n1:7000,n2":                                              "****", // net/url refuses it: all masked
	} {
		got := Config{RedisURL: url}.LogValue().String()
		if strings.Contains(got, "hunter2") || !strings.Contains(got, "REDIS_URL="+shown) {
			t.Errorf("%s logged as %s", url, got)
		}
	}
}

// A REDIS_URL that cannot work stops start-up with a sentence naming it,
// without its password; each of its forms passes.
func TestValidateChecksRedisURL(t *testing.T) {
	valid := Config{AuthMode: AuthLocal, LocalTokenTTL: 24 * time.Hour, MaxActiveJobsPerUser: 3, MaxStreamsPerUser: 10, JobRetention: 90 * 24 * time.Hour, WorkerConcurrency: 10,
		FundDataProvider: FundsAMFI, PriceRefreshInterval: 15 * time.Minute, FundCacheTTL: time.Hour, FXCacheTTL: 12 * time.Hour}
	for _, url := range []string{"redis://:pw@cache:6379/0", "rediss://cache", "redis-sentinel://s1,s2:26380/0?master=m",
		"redis-cluster://n1:7000,n2:7001"} {
		c := valid
		c.RedisURL = url
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", url, err)
		}
	}
	c := valid
	c.RedisURL = "redis-sentinel://:hunter2@s1,s2:26380/0"
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "REDIS_URL") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("a Sentinel URL without master: %v", err)
	}
}
