package deploy

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/alex-advisor/alex/queue/redistest"
	"github.com/alex-advisor/alex/tasks"
)

// manifest is one Kubernetes object: the fields every kind has, plus the
// document itself for the kind-specific checks.
type manifest struct {
	File       string
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name   string            `yaml:"name"`
		Labels map[string]string `yaml:"labels"`
	} `yaml:"metadata"`
	node yaml.Node
}

// The parts of the kinds the tests look into.
type (
	deployment struct {
		Spec struct {
			Replicas *int `yaml:"replicas"`
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
			Template struct {
				Metadata struct {
					Labels map[string]string `yaml:"labels"`
				} `yaml:"metadata"`
				Spec podSpec `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	job struct {
		Spec struct {
			Template struct {
				Spec podSpec `yaml:"spec"`
			} `yaml:"template"`
		} `yaml:"spec"`
	}
	podSpec struct {
		TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
		SecurityContext               struct {
			RunAsNonRoot bool `yaml:"runAsNonRoot"`
			RunAsUser    int  `yaml:"runAsUser"`
		} `yaml:"securityContext"`
		Containers []container `yaml:"containers"`
	}
	container struct {
		Name  string   `yaml:"name"`
		Image string   `yaml:"image"`
		Args  []string `yaml:"args"`
		Ports []struct {
			Name          string `yaml:"name"`
			ContainerPort int    `yaml:"containerPort"`
		} `yaml:"ports"`
		EnvFrom []struct {
			ConfigMapRef *struct {
				Name string `yaml:"name"`
			} `yaml:"configMapRef"`
		} `yaml:"envFrom"`
		Env []struct {
			Name      string `yaml:"name"`
			ValueFrom *struct {
				SecretKeyRef *struct {
					Name     string `yaml:"name"`
					Key      string `yaml:"key"`
					Optional bool   `yaml:"optional"`
				} `yaml:"secretKeyRef"`
			} `yaml:"valueFrom"`
		} `yaml:"env"`
		ReadinessProbe *probe `yaml:"readinessProbe"`
		LivenessProbe  *probe `yaml:"livenessProbe"`
		Resources      struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		SecurityContext struct {
			AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
			ReadOnlyRootFilesystem   bool  `yaml:"readOnlyRootFilesystem"`
		} `yaml:"securityContext"`
	}
	probe struct {
		HTTPGet *struct {
			Path string `yaml:"path"`
			Port string `yaml:"port"`
		} `yaml:"httpGet"`
		TCPSocket *struct {
			Port string `yaml:"port"`
		} `yaml:"tcpSocket"`
		Exec any `yaml:"exec"`
	}
	selectorSpec struct {
		Spec struct {
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			} `yaml:"selector"`
		} `yaml:"spec"`
	}
	service struct {
		Spec struct {
			Selector map[string]string `yaml:"selector"`
			Ports    []struct {
				Port       int    `yaml:"port"`
				TargetPort string `yaml:"targetPort"`
			} `yaml:"ports"`
		} `yaml:"spec"`
	}
	scaleTarget struct {
		Spec struct {
			ScaleTargetRef struct {
				APIVersion string `yaml:"apiVersion"`
				Kind       string `yaml:"kind"`
				Name       string `yaml:"name"`
			} `yaml:"scaleTargetRef"`
		} `yaml:"spec"`
	}
	hpa struct {
		Spec struct {
			MinReplicas int `yaml:"minReplicas"`
			MaxReplicas int `yaml:"maxReplicas"`
			Metrics     []struct {
				Type string `yaml:"type"`
			} `yaml:"metrics"`
		} `yaml:"spec"`
	}
	scaledObject struct {
		Spec struct {
			MinReplicaCount int `yaml:"minReplicaCount"`
			MaxReplicaCount int `yaml:"maxReplicaCount"`
			Triggers        []struct {
				Type              string                `yaml:"type"`
				Metadata          map[string]string     `yaml:"metadata"`
				AuthenticationRef struct{ Name string } `yaml:"authenticationRef"`
			} `yaml:"triggers"`
		} `yaml:"spec"`
	}
	triggerAuthentication struct {
		Spec struct {
			SecretTargetRef []struct {
				Parameter string `yaml:"parameter"`
				Name      string `yaml:"name"`
				Key       string `yaml:"key"`
			} `yaml:"secretTargetRef"`
		} `yaml:"spec"`
	}
	configMap struct {
		Data map[string]string `yaml:"data"`
	}
)

// apiVersionOf is the API version each kind is written in: current, GA
// versions (autoscaling/v2, policy/v1), KEDA's v1alpha1.
var apiVersionOf = map[string]string{
	"ConfigMap":               "v1",
	"Service":                 "v1",
	"Deployment":              "apps/v1",
	"Job":                     "batch/v1",
	"HorizontalPodAutoscaler": "autoscaling/v2",
	"PodDisruptionBudget":     "policy/v1",
	"ScaledObject":            "keda.sh/v1alpha1",
	"TriggerAuthentication":   "keda.sh/v1alpha1",
}

// secretName is the Secret holding DATABASE_URL, REDIS_URL and the rest.
const secretName = "alex-secrets"

func readManifests(t *testing.T) []manifest {
	t.Helper()
	files, err := filepath.Glob("kubernetes/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var out []manifest
	for _, file := range files {
		f, err := os.Open(file)
		require.NoError(t, err)
		dec := yaml.NewDecoder(f)
		for {
			var m manifest
			err := dec.Decode(&m.node)
			if errors.Is(err, io.EOF) {
				break
			}
			require.NoError(t, err, file)
			require.NoError(t, m.node.Decode(&m), file)
			m.File = file
			out = append(out, m)
		}
		f.Close()
	}
	return out
}

func decodeAs[T any](t *testing.T, m manifest) T {
	t.Helper()
	var v T
	require.NoError(t, m.node.Decode(&v), "%s %s", m.Kind, m.Metadata.Name)
	return v
}

func find(ms []manifest, kind, name string) (manifest, bool) {
	for _, m := range ms {
		if m.Kind == kind && m.Metadata.Name == name {
			return m, true
		}
	}
	return manifest{}, false
}

func mustFind(t *testing.T, ms []manifest, kind, name string) manifest {
	t.Helper()
	m, ok := find(ms, kind, name)
	require.True(t, ok, "no %s %s", kind, name)
	return m
}

func TestManifestsAreKnownKindsInCurrentVersions(t *testing.T) {
	ms := readManifests(t)
	seen := map[string]bool{}
	for _, m := range ms {
		want, ok := apiVersionOf[m.Kind]
		require.True(t, ok, "%s: unexpected kind %q", m.File, m.Kind)
		assert.Equal(t, want, m.APIVersion, "%s %s", m.Kind, m.Metadata.Name)
		require.NotEmpty(t, m.Metadata.Name, "%s: a %s without a name", m.File, m.Kind)
		assert.Equal(t, "alex", m.Metadata.Labels["app.kubernetes.io/name"], "%s %s", m.Kind, m.Metadata.Name)
		id := m.Kind + "/" + m.Metadata.Name
		assert.False(t, seen[id], "%s twice", id)
		seen[id] = true
	}
	for _, id := range []string{"Deployment/alex-api", "Deployment/alex-worker", "Service/alex-api",
		"HorizontalPodAutoscaler/alex-api", "PodDisruptionBudget/alex-api", "ScaledObject/alex-worker",
		"ConfigMap/alex-config", "Job/alex-migrate"} {
		assert.True(t, seen[id], "missing %s", id)
	}
}

func TestDeploymentsSelectTheirPodsAndRunSafely(t *testing.T) {
	ms := readManifests(t)
	for _, name := range []string{"alex-api", "alex-worker"} {
		d := decodeAs[deployment](t, mustFind(t, ms, "Deployment", name))
		sel := d.Spec.Selector.MatchLabels
		require.NotEmpty(t, sel, name)
		for k, v := range sel {
			assert.Equal(t, v, d.Spec.Template.Metadata.Labels[k], "%s: the selector matches the pod template", name)
		}
		assert.Nil(t, d.Spec.Replicas, "%s: the autoscaler owns the replica count", name)
		pod := d.Spec.Template.Spec
		assert.True(t, pod.SecurityContext.RunAsNonRoot, name)
		assert.Equal(t, 65532, pod.SecurityContext.RunAsUser, "%s: distroless nonroot", name)
		require.Len(t, pod.Containers, 1, name)
		requireSafeContainer(t, ms, name, pod.Containers[0])
	}
}

func requireSafeContainer(t *testing.T, ms []manifest, owner string, c container) {
	t.Helper()
	for _, res := range []string{"cpu", "memory"} {
		assert.NotEmpty(t, c.Resources.Requests[res], "%s: %s request", owner, res)
		assert.NotEmpty(t, c.Resources.Limits[res], "%s: %s limit", owner, res)
	}
	require.NotNil(t, c.SecurityContext.AllowPrivilegeEscalation, owner)
	assert.False(t, *c.SecurityContext.AllowPrivilegeEscalation, owner)
	assert.True(t, c.SecurityContext.ReadOnlyRootFilesystem, owner)
	secrets := map[string]bool{}
	for _, e := range c.Env {
		if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			assert.Equal(t, secretName, e.ValueFrom.SecretKeyRef.Name, "%s: %s", owner, e.Name)
			assert.Equal(t, e.Name, e.ValueFrom.SecretKeyRef.Key, "%s: %s", owner, e.Name)
			secrets[e.Name] = true
		}
	}
	assert.True(t, secrets["DATABASE_URL"], "%s: DATABASE_URL from the Secret", owner)
	for _, ef := range c.EnvFrom {
		if ef.ConfigMapRef != nil {
			mustFind(t, ms, "ConfigMap", ef.ConfigMapRef.Name)
		}
	}
}

func (c container) port(name string) int {
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	return 0
}

func (c container) secretEnv(name string) bool {
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			return true
		}
	}
	return false
}

func TestAPIProbesAndService(t *testing.T) {
	ms := readManifests(t)
	d := decodeAs[deployment](t, mustFind(t, ms, "Deployment", "alex-api"))
	c := d.Spec.Template.Spec.Containers[0]
	assert.Equal(t, 8000, c.port("http"))
	require.NotNil(t, c.ReadinessProbe)
	require.NotNil(t, c.ReadinessProbe.HTTPGet)
	assert.Equal(t, "/ready", c.ReadinessProbe.HTTPGet.Path)
	assert.Equal(t, "http", c.ReadinessProbe.HTTPGet.Port)
	require.NotNil(t, c.LivenessProbe)
	require.NotNil(t, c.LivenessProbe.HTTPGet)
	assert.Equal(t, "/health", c.LivenessProbe.HTTPGet.Path, "liveness must not depend on PostgreSQL or Redis")
	assert.True(t, c.secretEnv("REDIS_URL"))
	assert.True(t, c.secretEnv("CLERK_SECRET_KEY"))

	svc := decodeAs[service](t, mustFind(t, ms, "Service", "alex-api"))
	assert.Equal(t, d.Spec.Template.Metadata.Labels, svc.Spec.Selector, "the Service selects the API pods")
	for _, p := range svc.Spec.Ports {
		assert.NotZero(t, c.port(p.TargetPort), "target port %s exists", p.TargetPort)
		assert.NotEqual(t, "metrics", p.TargetPort, "metrics stay off the public Service")
	}

	h := decodeAs[hpa](t, mustFind(t, ms, "HorizontalPodAutoscaler", "alex-api"))
	ref := decodeAs[scaleTarget](t, mustFind(t, ms, "HorizontalPodAutoscaler", "alex-api")).Spec.ScaleTargetRef
	assert.Equal(t, "Deployment", ref.Kind)
	assert.Equal(t, "alex-api", ref.Name)
	assert.GreaterOrEqual(t, h.Spec.MinReplicas, 2, "one API pod may be disrupted while another serves")
	assert.Greater(t, h.Spec.MaxReplicas, h.Spec.MinReplicas)
	require.NotEmpty(t, h.Spec.Metrics)
}

func TestWorkerProbeAndMetricsPort(t *testing.T) {
	ms := readManifests(t)
	d := decodeAs[deployment](t, mustFind(t, ms, "Deployment", "alex-worker"))
	c := d.Spec.Template.Spec.Containers[0]
	require.NotNil(t, c.LivenessProbe)
	assert.Nil(t, c.LivenessProbe.Exec, "distroless has no shell for exec probes")
	require.NotNil(t, c.LivenessProbe.TCPSocket)
	metricsPort := c.port(c.LivenessProbe.TCPSocket.Port)
	assert.NotZero(t, metricsPort)
	cfg := decodeAs[configMap](t, mustFind(t, ms, "ConfigMap", "alex-config"))
	assert.Equal(t, ":9090", cfg.Data["METRICS_ADDR"])
	assert.Equal(t, 9090, metricsPort, "the probed port is where METRICS_ADDR listens")
	assert.Greater(t, d.Spec.Template.Spec.TerminationGracePeriodSeconds, 30,
		"longer than WORKER_SHUTDOWN_TIMEOUT, so running stages finish")
	assert.True(t, c.secretEnv("REDIS_URL"))
	assert.Equal(t, "false", cfg.Data["AUTO_MIGRATE"], "the migrate Job owns migrations")
}

func TestMigrateJobRunsTheAPIImage(t *testing.T) {
	ms := readManifests(t)
	j := decodeAs[job](t, mustFind(t, ms, "Job", "alex-migrate"))
	c := j.Spec.Template.Spec.Containers[0]
	assert.Equal(t, []string{"migrate"}, c.Args)
	assert.Contains(t, c.Image, "alex-api")
	requireSafeContainer(t, ms, "alex-migrate", c)
}

func TestDisruptionBudgetsSelectDeployments(t *testing.T) {
	ms := readManifests(t)
	var budgets int
	for _, m := range ms {
		if m.Kind != "PodDisruptionBudget" {
			continue
		}
		budgets++
		sel := decodeAs[selectorSpec](t, m).Spec.Selector.MatchLabels
		d := decodeAs[deployment](t, mustFind(t, ms, "Deployment", m.Metadata.Name))
		assert.Equal(t, d.Spec.Selector.MatchLabels, sel, "PodDisruptionBudget %s", m.Metadata.Name)
	}
	assert.NotZero(t, budgets)
}

// KEDA scales the workers on every queue the worker serves, each read from
// the list asynq keeps its pending tasks in.
func TestScaledObjectWatchesEveryQueue(t *testing.T) {
	ms := readManifests(t)
	so := decodeAs[scaledObject](t, mustFind(t, ms, "ScaledObject", "alex-worker"))
	ref := decodeAs[scaleTarget](t, mustFind(t, ms, "ScaledObject", "alex-worker")).Spec.ScaleTargetRef
	assert.Equal(t, "Deployment", ref.Kind)
	mustFind(t, ms, "Deployment", ref.Name)
	assert.GreaterOrEqual(t, so.Spec.MinReplicaCount, 1, "the sweeper needs a worker even when the lists are empty")
	assert.Greater(t, so.Spec.MaxReplicaCount, so.Spec.MinReplicaCount)

	var lists []string
	for _, tr := range so.Spec.Triggers {
		assert.Equal(t, "redis", tr.Type)
		assert.NotEmpty(t, tr.Metadata["listLength"])
		lists = append(lists, tr.Metadata["listName"])
		auth := decodeAs[triggerAuthentication](t, mustFind(t, ms, "TriggerAuthentication", tr.AuthenticationRef.Name))
		var params []string
		for _, ref := range auth.Spec.SecretTargetRef {
			assert.Equal(t, secretName, ref.Name)
			params = append(params, ref.Parameter)
		}
		assert.Contains(t, params, "address")
	}
	var want []string
	for _, q := range tasks.QueueNames() {
		want = append(want, pendingList(q))
	}
	slices.Sort(lists)
	assert.Equal(t, want, lists)
}

func pendingList(queue string) string { return "asynq:{" + queue + "}:pending" }

// The list name the ScaledObject watches is where asynq really keeps a
// queue's waiting tasks: checked on a real Redis, not taken on trust.
func TestAsynqKeepsPendingTasksInTheWatchedList(t *testing.T) {
	srv := redistest.Start(t)
	conn, err := asynq.ParseRedisURI(srv.URL())
	require.NoError(t, err)
	client := asynq.NewClient(conn)
	defer client.Close()
	for range 2 {
		_, err := client.Enqueue(asynq.NewTask(tasks.TypeStagePrefix+"planner", nil), asynq.Queue(tasks.QueueDefault))
		require.NoError(t, err)
	}
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	n, err := rdb.LLen(t.Context(), pendingList(tasks.QueueDefault)).Result()
	require.NoError(t, err)
	assert.EqualValues(t, 2, n)
}
