package deploy

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	Cmd  string // upper-cased: FROM, RUN, ...
	Args string
}

// stage is the instructions from one FROM to the next.
type stage struct {
	From         string // image
	Name         string // AS name
	Instructions []instruction
}

// readDockerfile splits the Dockerfile into stages. The grammar used here
// (instructions, comments, backslash continuations) is all a linter-free
// check needs; BuildKit's parser would pull a large module in for tests.
func readDockerfile(t *testing.T, path string) []stage {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var stages []stage
	var pending string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") || (line == "" && pending == "") {
			continue
		}
		if cont, ok := strings.CutSuffix(line, `\`); ok {
			pending += cont + " "
			continue
		}
		line, pending = pending+line, ""
		cmd, args, _ := strings.Cut(line, " ")
		in := instruction{Cmd: strings.ToUpper(cmd), Args: strings.TrimSpace(args)}
		if in.Cmd == "FROM" {
			fields := strings.Fields(in.Args)
			st := stage{From: fields[0]}
			if len(fields) == 3 && strings.EqualFold(fields[1], "AS") {
				st.Name = fields[2]
			}
			stages = append(stages, st)
			continue
		}
		if in.Cmd == "ARG" && len(stages) == 0 {
			continue // global build args
		}
		require.NotEmpty(t, stages, "%s before FROM", in.Cmd)
		stages[len(stages)-1].Instructions = append(stages[len(stages)-1].Instructions, in)
	}
	require.NoError(t, sc.Err())
	return stages
}

func (s stage) all(cmd string) []instruction {
	var out []instruction
	for _, in := range s.Instructions {
		if in.Cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

func TestDockerfileBuildsAStaticBinaryIntoDistroless(t *testing.T) {
	stages := readDockerfile(t, "Dockerfile")
	require.GreaterOrEqual(t, len(stages), 2, "multi-stage: the toolchain stays out of the image")

	build := stages[0]
	assert.True(t, strings.HasPrefix(build.From, "golang:"), build.From)
	require.NotEmpty(t, build.Name)
	var compiled bool
	for _, run := range build.all("RUN") {
		if strings.Contains(run.Args, "go build") {
			compiled = true
			assert.Contains(t, run.Args, "CGO_ENABLED=0", "a static binary: distroless/static has no libc")
			assert.Contains(t, run.Args, "-trimpath")
			assert.Contains(t, run.Args, "./cmd/${CMD}", "one Dockerfile for every cmd/ binary")
		}
	}
	assert.True(t, compiled, "the build stage runs go build")
	assert.NotEmpty(t, build.all("ARG"), "CMD is a build arg")

	final := stages[len(stages)-1]
	assert.Equal(t, "gcr.io/distroless/static-debian12:nonroot", final.From)
	copies := final.all("COPY")
	require.Len(t, copies, 1, "only the binary goes into the image")
	assert.Contains(t, copies[0].Args, "--from="+build.Name)
	users := final.all("USER")
	require.NotEmpty(t, users, "the image names its user")
	user := users[len(users)-1].Args
	uid, _, _ := strings.Cut(user, ":")
	assert.NotContains(t, []string{"root", "0", ""}, uid, "runs as non-root")
	entry := final.all("ENTRYPOINT")
	require.Len(t, entry, 1)
	assert.True(t, strings.HasPrefix(entry[0].Args, "["), "exec form: distroless has no shell")
}

func TestDockerignoreKeepsTheContextSmall(t *testing.T) {
	raw, err := os.ReadFile("../.dockerignore")
	require.NoError(t, err)
	assert.Contains(t, strings.Fields(string(raw)), ".git")
}
