package deploy_test

import (
	"bytes"
	"errors"
	"flag"
	"github.com/google/go-cmp/cmp"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/pflag"
	"gopkg.in/yaml.v3"

	"github.com/imgorigin/imgorigin/legacy/site"
	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/config"
)

// No Docker engine runs here: these tests check docker-compose.yml by reading it, against the
// compose origin configuration (loaded with the real loader) and the nginx configs rendered
// from it, so service names, ports and mounted files cannot drift apart.

var (
	repoRoot = filepath.Join("..", "..")
	update   = flag.Bool("update", false, "rewrite the rendered configs under docs/deploy from the code")
)

const (
	composeDir        = "docs/deploy/compose"
	composeOriginConf = composeDir + "/origin.yaml"
	composeFrontConf  = composeDir + "/front.conf"
	composeLegacyConf = composeDir + "/legacy.conf"
	legacyRoot        = "/srv/legacy"
)

type composeFile struct {
	Name     string                    `yaml:"name"`
	Services map[string]composeService `yaml:"services"`
	Volumes  map[string]any            `yaml:"volumes"`
	Networks map[string]*struct {
		Internal bool `yaml:"internal"`
	} `yaml:"networks"`
	// Extensions are the top-level x-… keys (YAML anchors for repeated service settings).
	Extensions map[string]any `yaml:",inline"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       *composeBuild     `yaml:"build"`
	Restart     string            `yaml:"restart"`
	Entrypoint  []string          `yaml:"entrypoint"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	Volumes     []string          `yaml:"volumes"`
	Tmpfs       []string          `yaml:"tmpfs"`
	Ports       []string          `yaml:"ports"`
	Expose      []string          `yaml:"expose"`
	Networks    []string          `yaml:"networks"`
	NetworkMode string            `yaml:"network_mode"`
	Healthcheck *struct {
		Test        []string `yaml:"test"`
		Interval    string   `yaml:"interval"`
		Timeout     string   `yaml:"timeout"`
		Retries     int      `yaml:"retries"`
		StartPeriod string   `yaml:"start_period"`
	} `yaml:"healthcheck"`
	DependsOn map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
}

type composeBuild struct {
	Context    string `yaml:"context"`
	Dockerfile string `yaml:"dockerfile"`
}

func readRepoFile(t *testing.T, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadCompose(t *testing.T) composeFile {
	t.Helper()
	var cf composeFile
	dec := yaml.NewDecoder(bytes.NewReader(readRepoFile(t, "docker-compose.yml")))
	dec.KnownFields(true) // a misspelt key is an error here, as in docker compose
	if err := dec.Decode(&cf); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	if len(cf.Services) == 0 {
		t.Fatal("docker-compose.yml: no services")
	}
	for k := range cf.Extensions {
		if !strings.HasPrefix(k, "x-") {
			t.Fatalf("docker-compose.yml: unknown top-level key %q", k)
		}
	}
	return cf
}

// interpolation is compose's ${VAR}, ${VAR:?message}, ${VAR:-default}.
var interpolation = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?][^}]*)?\}`)

// secretName matches environment variables that hold secrets.
var secretName = regexp.MustCompile(`SECRET|PASSWORD|_KEYS?$`)

// varName is the variable a ${VAR…} value interpolates, or "".
func varName(v string) string {
	if m := interpolation.FindStringSubmatch(v); m != nil {
		return m[1]
	}
	return ""
}

// environ turns a service's environment into KEY=value pairs, each ${VAR…} replaced by a
// sample value valid for every secret's syntax.
func environ(env map[string]string) []string {
	var out []string
	for k, v := range env {
		v = interpolation.ReplaceAllString(v, "Sample0123456789abcdefSample0123456789ab")
		out = append(out, k+"="+v)
	}
	slices.Sort(out)
	return out
}

// loadOriginConfig loads the compose origin config the way a container does: its command's
// flags, its environment, with the mounted file's path mapped back into the repository.
func loadOriginConfig(t *testing.T, svc composeService, mounts map[string]string) config.Config {
	t.Helper()
	args := slices.Clone(svc.Command)
	if len(args) > 0 && args[0] == "serve" {
		args = args[1:]
	}
	for i := range args {
		if i > 0 && (args[i-1] == "-c" || args[i-1] == "--config") {
			src, ok := mounts[args[i]]
			if !ok {
				t.Fatalf("the config file %s in the command is not mounted", args[i])
			}
			args[i] = filepath.Join(repoRoot, filepath.FromSlash(strings.TrimPrefix(src, "./")))
		}
	}
	fs := pflag.NewFlagSet("origin", pflag.ContinueOnError)
	config.Flags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatalf("command %q: %v", svc.Command, err)
	}
	cfg, err := config.Load(fs, environ(svc.Environment))
	if err != nil {
		t.Fatalf("origin config with command %q: %v", svc.Command, err)
	}
	return cfg
}

// bindMounts maps container path → host path of a service's bind mounts (./…).
func bindMounts(svc composeService) map[string]string {
	m := map[string]string{}
	for _, v := range svc.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && strings.HasPrefix(parts[0], "./") {
			m[parts[1]] = parts[0]
		}
	}
	return m
}

func mountTarget(t *testing.T, svc composeService, name, hostPath string) string {
	t.Helper()
	for target, src := range bindMounts(svc) {
		if src == "./"+hostPath {
			return target
		}
	}
	t.Fatalf("service %s does not mount ./%s", name, hostPath)
	return ""
}

func splitHostPort(t *testing.T, key, hp string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(hp)
	if err != nil {
		t.Fatalf("%s: %q: %v", key, hp, err)
	}
	return h, p
}

func portOf(s string) string {
	if _, p, err := net.SplitHostPort(s); err == nil {
		return p
	}
	return s
}

func argAfter(args []string, flag string) string {
	for i := 0; i+1 < len(args); i++ {
		if args[i] == flag {
			return args[i+1]
		}
	}
	return ""
}

// checkRendered compares a committed rendered config with what the code renders now;
// -update-docs rewrites it.
func checkRendered(t *testing.T, rel string, want []byte) {
	t.Helper()
	path := filepath.Join(repoRoot, filepath.FromSlash(rel))
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./docs/deploy -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s differs from what the code renders from %s: run\n\tgo test ./docs/deploy -update\n%s",
			rel, composeOriginConf, cmp.Diff(string(want), string(got)))
	}
}

func TestComposeOriginsMatchPool(t *testing.T) {
	cf := loadCompose(t)
	var cfg config.Config
	diskVols := map[string]string{} // volume → service
	for i, name := range []string{"origin-1", "origin-2", "origin-3"} {
		svc, ok := cf.Services[name]
		if !ok {
			t.Fatalf("no service %s", name)
		}
		target := mountTarget(t, svc, name, composeOriginConf)
		if got := argAfter(svc.Command, "-c"); got != target {
			t.Fatalf("%s: -c %q, but origin.yaml is mounted at %s", name, got, target)
		}
		c := loadOriginConfig(t, svc, bindMounts(svc))
		if i == 0 {
			cfg = c
		}
		if c.Node.Name != name {
			t.Errorf("%s: node.name = %q, want the service name", name, c.Node.Name)
		}
		if svc.Build == nil || svc.Build.Dockerfile != "origin/Dockerfile" || svc.Build.Context != "." {
			t.Errorf("%s: build = %+v, want context . and origin/Dockerfile", name, svc.Build)
		}
		// Every secret the config needs arrives through the environment, and arrives whole.
		if c.Auth.OriginSecret.Current != "Sample0123456789abcdefSample0123456789ab" {
			t.Errorf("%s: auth.origin_secret.current not set from the environment", name)
		}
		if c.Cluster.Cache.PeerSecret.Current != "Sample0123456789abcdefSample0123456789ab" {
			t.Errorf("%s: cluster.cache.peer_secret.current not set from the environment", name)
		}
		// The disk tier: a named volume of this node's own at cluster.cache.disk.path.
		if c.Cluster.Cache.Disk.Path == "" {
			t.Errorf("%s: cluster.cache.disk.path is not set", name)
		}
		var diskVol string
		for _, v := range svc.Volumes {
			if parts := strings.Split(v, ":"); len(parts) >= 2 && parts[1] == c.Cluster.Cache.Disk.Path {
				diskVol = parts[0]
			}
		}
		if _, ok := cf.Volumes[diskVol]; !ok || diskVol == "" {
			t.Errorf("%s: no named volume at cluster.cache.disk.path %s", name, c.Cluster.Cache.Disk.Path)
		} else if diskVols[diskVol] != "" {
			t.Errorf("%s and %s share the disk volume %s: each node needs its own", diskVols[diskVol], name, diskVol)
		}
		diskVols[diskVol] = name
		if svc.Environment["AWS_SECRET_ACCESS_KEY"] == "" || svc.Environment["AWS_ACCESS_KEY_ID"] != cf.Services["minio"].Environment["MINIO_ROOT_USER"] {
			t.Errorf("%s: the S3 credentials (AWS_*) do not match MinIO's root user", name)
		}
	}
	if len(cfg.Cluster.Pool) != 3 {
		t.Fatalf("cluster.pool has %d nodes, want 3", len(cfg.Cluster.Pool))
	}
	_, listenPort := splitHostPort(t, "server.listen", cfg.Server.Listen)
	_, internalPort := splitHostPort(t, "server.internal_listen", cfg.Server.InternalListen)
	for _, peer := range cfg.Cluster.Pool {
		host, port := splitHostPort(t, "cluster.pool.name", peer.Name)
		svc, ok := cf.Services[host]
		if !ok {
			t.Errorf("pool node %s: no compose service %q", peer.Name, host)
			continue
		}
		if port != listenPort {
			t.Errorf("pool node %s: port %s, but server.listen is %s", peer.Name, port, cfg.Server.Listen)
		}
		if got := argAfter(svc.Command, "--self"); got != peer.Name {
			t.Errorf("service %s: --self %q, want %q", host, got, peer.Name)
		}
		ihost, iport := splitHostPort(t, "cluster.pool.internal", peer.Internal)
		if ihost != host || iport != internalPort {
			t.Errorf("pool node %s: internal %s, want %s:%s", peer.Name, peer.Internal, host, internalPort)
		}
		for _, p := range []string{port, iport} {
			if !slices.Contains(svc.Expose, p) {
				t.Errorf("service %s does not expose %s", host, p)
			}
		}
		if svc.Healthcheck == nil || !strings.Contains(strings.Join(svc.Healthcheck.Test, " "), ":"+iport+"/readyz") {
			t.Errorf("service %s: the health check must probe /readyz on the internal port %s", host, iport)
		}
		if len(svc.Ports) > 0 {
			t.Errorf("service %s publishes %v: origins are reached through the front only", host, svc.Ports)
		}
	}
}

func TestComposeFrontAndLegacy(t *testing.T) {
	cf := loadCompose(t)
	origin := cf.Services["origin-1"]
	cfg := loadOriginConfig(t, origin, bindMounts(origin))

	// The front nginx config is rendered from the compose origin config and mounted as-is.
	rendered, err := cfg.FrontNginx(cfg.Cluster.Pool)
	if err != nil {
		t.Fatal(err)
	}
	checkRendered(t, composeFrontConf, rendered)
	// The compose edge (cdn/Dockerfile) renders its config without the origin's: its default
	// f_auto maps must be the ones this config renders (an f_auto preset or another
	// render.auto needs `edgeconf -format-maps`).
	if maps, err := cfg.RenderFormats(config.FormatsNginx); err != nil || maps != autoformat.DefaultNginxMaps() {
		t.Errorf("the compose origin config's f_auto maps differ from the edge image's defaults (err %v): render them into the edge with edgeconf -format-maps", err)
	}
	front, ok := cf.Services["front"]
	if !ok {
		t.Fatal("no service front")
	}
	target := mountTarget(t, front, "front", composeFrontConf)
	if got := argAfter(front.Command, "-c"); got != target {
		t.Fatalf("front: nginx -c %q, but front.conf is mounted at %s", got, target)
	}
	for _, peer := range cfg.Cluster.Pool {
		if !bytes.Contains(rendered, []byte("server "+peer.Name+" ")) {
			t.Errorf("front.conf has no upstream server %s", peer.Name)
		}
		host, _ := splitHostPort(t, "pool", peer.Name)
		if front.DependsOn[host].Condition != "service_healthy" {
			t.Errorf("front must depend on %s being healthy (nginx resolves upstream names at start)", host)
		}
	}
	frontPort := portOf(cfg.Front.Listen)
	if !bytes.Contains(rendered, []byte("listen "+cfg.Front.Listen+";")) || !slices.Contains(front.Expose, frontPort) {
		t.Errorf("front: front.listen %q is not the exposed port %v", cfg.Front.Listen, front.Expose)
	}
	if len(front.Tmpfs) == 0 {
		t.Error("front: nginx needs a writable temp/ under its prefix (tmpfs)")
	}

	// The edge pulls from the front.
	edge := cf.Services["edge"]
	if got, want := edge.Environment["EDGE_UPSTREAM"], "front:"+frontPort; got != want {
		t.Errorf("edge: EDGE_UPSTREAM = %q, want %q", got, want)
	}
	if edge.Build == nil || edge.Build.Dockerfile != "cdn/Dockerfile" {
		t.Errorf("edge: build = %+v, want cdn/Dockerfile", edge.Build)
	}
	if varName(edge.Environment["EDGE_ORIGIN_SECRET"]) != varName(origin.Environment["IMGORIGIN_AUTH_ORIGIN_SECRET_CURRENT"]) {
		t.Error("edge: EDGE_ORIGIN_SECRET must be the origins' auth.origin_secret.current")
	}
	if cfg.Auth.OriginSecret.Header != "X-Origin-Secret" || !bytes.Contains(readRepoFile(t, "cdn/Dockerfile"), []byte("-origin-secret-header "+cfg.Auth.OriginSecret.Header)) {
		t.Errorf("the edge must send the header the origins check (%s)", cfg.Auth.OriginSecret.Header)
	}
	if !slices.Contains(edge.Ports, "127.0.0.1:8000:8000") || !bytes.Contains(readRepoFile(t, "cdn/Dockerfile"), []byte("-listen 0.0.0.0:8000 ")) {
		t.Errorf("edge: ports %v do not match the edge's listen port 8000", edge.Ports)
	}

	// Legacy: front.legacy names the legacy service, whose nginx config is rendered by legacy/site.
	if len(cfg.Front.Legacy) != 1 {
		t.Fatalf("front.legacy = %v, want the legacy service", cfg.Front.Legacy)
	}
	lhost, lport := splitHostPort(t, "front.legacy", cfg.Front.Legacy[0])
	legacy, ok := cf.Services[lhost]
	if !ok {
		t.Fatalf("front.legacy %s: no compose service %q", cfg.Front.Legacy[0], lhost)
	}
	sc := site.DefaultConfig()
	sc.Listen, sc.Root, sc.AccessLog = "0.0.0.0:"+lport, legacyRoot, "/dev/stdout"
	sc.ErrorLog = "syslog:server=unix:/run/imgorigin-log/nginx.sock,tag=legacy"
	lconf, err := site.Render(sc)
	if err != nil {
		t.Fatal(err)
	}
	checkRendered(t, composeLegacyConf, []byte(lconf))
	ltarget := mountTarget(t, legacy, lhost, composeLegacyConf)
	if got := argAfter(legacy.Command, "-c"); got != ltarget {
		t.Errorf("%s: nginx -c %q, but legacy.conf is mounted at %s", lhost, got, ltarget)
	}
	if !slices.Contains(legacy.Expose, lport) {
		t.Errorf("%s does not expose %s", lhost, lport)
	}
	if !slices.ContainsFunc(legacy.Volumes, func(v string) bool { return strings.HasPrefix(v, "legacy:"+legacyRoot) }) {
		t.Errorf("%s does not mount the legacy volume at %s", lhost, legacyRoot)
	}
}

func TestComposeSources(t *testing.T) {
	cf := loadCompose(t)
	origin := cf.Services["origin-1"]
	cfg := loadOriginConfig(t, origin, bindMounts(origin))
	for name, src := range cfg.Sources {
		switch src.Type {
		case "s3":
			u, err := url.Parse(src.S3.Endpoint)
			if err != nil {
				t.Fatalf("sources.%s.s3.endpoint: %v", name, err)
			}
			svc, ok := cf.Services[u.Hostname()]
			if !ok {
				t.Fatalf("sources.%s.s3.endpoint %s: no compose service %q", name, src.S3.Endpoint, u.Hostname())
			}
			if argAfter(svc.Command, "--address") != ":"+u.Port() || !slices.Contains(svc.Expose, u.Port()) {
				t.Errorf("service %s does not listen on and expose %s", u.Hostname(), u.Port())
			}
			if origin.DependsOn[u.Hostname()].Condition != "service_healthy" {
				t.Errorf("origins must depend on %s being healthy", u.Hostname())
			}
		case "fastdfs":
			for _, tr := range src.FastDFS.Trackers {
				host, port := splitHostPort(t, "sources."+name+".fastdfs.trackers", tr)
				svc, ok := cf.Services[host]
				if !ok {
					t.Fatalf("tracker %s: no compose service %q", tr, host)
				}
				if !slices.Contains(svc.Expose, port) || !strings.Contains(strings.Join(svc.Healthcheck.Test, " "), port) {
					t.Errorf("service %s must expose and health-check %s", host, port)
				}
				if cf.Services["storage"].Environment["TRACKER_SERVER"] != tr {
					t.Errorf("storage: TRACKER_SERVER = %q, want %q", cf.Services["storage"].Environment["TRACKER_SERVER"], tr)
				}
			}
		case "local":
			if !slices.ContainsFunc(origin.Volumes, func(v string) bool { return strings.HasPrefix(v, "images:"+src.Local.Root+":") }) {
				t.Errorf("sources.%s.local.root %s is not the images volume", name, src.Local.Root)
			}
		}
	}
	for _, want := range []string{"s3", "fastdfs", "local"} {
		if !slices.ContainsFunc(mapsValues(cfg.Sources), func(s config.SourceConfig) bool { return s.Type == want }) {
			t.Errorf("the compose config has no %s source", want)
		}
	}
}

func mapsValues(m map[string]config.SourceConfig) []config.SourceConfig {
	var out []config.SourceConfig
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// TestComposeNetworks: the tiers are on separate networks (issue 14): the edge reaches only the
// front, the stores only the origins and the seeders, and the internal plane is the origins'
// alone, with no route out.
func TestComposeNetworks(t *testing.T) {
	cf := loadCompose(t)
	want := map[string][]string{
		"edge": {"edge"}, "front": {"edge", "front"}, "legacy": {"front"},
		"origin-1": {"front", "plane", "stores"}, "origin-2": {"front", "plane", "stores"}, "origin-3": {"front", "plane", "stores"},
		"minio": {"stores"}, "tracker": {"stores"}, "storage": {"stores"}, "seed": {"stores"}, "fdfs-seed": {"stores"},
		"nginx-log": nil, // network_mode none: it only reads a socket in a volume
	}
	for name, svc := range cf.Services {
		w, ok := want[name]
		if !ok {
			t.Errorf("service %s: no network assignment is expected for it: add it to this test", name)
			continue
		}
		got := slices.Sorted(slices.Values(svc.Networks))
		if w == nil && svc.NetworkMode != "none" {
			t.Errorf("service %s: network_mode %q, want none", name, svc.NetworkMode)
		}
		if !slices.Equal(got, w) {
			t.Errorf("service %s on networks %v, want %v", name, got, w)
		}
	}
	if n := cf.Networks["plane"]; n == nil || !n.Internal {
		t.Error("the plane network must exist and be internal: true")
	}
}

func TestComposeHygiene(t *testing.T) {
	cf := loadCompose(t)
	for name, svc := range cf.Services {
		for dep := range svc.DependsOn {
			if _, ok := cf.Services[dep]; !ok {
				t.Errorf("%s depends on unknown service %s", name, dep)
			}
		}
		if svc.Restart != "no" && svc.Healthcheck == nil {
			t.Errorf("%s: long-running services need a health check", name)
		}
		if svc.Image == "" && svc.Build == nil {
			t.Errorf("%s: neither image nor build", name)
		}
		// Pinned images: an explicit tag; delron/fastdfs publishes only latest (documented).
		if svc.Build == nil && (!strings.Contains(svc.Image, ":") || strings.HasSuffix(svc.Image, ":latest") && !strings.HasPrefix(svc.Image, "delron/fastdfs:")) {
			t.Errorf("%s: image %q is not pinned to a tag", name, svc.Image)
		}
		if svc.Build != nil {
			if _, err := os.Stat(filepath.Join(repoRoot, svc.Build.Dockerfile)); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
		for _, p := range svc.Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s: published port %q must bind 127.0.0.1", name, p)
			}
		}
		for k, v := range svc.Environment {
			if secretName.MatchString(k) && !interpolation.MatchString(v) {
				t.Errorf("%s: %s is written in the file; pass it from the environment (${VAR:?…})", name, k)
			}
		}
		for _, v := range svc.Volumes {
			src := strings.Split(v, ":")[0]
			if strings.HasPrefix(src, "./") {
				if _, err := os.Stat(filepath.Join(repoRoot, src)); err != nil {
					t.Errorf("%s mounts a missing file: %v", name, err)
				}
			} else if _, ok := cf.Volumes[src]; !ok {
				t.Errorf("%s mounts undeclared volume %s", name, src)
			}
		}
	}
	df := string(readRepoFile(t, "origin/Dockerfile"))
	for _, want := range []string{"AS build", "libvips-dev", "FROM debian:bookworm-slim", "libvips42", "fonts-noto-cjk", "USER 10001"} {
		if !strings.Contains(df, want) {
			t.Errorf("origin/Dockerfile: no %q (multi-stage, libvips runtime, non-root)", want)
		}
	}
}

// k8sObject is the part of a Kubernetes manifest the checks below read.
type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		ClusterIP                string `yaml:"clusterIP"`
		PublishNotReadyAddresses bool   `yaml:"publishNotReadyAddresses"`
		ServiceName              string `yaml:"serviceName"`
		VolumeClaimTemplates     []struct {
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		} `yaml:"volumeClaimTemplates"`
		Replicas int `yaml:"replicas"`
		Ports    []struct {
			Name string `yaml:"name"`
			Port int    `yaml:"port"`
		} `yaml:"ports"`
		Template struct {
			Spec struct {
				InitContainers []k8sContainer `yaml:"initContainers"`
				Containers     []k8sContainer `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type k8sContainer struct {
	Env []struct {
		Name      string `yaml:"name"`
		ValueFrom struct {
			SecretKeyRef struct {
				Name string `yaml:"name"`
				Key  string `yaml:"key"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	} `yaml:"env"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
	Name    string   `yaml:"name"`
	Command []string `yaml:"command"`
	Args    []string `yaml:"args"`
	Ports   []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
}

func readManifests(t *testing.T, rel string) []k8sObject {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(readRepoFile(t, rel)))
	var out []k8sObject
	for {
		var o k8sObject
		if err := dec.Decode(&o); err != nil {
			if errors.Is(err, io.EOF) {
				return out
			}
			t.Fatalf("%s: %v", rel, err)
		}
		out = append(out, o)
	}
}

// TestKubernetesNetworkPolicy: the origins' internal port is admitted only from origin pods and
// the monitoring namespace, the public port only from the front (issue 14: before, any pod could
// read originals from /_groupcache/).
func TestKubernetesNetworkPolicy(t *testing.T) {
	const dir = "docs/deploy/kubernetes"
	type selector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	}
	var np struct {
		Kind string `yaml:"kind"`
		Spec struct {
			PodSelector selector `yaml:"podSelector"`
			PolicyTypes []string `yaml:"policyTypes"`
			Ingress     []struct {
				From []struct {
					PodSelector       *selector `yaml:"podSelector"`
					NamespaceSelector *selector `yaml:"namespaceSelector"`
				} `yaml:"from"`
				Ports []struct {
					Port int `yaml:"port"`
				} `yaml:"ports"`
			} `yaml:"ingress"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(readRepoFile(t, dir+"/network-policy.yaml"), &np); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readRepoFile(t, dir+"/kustomization.yaml")), "network-policy.yaml") {
		t.Error("kustomization.yaml does not apply network-policy.yaml")
	}
	const origin, front = "imgorigin-origin", "imgorigin-front"
	if np.Kind != "NetworkPolicy" || np.Spec.PodSelector.MatchLabels["app.kubernetes.io/name"] != origin || !slices.Contains(np.Spec.PolicyTypes, "Ingress") {
		t.Fatalf("the policy must select the origin pods for Ingress: %+v", np.Spec)
	}
	admitted := map[int][]string{} // port → sources
	for _, rule := range np.Spec.Ingress {
		if len(rule.Ports) == 0 {
			t.Fatal("an ingress rule without ports admits every port")
		}
		for _, p := range rule.Ports {
			for _, f := range rule.From {
				switch {
				case f.PodSelector != nil && f.NamespaceSelector == nil:
					admitted[p.Port] = append(admitted[p.Port], "pod:"+f.PodSelector.MatchLabels["app.kubernetes.io/name"])
				case f.NamespaceSelector != nil && f.PodSelector == nil:
					admitted[p.Port] = append(admitted[p.Port], "ns:"+f.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"])
				default:
					t.Errorf("port %d: a source that is not one pod or one namespace selector: %+v", p.Port, f)
				}
			}
			if len(rule.From) == 0 {
				admitted[p.Port] = append(admitted[p.Port], "anyone")
			}
		}
	}
	want := map[int][]string{8080: {"pod:" + front}, 9090: {"ns:monitoring", "pod:" + origin}}
	for port, w := range want {
		got := slices.Sorted(slices.Values(admitted[port]))
		if !slices.Equal(got, w) {
			t.Errorf("port %d admitted from %v, want %v", port, got, w)
		}
	}
	if len(admitted) != len(want) {
		t.Errorf("ports admitted: %v, want only 8080 and 9090", admitted)
	}
}

// TestKubernetesManifests checks docs/deploy/kubernetes against its origin config: the pool is
// the StatefulSet's pods under the headless Service, and front.conf is rendered from it.
func TestKubernetesManifests(t *testing.T) {
	const dir = "docs/deploy/kubernetes"
	fs := pflag.NewFlagSet("origin", pflag.ContinueOnError)
	config.Flags(fs)
	if err := fs.Parse([]string{"-c", filepath.Join(repoRoot, dir, "origin-config.yaml")}); err != nil {
		t.Fatal(err)
	}
	// The secrets the StatefulSet passes from the Secret imgorigin.
	var env []string
	for _, c := range readManifests(t, dir+"/origin.yaml") {
		for _, ct := range c.Spec.Template.Spec.Containers {
			for _, e := range ct.Env {
				if e.ValueFrom.SecretKeyRef.Name != "" && strings.HasPrefix(e.Name, "IMGORIGIN_") {
					env = append(env, e.Name+"=Sample0123456789abcdefSample0123456789ab")
				}
			}
		}
	}
	cfg, err := config.Load(fs, env)
	if err != nil {
		t.Fatalf("%s/origin-config.yaml: %v", dir, err)
	}
	rendered, err := cfg.FrontNginx(cfg.Cluster.Pool)
	if err != nil {
		t.Fatal(err)
	}
	checkRendered(t, dir+"/front.conf", rendered)

	var svc, sts *k8sObject
	objs := readManifests(t, dir+"/origin.yaml")
	for i := range objs {
		switch objs[i].Kind {
		case "Service":
			svc = &objs[i]
		case "StatefulSet":
			sts = &objs[i]
		}
	}
	if svc == nil || sts == nil {
		t.Fatal("origin.yaml needs the headless Service and the StatefulSet")
	}
	if svc.Spec.ClusterIP != "None" || !svc.Spec.PublishNotReadyAddresses {
		t.Error("the peers Service must be headless (clusterIP: None) and publish not-ready addresses")
	}
	if sts.Spec.ServiceName != svc.Metadata.Name {
		t.Errorf("StatefulSet serviceName %q, want the headless Service %q", sts.Spec.ServiceName, svc.Metadata.Name)
	}
	if sts.Spec.Replicas != len(cfg.Cluster.Pool) {
		t.Errorf("StatefulSet replicas %d, pool has %d nodes", sts.Spec.Replicas, len(cfg.Cluster.Pool))
	}
	_, listenPort := splitHostPort(t, "server.listen", cfg.Server.Listen)
	_, internalPort := splitHostPort(t, "server.internal_listen", cfg.Server.InternalListen)
	for i, peer := range cfg.Cluster.Pool {
		host := sts.Metadata.Name + "-" + strconv.Itoa(i) + "." + svc.Metadata.Name
		if peer.Name != host+":"+listenPort || peer.Internal != host+":"+internalPort {
			t.Errorf("pool[%d] = %s / %s, want %s:%s / %s:%s (pod DNS name under the headless Service)", i, peer.Name, peer.Internal, host, listenPort, host, internalPort)
		}
	}
	svcPorts := map[string]bool{}
	for _, p := range svc.Spec.Ports {
		svcPorts[strconv.Itoa(p.Port)] = true
	}
	if !svcPorts[listenPort] || !svcPorts[internalPort] {
		t.Errorf("the headless Service ports %v must include %s and %s", svc.Spec.Ports, listenPort, internalPort)
	}
	c := sts.Spec.Template.Spec.Containers[0]
	// The disk tier: a claim per pod (volumeClaimTemplates) mounted at cluster.cache.disk.path.
	diskMounted := false
	for _, m := range c.VolumeMounts {
		for _, vct := range sts.Spec.VolumeClaimTemplates {
			if m.Name == vct.Metadata.Name && m.MountPath == cfg.Cluster.Cache.Disk.Path {
				diskMounted = true
			}
		}
	}
	if cfg.Cluster.Cache.Disk.Path == "" || !diskMounted {
		t.Errorf("cluster.cache.disk.path %q is not a volumeClaimTemplates volume of the origin container", cfg.Cluster.Cache.Disk.Path)
	}
	if got := argAfter(c.Args, "--self"); got != "$(POD_NAME)."+svc.Metadata.Name+":"+listenPort {
		t.Errorf("origin --self %q, want $(POD_NAME).%s:%s", got, svc.Metadata.Name, listenPort)
	}

	var wait string
	for _, o := range readManifests(t, dir+"/front.yaml") {
		if o.Kind == "Deployment" {
			for _, ic := range o.Spec.Template.Spec.InitContainers {
				wait += strings.Join(ic.Command, " ")
			}
			for _, p := range o.Spec.Template.Spec.Containers[0].Ports {
				if strconv.Itoa(p.ContainerPort) != portOf(cfg.Front.Listen) {
					t.Errorf("front container port %d, front.listen %s", p.ContainerPort, cfg.Front.Listen)
				}
			}
		}
	}
	for i := range cfg.Cluster.Pool {
		if !strings.Contains(wait, sts.Metadata.Name+"-"+strconv.Itoa(i)) {
			t.Errorf("the front's init container does not wait for %s-%d", sts.Metadata.Name, i)
		}
	}
}

// TestComposeErrorLogsRedacted (issue 14 item 8): nginx's error lines quote request lines,
// tokens included. Every nginx of the compose file (front, legacy site, edge) sends its error
// log to the nginx-log service's socket, in a volume they share, and that service removes the
// queries (origin redact-log).
func TestComposeErrorLogsRedacted(t *testing.T) {
	const dir, sock = "/run/imgorigin-log", "/run/imgorigin-log/nginx.sock"
	cf := loadCompose(t)
	recv, ok := cf.Services["nginx-log"]
	if !ok {
		t.Fatal("no service nginx-log")
	}
	if !slices.Equal(recv.Command, []string{"redact-log", "--syslog-socket", sock}) {
		t.Errorf("nginx-log: command %q, want redact-log on %s", recv.Command, sock)
	}
	for _, name := range []string{"nginx-log", "front", "legacy", "edge"} {
		if !slices.Contains(cf.Services[name].Volumes, "nginx-log:"+dir) {
			t.Errorf("%s does not mount the volume nginx-log at %s", name, dir)
		}
	}
	for _, name := range []string{"front", "legacy"} {
		if dep, ok := cf.Services[name].DependsOn["nginx-log"]; !ok || dep.Condition != "service_healthy" {
			t.Errorf("%s must start after nginx-log is healthy (its socket exists)", name)
		}
	}
	for file, tag := range map[string]string{composeFrontConf: "front", composeLegacyConf: "legacy"} {
		want := "error_log syslog:server=unix:" + sock + ",tag=" + tag
		if !bytes.Contains(readRepoFile(t, file), []byte(want)) {
			t.Errorf("%s lacks %q", file, want)
		}
	}
	if want := "-error-log syslog:server=unix:" + sock + ",tag=edge "; !bytes.Contains(readRepoFile(t, "cdn/Dockerfile"), []byte(want)) {
		t.Errorf("cdn/Dockerfile: the edge's config is not rendered with %q", want)
	}
	if !bytes.Contains(readRepoFile(t, "origin/Dockerfile"), []byte("chown imgorigin:imgorigin /srv/images /srv/legacy /var/cache/imgorigin "+dir)) {
		t.Errorf("origin/Dockerfile must make %s the origin user's (the receiver creates its socket there)", dir)
	}
}
