package main

// Helpers of the end-to-end tests (e2e_test.go): running plinth in-process
// against the host's Debian mirror and the frozen Ubuntu fixture, reading the
// OCI layouts it writes, and checking them with tools nobody here wrote
// (skopeo, umoci + runc, syft, docker-registry).

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// e2eCacheName is the download cache shared by all e2e runs (under
// os.TempDir()), so that reruns are warm.
const e2eCacheName = "plinth-e2e-cache"

// e2eSuite is the state one TestE2E run shares between its subtests: the
// images built so far (each built once), the network probe, the fixture server.
type e2eSuite struct {
	root  string // module root
	work  string // outputs shared between subtests
	cache string // XDG_CACHE_HOME

	probeOnce sync.Once
	probeErr  error // why the Debian mirror cannot be used, nil when it can

	fixtureOnce sync.Once
	fixtureSrv  *httptest.Server
	fixtureURL  string
	fixtureErr  error

	mu     sync.Mutex
	builds map[string]*e2eBuild
}

// e2eBuild is one cached `plinth build`.
type e2eBuild struct {
	once    sync.Once
	dir     string // the OCI layout written
	stdout  string
	stderr  string
	elapsed time.Duration
	err     error
}

func newE2ESuite(t *testing.T) *e2eSuite {
	t.Helper()
	cache := filepath.Join(os.TempDir(), e2eCacheName)
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatalf("creating the shared e2e cache: %v", err)
	}
	s := &e2eSuite{root: e2eModuleRoot(t), work: t.TempDir(), cache: cache, builds: map[string]*e2eBuild{}}
	t.Cleanup(func() {
		if s.fixtureSrv != nil {
			s.fixtureSrv.Close()
		}
	})
	return s
}

// getenv is the environment plinth sees: the shared cache and, once served,
// the Ubuntu fixture as the Ubuntu mirror. extra overrides it.
func (s *e2eSuite) getenv(extra map[string]string) func(string) string {
	return func(key string) string {
		if v, ok := extra[key]; ok {
			return v
		}
		switch key {
		case "XDG_CACHE_HOME":
			return s.cache
		case "PLINTH_MIRROR_UBUNTU":
			return s.fixtureURL
		}
		return ""
	}
}

// plinth runs the CLI in-process and returns its stdout, stderr and exit status.
func (s *e2eSuite) plinth(args ...string) (stdout, stderr string, code int) {
	return s.plinthEnv(nil, args...)
}

// plinthEnv is plinth with extra environment variables.
func (s *e2eSuite) plinthEnv(env map[string]string, args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb, s.getenv(env))
	return out.String(), errb.String(), code
}

// mustPlinth runs the CLI and fails the test unless it exits 0.
func (s *e2eSuite) mustPlinth(t *testing.T, args ...string) string {
	t.Helper()
	return s.mustPlinthEnv(t, nil, args...)
}

// mustPlinthEnv is mustPlinth with extra environment variables.
func (s *e2eSuite) mustPlinthEnv(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	start := time.Now()
	out, errs, code := s.plinthEnv(env, args...)
	if code != 0 {
		t.Fatalf("plinth %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, e2eTail(errs, 40))
	}
	t.Logf("plinth %s: %.1fs", strings.Join(args, " "), time.Since(start).Seconds())
	return out
}

// image builds `plinth build args... -o oci:DIR` once per key and returns DIR;
// later callers with the same key get the same layout.
func (s *e2eSuite) image(t *testing.T, key string, args ...string) string {
	t.Helper()
	s.mu.Lock()
	b, ok := s.builds[key]
	if !ok {
		b = &e2eBuild{dir: filepath.Join(s.work, key)}
		s.builds[key] = b
	}
	s.mu.Unlock()
	b.once.Do(func() {
		start := time.Now()
		var code int
		b.stdout, b.stderr, code = s.plinth(append(append([]string{"build"}, args...), "-o", "oci:"+b.dir)...)
		b.elapsed = time.Since(start)
		if code != 0 {
			b.err = fmt.Errorf("plinth build %s: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, b.stdout, e2eTail(b.stderr, 40))
			return
		}
		t.Logf("built %s in %.1fs: %s", key, b.elapsed.Seconds(), strings.TrimSpace(b.stdout))
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.dir
}

// requireDebian skips the test when the host's apt sources name no
// bookworm mirror, or when that mirror does not answer within 5 s.
func (s *e2eSuite) requireDebian(t *testing.T) {
	t.Helper()
	s.probeOnce.Do(func() {
		mirror, err := e2eHostMirror("bookworm")
		if err != nil {
			s.probeErr = err
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		url := strings.TrimSuffix(mirror, "/") + "/dists/bookworm/InRelease"
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			s.probeErr = fmt.Errorf("probing %s: %w", url, err)
			return
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			s.probeErr = fmt.Errorf("probing %s: %w", url, err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			s.probeErr = fmt.Errorf("probing %s: %s", url, resp.Status)
		}
	})
	if s.probeErr != nil {
		t.Skipf("the host's Debian mirror is unreachable, skipping the end-to-end test: %v", s.probeErr)
	}
}

// e2eHostMirror returns the first URI the host's apt sources
// (/etc/apt/sources.list, sources.list.d/*.list and *.sources) give for suite.
func e2eHostMirror(suite string) (string, error) {
	files := []string{"/etc/apt/sources.list"}
	for _, pattern := range []string{"/etc/apt/sources.list.d/*.list", "/etc/apt/sources.list.d/*.sources"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var uri string
		if strings.HasSuffix(f, ".sources") {
			uri = e2eDeb822Mirror(string(data), suite)
		} else {
			uri = e2eOneLineMirror(string(data), suite)
		}
		if uri != "" {
			return uri, nil
		}
	}
	return "", fmt.Errorf("no apt source for suite %s in /etc/apt/sources.list or /etc/apt/sources.list.d", suite)
}

func e2eOneLineMirror(data, suite string) string {
	for _, line := range strings.Split(data, "\n") {
		f := strings.Fields(strings.TrimSpace(line))
		if len(f) < 3 || f[0] != "deb" {
			continue
		}
		f = f[1:]
		if strings.HasPrefix(f[0], "[") {
			for len(f) > 0 && !strings.HasSuffix(f[0], "]") {
				f = f[1:]
			}
			if len(f) == 0 {
				continue
			}
			f = f[1:]
		}
		if len(f) >= 2 && f[1] == suite {
			return f[0]
		}
	}
	return ""
}

func e2eDeb822Mirror(data, suite string) string {
	for _, para := range strings.Split(data, "\n\n") {
		fields := map[string]string{}
		for _, line := range strings.Split(para, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, " ") {
				fields[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
			}
		}
		if strings.EqualFold(fields["enabled"], "no") || !e2eContains(strings.Fields(fields["types"]), "deb") {
			continue
		}
		if uris := strings.Fields(fields["uris"]); len(uris) > 0 && e2eContains(strings.Fields(fields["suites"]), suite) {
			return uris[0]
		}
	}
	return ""
}

func e2eContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ubuntuFixture serves ../shared/fixtures/ubuntu-archive on loopback once and
// makes it the Ubuntu mirror plinth sees; it skips when the fixture is missing.
func (s *e2eSuite) ubuntuFixture(t *testing.T) string {
	t.Helper()
	s.fixtureOnce.Do(func() {
		for dir := s.root; ; dir = filepath.Dir(dir) {
			candidate := filepath.Join(dir, "shared", "fixtures", "ubuntu-archive")
			if fi, err := os.Stat(filepath.Join(candidate, "dists")); err == nil && fi.IsDir() {
				s.fixtureSrv = httptest.NewServer(http.FileServer(http.Dir(candidate)))
				s.fixtureURL = s.fixtureSrv.URL
				return
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
		s.fixtureErr = fmt.Errorf("no shared/fixtures/ubuntu-archive next to %s or any parent", s.root)
	})
	if s.fixtureErr != nil {
		t.Skipf("the frozen Ubuntu archive is missing, skipping: %v", s.fixtureErr)
	}
	return s.fixtureURL
}

// e2eModuleRoot is the directory holding go.mod, walking up from the test's.
func e2eModuleRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}

// requireTools skips the test when a tool is not installed.
func requireTools(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("%s is not installed, skipping (make deps installs it)", n)
		}
	}
}

// requireRoot skips the test unless it runs as root.
func requireRoot(t *testing.T, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("not root, skipping: %s", why)
	}
}

// e2eTool runs a tool and returns its stdout; it fails the test on error.
func e2eTool(t *testing.T, timeout time.Duration, name string, args ...string) string {
	t.Helper()
	out, err := e2eToolErr(timeout, name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func e2eToolErr(timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return out.String(), fmt.Errorf("%s %s: %w\nstdout:\n%s\nstderr:\n%s", name, strings.Join(args, " "), err, e2eTail(out.String(), 40), e2eTail(errb.String(), 40))
	}
	return out.String(), nil
}

// e2eTail is the last n lines of s.
func e2eTail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{"..."}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// runInImage unpacks the image ociDir:tag with umoci into a new bundle, runs
// argv in it with runc (sharing the host's network and resolv.conf) and
// returns its stdout; a non-zero exit fails the test.
func runInImage(t *testing.T, ociDir, tag string, argv ...string) string {
	t.Helper()
	out, err := runInImageErr(t, ociDir, tag, argv...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// runInImageErr is runInImage returning the command's failure instead.
func runInImageErr(t *testing.T, ociDir, tag string, argv ...string) (string, error) {
	t.Helper()
	requireTools(t, "umoci", "runc")
	bundle := filepath.Join(t.TempDir(), "bundle")
	e2eTool(t, 5*time.Minute, "umoci", "unpack", "--image", ociDir+":"+tag, bundle)
	e2eEditRuntimeConfig(t, filepath.Join(bundle, "config.json"), argv)
	id := "plinth-e2e-" + e2eRandomHex(t)
	defer func() { _, _ = e2eToolErr(time.Minute, "runc", "delete", "-f", id) }()
	return e2eToolErr(10*time.Minute, "runc", "run", "--bundle", bundle, id)
}

// e2eDockerCaps are the capabilities Docker gives a container: enough for
// apt to chown its files and drop to the _apt user.
func e2eDockerCaps() []string {
	return []string{
		"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
		"CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
		"CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
	}
}

// e2eEditRuntimeConfig sets the process of umoci's config.json to argv, with
// no terminal, Docker's default capabilities, the host's network namespace
// and the host's resolv.conf mounted read-only.
func e2eEditRuntimeConfig(t *testing.T, file string, argv []string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal(data, &cfg); err != nil {
		t.Fatalf("reading umoci's %s: %v", file, err)
	}
	proc, _ := cfg["process"].(map[string]any)
	linux, _ := cfg["linux"].(map[string]any)
	if proc == nil || linux == nil {
		t.Fatalf("umoci's %s has no process or linux section", file)
	}
	proc["args"] = argv
	proc["terminal"] = false
	caps := map[string]any{}
	for _, set := range []string{"bounding", "effective", "permitted", "inheritable", "ambient"} {
		caps[set] = e2eDockerCaps()
	}
	proc["capabilities"] = caps
	var namespaces []any
	nss, _ := linux["namespaces"].([]any)
	for _, ns := range nss {
		if m, _ := ns.(map[string]any); m["type"] != "network" {
			namespaces = append(namespaces, ns)
		}
	}
	linux["namespaces"] = namespaces
	resolv, err := filepath.EvalSymlinks("/etc/resolv.conf")
	if err != nil {
		t.Fatalf("the host has no /etc/resolv.conf to share with the container: %v", err)
	}
	mounts, _ := cfg["mounts"].([]any)
	cfg["mounts"] = append(mounts, map[string]any{
		"destination": "/etc/resolv.conf", "type": "bind", "source": resolv,
		"options": []string{"rbind", "ro"},
	})
	out, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func e2eRandomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// e2eUnpackRootfs unpacks ociDir:tag with umoci and returns the rootfs.
func e2eUnpackRootfs(t *testing.T, ociDir, tag string) string {
	t.Helper()
	requireTools(t, "umoci")
	bundle := filepath.Join(t.TempDir(), "bundle")
	e2eTool(t, 5*time.Minute, "umoci", "unpack", "--image", ociDir+":"+tag, bundle)
	return filepath.Join(bundle, "rootfs")
}

// e2eResolve resolves name inside rootfs as a chroot would (absolute links
// are relative to rootfs, ".." stops at its top) and returns the host path;
// a missing component gives an error wrapping fs.ErrNotExist.
func e2eResolve(rootfs, name string) (string, error) {
	todo := strings.Split(strings.Trim(path.Clean("/"+name), "/"), "/")
	cur := "/"
	for links := 0; len(todo) > 0; {
		c := todo[0]
		todo = todo[1:]
		if c == "" || c == "." {
			continue
		}
		next := path.Join(cur, c)
		fi, err := os.Lstat(filepath.Join(rootfs, next))
		if err != nil {
			return "", err
		}
		if fi.Mode()&os.ModeSymlink == 0 {
			cur = next
			continue
		}
		if links++; links > 40 {
			return "", fmt.Errorf("resolving %s in %s: too many links", name, rootfs)
		}
		target, err := os.Readlink(filepath.Join(rootfs, next))
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			cur = "/"
		}
		todo = append(strings.Split(target, "/"), todo...)
	}
	return filepath.Join(rootfs, cur), nil
}

// OCI layout reading.

type e2eDescriptor struct {
	MediaType   string            `json:"mediaType"`
	Digest      string            `json:"digest"`
	Size        int64             `json:"size"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Platform    *struct {
		Architecture string `json:"architecture"`
		OS           string `json:"os"`
		Variant      string `json:"variant,omitempty"`
	} `json:"platform,omitempty"`
}

type e2eIndex struct {
	MediaType string          `json:"mediaType"`
	Manifests []e2eDescriptor `json:"manifests"`
}

type e2eManifest struct {
	MediaType string          `json:"mediaType"`
	Config    e2eDescriptor   `json:"config"`
	Layers    []e2eDescriptor `json:"layers"`
}

// e2eImage is one platform's image in an OCI layout.
type e2eImage struct {
	Platform string // os/arch[/variant] as the index gives it, else from the config
	Digest   string // the manifest's
	Manifest e2eManifest
}

func e2eBlob(t *testing.T, dir, digest string) []byte {
	t.Helper()
	alg, hexd, ok := strings.Cut(digest, ":")
	if !ok {
		t.Fatalf("%s: bad digest %q", dir, digest)
	}
	data, err := os.ReadFile(filepath.Join(dir, "blobs", alg, hexd))
	if err != nil {
		t.Fatalf("reading blob %s of %s: %v", digest, dir, err)
	}
	return data
}

// e2eTagDescriptor is index.json's entry for tag.
func e2eTagDescriptor(t *testing.T, dir, tag string) e2eDescriptor {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx e2eIndex
	if err := json.Unmarshal(data, &idx); err != nil {
		t.Fatalf("reading %s/index.json: %v", dir, err)
	}
	for _, d := range idx.Manifests {
		if d.Annotations["org.opencontainers.image.ref.name"] == tag {
			return d
		}
	}
	t.Fatalf("%s/index.json has no image tagged %q", dir, tag)
	return e2eDescriptor{}
}

// e2eImages lists the images tag names in dir: one for a manifest, one per
// platform for an index.
func e2eImages(t *testing.T, dir, tag string) []e2eImage {
	t.Helper()
	var out []e2eImage
	var walk func(d e2eDescriptor)
	walk = func(d e2eDescriptor) {
		data := e2eBlob(t, dir, d.Digest)
		if strings.HasSuffix(d.MediaType, "image.index.v1+json") || strings.HasSuffix(d.MediaType, "manifest.list.v2+json") {
			var idx e2eIndex
			if err := json.Unmarshal(data, &idx); err != nil {
				t.Fatalf("reading index %s: %v", d.Digest, err)
			}
			for _, m := range idx.Manifests {
				walk(m)
			}
			return
		}
		img := e2eImage{Digest: d.Digest}
		if err := json.Unmarshal(data, &img.Manifest); err != nil {
			t.Fatalf("reading manifest %s: %v", d.Digest, err)
		}
		if p := d.Platform; p != nil {
			img.Platform = strings.TrimSuffix(p.OS+"/"+p.Architecture+"/"+p.Variant, "/")
		} else {
			var cfg struct{ OS, Architecture, Variant string }
			_ = json.Unmarshal(e2eBlob(t, dir, img.Manifest.Config.Digest), &cfg)
			img.Platform = strings.TrimSuffix(cfg.OS+"/"+cfg.Architecture+"/"+cfg.Variant, "/")
		}
		out = append(out, img)
	}
	walk(e2eTagDescriptor(t, dir, tag))
	return out
}

// e2eOnlyImage is the single image of a single-platform layout.
func e2eOnlyImage(t *testing.T, dir, tag string) e2eImage {
	t.Helper()
	imgs := e2eImages(t, dir, tag)
	if len(imgs) != 1 {
		t.Fatalf("%s:%s holds %d images, want 1", dir, tag, len(imgs))
	}
	return imgs[0]
}

// e2eLayer is the content of one layer.
type e2eLayer struct {
	Size    int64                  // uncompressed tar bytes
	Content int64                  // bytes of regular files: what docker reports as an image's size
	Headers map[string]*tar.Header // by cleaned name, no leading "./" or "/"
	Files   map[string][]byte      // contents of the regular files asked for
}

// e2eReadLayer decompresses a layer blob and indexes its tar, keeping the
// contents of the files named in keep.
func e2eReadLayer(t *testing.T, dir string, d e2eDescriptor, keep ...string) e2eLayer {
	t.Helper()
	raw := bytes.NewReader(e2eBlob(t, dir, d.Digest))
	var r io.Reader
	switch {
	case strings.HasSuffix(d.MediaType, "+gzip") || strings.HasSuffix(d.MediaType, ".gzip"):
		zr, err := gzip.NewReader(raw)
		if err != nil {
			t.Fatalf("layer %s: %v", d.Digest, err)
		}
		r = zr
	case strings.HasSuffix(d.MediaType, "+zstd") || strings.HasSuffix(d.MediaType, ".zstd"):
		zr, err := zstd.NewReader(raw)
		if err != nil {
			t.Fatalf("layer %s: %v", d.Digest, err)
		}
		defer zr.Close()
		r = zr
	case strings.HasSuffix(d.MediaType, ".tar"):
		r = raw
	default:
		t.Fatalf("layer %s: unexpected media type %s", d.Digest, d.MediaType)
	}
	cr := &e2eCounter{r: r}
	tr := tar.NewReader(cr)
	l := e2eLayer{Headers: map[string]*tar.Header{}, Files: map[string][]byte{}}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("reading layer %s: %v", d.Digest, err)
		}
		name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		l.Headers[name] = h
		if h.Typeflag == tar.TypeReg {
			l.Content += h.Size
		}
		if e2eContains(keep, name) {
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			l.Files[name] = data
		}
	}
	if _, err := io.Copy(io.Discard, cr); err != nil {
		t.Fatal(err)
	}
	l.Size = cr.n
	return l
}

type e2eCounter struct {
	r io.Reader
	n int64
}

func (c *e2eCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// e2eSingleLayer checks the image has exactly one layer and reads it.
func e2eSingleLayer(t *testing.T, dir string, img e2eImage, keep ...string) e2eLayer {
	t.Helper()
	if n := len(img.Manifest.Layers); n != 1 {
		t.Fatalf("%s (%s) has %d layers, want 1", dir, img.Platform, n)
	}
	return e2eReadLayer(t, dir, img.Manifest.Layers[0], keep...)
}

const e2eDpkgStatus = "var/lib/dpkg/status"

// e2eDpkgPackages parses a dpkg status file into package -> version; it
// fails the test on a package not in state "install ok installed".
func e2eDpkgPackages(t *testing.T, status []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, para := range strings.Split(strings.TrimSpace(string(status)), "\n\n") {
		fields := map[string]string{}
		sc := bufio.NewScanner(strings.NewReader(para))
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && !strings.HasPrefix(k, " ") {
				fields[k] = strings.TrimSpace(v)
			}
		}
		if fields["Package"] == "" {
			continue
		}
		if fields["Status"] != "install ok installed" {
			t.Errorf("dpkg status: package %s has Status %q, want \"install ok installed\"", fields["Package"], fields["Status"])
		}
		out[fields["Package"]] = fields["Version"]
	}
	if len(out) == 0 {
		t.Fatal("the image's dpkg status lists no package")
	}
	return out
}

// e2eSyft finds syft: bin/tools/syft under the module root (make deps), else PATH.
func (s *e2eSuite) syft(t *testing.T) string {
	t.Helper()
	if p := filepath.Join(s.root, "bin", "tools", "syft"); e2eExecutable(p) {
		return p
	}
	if p, err := exec.LookPath("syft"); err == nil {
		return p
	}
	t.Skip("syft is not installed (neither bin/tools/syft nor on PATH): run make deps; skipping the SBOM cross-check")
	return ""
}

func e2eExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// e2eSyftPackages runs syft on an OCI layout and returns its distro id and
// its deb packages (name -> version).
func e2eSyftPackages(t *testing.T, syft, dir string) (distro string, pkgs map[string]string) {
	t.Helper()
	out, err := e2eToolErr(5*time.Minute, syft, "scan", "oci-dir:"+dir, "-o", "json", "-q")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Artifacts []struct{ Name, Version, Type string }
		Distro    struct {
			ID string `json:"id"`
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("reading syft's JSON: %v", err)
	}
	pkgs = map[string]string{}
	for _, a := range doc.Artifacts {
		if a.Type == "deb" {
			pkgs[a.Name] = a.Version
		}
	}
	return doc.Distro.ID, pkgs
}

// e2eSBOMPackages reads plinth's SPDX SBOM: the deb packages (those with a
// pkg:deb purl), name -> version.
func e2eSBOMPackages(t *testing.T, file string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		SPDXVersion string `json:"spdxVersion"`
		Packages    []struct {
			Name         string `json:"name"`
			VersionInfo  string `json:"versionInfo"`
			ExternalRefs []struct {
				ReferenceType    string `json:"referenceType"`
				ReferenceLocator string `json:"referenceLocator"`
			} `json:"externalRefs"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("reading SBOM %s: %v", file, err)
	}
	if doc.SPDXVersion != "SPDX-2.3" {
		t.Errorf("SBOM %s: spdxVersion %q, want SPDX-2.3", file, doc.SPDXVersion)
	}
	out := map[string]string{}
	for _, p := range doc.Packages {
		for _, r := range p.ExternalRefs {
			if r.ReferenceType == "purl" && strings.HasPrefix(r.ReferenceLocator, "pkg:deb/") {
				out[p.Name] = p.VersionInfo
			}
		}
	}
	return out
}

// e2eSkopeoLayers is the number of layers `skopeo inspect` reports.
func e2eSkopeoLayers(t *testing.T, ref string, extra ...string) (layers int, arch string) {
	t.Helper()
	requireTools(t, "skopeo")
	out := e2eTool(t, 2*time.Minute, "skopeo", append(append([]string{"inspect"}, extra...), ref)...)
	var info struct {
		Layers       []string
		Architecture string
	}
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("reading skopeo inspect %s: %v", ref, err)
	}
	return len(info.Layers), info.Architecture
}

// e2eSections splits the output of a script that prints "== NAME" headers.
func e2eSections(out string) map[string]string {
	sections := map[string]string{}
	name := ""
	for _, line := range strings.Split(out, "\n") {
		if n, ok := strings.CutPrefix(line, "== "); ok {
			name = n
			sections[name] = ""
			continue
		}
		sections[name] += line + "\n"
	}
	for k, v := range sections {
		sections[k] = strings.TrimSpace(v)
	}
	return sections
}

// e2eMB formats bytes as decimal megabytes, as plinth prints them.
func e2eMB(n int64) string { return fmt.Sprintf("%.2f MB", float64(n)/1e6) }

// e2eGoBuild builds cmd/plinth into dir/plinth.
func e2eGoBuild(t *testing.T, root, dir string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("go is not on PATH, so the test cannot build plinth: %v", err)
	}
	bin := filepath.Join(dir, "plinth")
	cmd := exec.Command(goTool, "build", "-trimpath", "-o", bin, "./cmd/plinth")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/plinth: %v\n%s", err, out)
	}
	return bin
}

// e2eRegistry runs a docker-registry on a free loopback port, storing in a
// temp dir, until the test ends; it returns host:port.
func e2eRegistry(t *testing.T) string {
	t.Helper()
	requireTools(t, "docker-registry")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)
	cfgFile := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgFile, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	bin, _ := exec.LookPath("docker-registry")
	cmd := exec.Command(bin, "serve", cfgFile)
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting docker-registry: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("docker-registry on %s did not answer within 20s: %v\n%s", addr, err, logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// e2eDigestOf is the sha256 digest of raw bytes.
func e2eDigestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}
