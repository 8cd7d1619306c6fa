// Package deploy holds what runs Alex outside `go run`: the Dockerfile,
// the Kubernetes manifests (deploy/kubernetes) and the Lambda build
// (deploy/lambda); docker-compose.yml is at the repository root. Its tests
// parse them and check what a deploy relies on.
//
// It imports nothing of this module.
package deploy
