package deploy

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
	// Extensions are the x- keys that hold the shared anchors.
	Extensions map[string]any `yaml:",inline"`
}

type composeService struct {
	Image         string                      `yaml:"image"`
	Build         *composeBuild               `yaml:"build"`
	Command       []string                    `yaml:"command"`
	Environment   map[string]string           `yaml:"environment"`
	DependsOn     map[string]composeDependsOn `yaml:"depends_on"`
	Healthcheck   *composeHealthcheck         `yaml:"healthcheck"`
	ContainerName string                      `yaml:"container_name"`
	Ports         []string                    `yaml:"ports"`
	Volumes       []string                    `yaml:"volumes"`
	Restart       string                      `yaml:"restart"`
	StopGrace     string                      `yaml:"stop_grace_period"`
}

type composeBuild struct {
	Context    string            `yaml:"context"`
	Dockerfile string            `yaml:"dockerfile"`
	Args       map[string]string `yaml:"args"`
}

type composeDependsOn struct {
	Condition string `yaml:"condition"`
}

type composeHealthcheck struct {
	Test     []string `yaml:"test"`
	Interval string   `yaml:"interval"`
	Timeout  string   `yaml:"timeout"`
	Retries  int      `yaml:"retries"`
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	raw, err := os.ReadFile("../docker-compose.yml")
	require.NoError(t, err)
	var c composeFile
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true) // a misspelt key fails here, not at `docker compose up`
	require.NoError(t, dec.Decode(&c))
	for key := range c.Extensions {
		require.True(t, strings.HasPrefix(key, "x-"), "unknown top-level key %q", key)
	}
	return c
}

func TestComposeHasEveryService(t *testing.T) {
	c := readCompose(t)
	var names []string
	for name := range c.Services {
		names = append(names, name)
	}
	slices.Sort(names)
	assert.Equal(t, []string{"api", "asynqmon", "migrate", "postgres", "redis", "worker"}, names)
}

func TestComposeDataServicesAreHealthCheckedAndPersistent(t *testing.T) {
	c := readCompose(t)
	pg := c.Services["postgres"]
	require.NotNil(t, pg.Healthcheck, "postgres needs a healthcheck for depends_on service_healthy")
	assert.Contains(t, strings.Join(pg.Healthcheck.Test, " "), "pg_isready")
	requireNamedVolume(t, c, pg, "/var/lib/postgresql/data")

	redis := c.Services["redis"]
	require.NotNil(t, redis.Healthcheck)
	assert.Contains(t, strings.Join(redis.Healthcheck.Test, " "), "ping")
	cmd := strings.Join(redis.Command, " ")
	assert.Contains(t, cmd, "--maxmemory-policy noeviction", "asynq's keys must never be evicted")
	assert.Contains(t, cmd, "--appendonly yes")
	requireNamedVolume(t, c, redis, "/data")
}

func requireNamedVolume(t *testing.T, c composeFile, s composeService, target string) {
	t.Helper()
	for _, v := range s.Volumes {
		name, path, _ := strings.Cut(v, ":")
		if path == target {
			require.Contains(t, c.Volumes, name, "volume %s is declared", name)
			return
		}
	}
	t.Fatalf("no volume on %s", target)
}

func TestComposeAppServicesStartInOrder(t *testing.T) {
	c := readCompose(t)
	migrate := c.Services["migrate"]
	assert.Equal(t, []string{"migrate"}, migrate.Command, "migrate runs `api migrate` once")
	assert.Equal(t, "api", migrate.Build.Args["CMD"])
	assert.Equal(t, "service_healthy", migrate.DependsOn["postgres"].Condition)

	for _, name := range []string{"api", "worker"} {
		s := c.Services[name]
		assert.Equal(t, name, s.Build.Args["CMD"], name)
		assert.Equal(t, "deploy/Dockerfile", s.Build.Dockerfile, name)
		assert.Equal(t, map[string]composeDependsOn{
			"postgres": {"service_healthy"},
			"redis":    {"service_healthy"},
			"migrate":  {"service_completed_successfully"},
		}, s.DependsOn, name)
		assert.Contains(t, s.Environment["DATABASE_URL"], "@postgres:5432/", name)
		assert.Equal(t, "redis://redis:6379/0", s.Environment["REDIS_URL"], name)
		assert.Equal(t, "false", s.Environment["AUTO_MIGRATE"], "%s: the migrate service owns migrations", name)
		assert.Equal(t, ":9090", s.Environment["METRICS_ADDR"], name)
	}
	assert.Contains(t, c.Services["migrate"].Environment, "DATABASE_URL")
	assert.Equal(t, "8000", c.Services["api"].Environment["PORT"])
	assert.Contains(t, c.Services["api"].Ports, "8000:8000")
}

func TestComposeWorkersScale(t *testing.T) {
	w := readCompose(t).Services["worker"]
	assert.Empty(t, w.ContainerName, "a container_name allows one replica only")
	assert.Empty(t, w.Ports, "a fixed host port allows one replica only")
}

func TestComposeAsynqmonWatchesTheQueue(t *testing.T) {
	m := readCompose(t).Services["asynqmon"]
	assert.True(t, strings.HasPrefix(m.Image, "hibiken/asynqmon"), m.Image)
	assert.Equal(t, []string{"--redis-url=redis://redis:6379/0"}, m.Command)
	assert.Equal(t, "service_healthy", m.DependsOn["redis"].Condition)
}

// Every dependency names a service, with a condition compose knows, and
// one waiting for health has a healthcheck to wait for.
func TestComposeDependenciesAreWellFormed(t *testing.T) {
	c := readCompose(t)
	conditions := []string{"service_started", "service_healthy", "service_completed_successfully"}
	for name, s := range c.Services {
		for dep, d := range s.DependsOn {
			require.Contains(t, c.Services, dep, "%s depends on %s", name, dep)
			assert.Contains(t, conditions, d.Condition, "%s → %s", name, dep)
			if d.Condition == "service_healthy" {
				assert.NotNil(t, c.Services[dep].Healthcheck, "%s waits for %s's health", name, dep)
			}
		}
	}
}
