// Package deploy holds no code: its tests check the deployment files beside it — compose,
// Kubernetes and systemd — against the origin's configuration loader and the renderers that
// write them (config.Config.FrontNginx, legacy/site), so service names, ports, mounts and the
// rendered nginx configs cannot drift apart. `go test ./docs/deploy -update` rewrites the
// rendered files after a change to a template or to a deployment's origin config.
package deploy
