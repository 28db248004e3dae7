package rootfs

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Debian 12's base-passwd master files, abridged.
const (
	testPasswdMaster = "root:*:0:0:root:/root:/bin/bash\n" +
		"daemon:*:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" +
		"_apt:*:42:65534::/nonexistent:/usr/sbin/nologin\n" +
		"nobody:*:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	testGroupMaster = "root:*:0:\ndaemon:*:1:\ntty:*:5:\nshadow:*:42:\nstaff:*:50:\nnogroup:*:65534:\n"
)

func TestWriteAccounts(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T, tree *Tree)
		users  []Account
		groups []Group
		want   map[string]string // file -> content
	}{
		{
			name: "static base without shell",
			want: map[string]string{
				"/etc/passwd": "root:x:0:0:root:/root:/sbin/nologin\n" +
					"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n" +
					"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n",
				"/etc/group":   "root:x:0:\ntty:x:5:\nshadow:x:42:\nnonroot:x:65532:\nnogroup:x:65534:\n",
				"/etc/shadow":  "root:*::0:99999:7:::\nnonroot:*::0:99999:7:::\nnobody:*::0:99999:7:::\n",
				"/etc/gshadow": "root:*::\ntty:*::\nshadow:*::\nnonroot:*::\nnogroup:*::\n",
			},
		},
		{
			name: "busybox base with a shell and recipe accounts",
			setup: func(t *testing.T, tree *Tree) {
				mustDo(t, tree.WriteFile("/usr/bin/busybox", []byte("bb"), 0o755, 0, 0))
				mustDo(t, tree.Symlink("usr/bin", "/bin"))
				mustDo(t, tree.Symlink("busybox", "/usr/bin/sh"))
			},
			users: []Account{
				{Name: "app", UID: 1000},
				{Name: "svc", UID: 1001, GID: 2000, Home: "/srv/svc", Shell: "/bin/false"},
				{Name: "nonroot", UID: 65532, GID: 65532}, // repeats the base account
			},
			groups: []Group{{Name: "apps", GID: 2000, Members: []string{"app"}}, {Name: "tty", GID: 5, Members: []string{"app"}}},
			want: map[string]string{
				"/etc/passwd": "root:x:0:0:root:/root:/bin/sh\n" +
					"app:x:1000:1000:app:/home/app:/bin/sh\n" +
					"svc:x:1001:2000:svc:/srv/svc:/bin/false\n" +
					"nonroot:x:65532:65532:nonroot:/home/nonroot:/bin/sh\n" +
					"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n",
				"/etc/group": "root:x:0:\ntty:x:5:app\nshadow:x:42:\napp:x:1000:\napps:x:2000:app\nnonroot:x:65532:\nnogroup:x:65534:\n",
			},
		},
		{
			name: "base-passwd master files",
			setup: func(t *testing.T, tree *Tree) {
				mustDo(t, tree.WriteFile(passwdMaster, []byte(testPasswdMaster), 0o644, 0, 0))
				mustDo(t, tree.WriteFile(groupMaster, []byte(testGroupMaster), 0o644, 0, 0))
			},
			users: []Account{{Name: "app", UID: 1000, GID: 50}},
			want: map[string]string{
				"/etc/passwd": "root:x:0:0:root:/root:/bin/bash\n" +
					"daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n" +
					"_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n" +
					"app:x:1000:50:app:/home/app:/sbin/nologin\n" +
					"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n" +
					"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
				"/etc/group":  "root:x:0:\ndaemon:x:1:\ntty:x:5:\nshadow:x:42:\nstaff:x:50:\nnonroot:x:65532:\nnogroup:x:65534:\n",
				"/etc/shadow": "root:*::0:99999:7:::\ndaemon:*::0:99999:7:::\n_apt:*::0:99999:7:::\napp:*::0:99999:7:::\nnonroot:*::0:99999:7:::\nnobody:*::0:99999:7:::\n",
			},
		},
		{
			name: "configured system keeps its files",
			setup: func(t *testing.T, tree *Tree) {
				mustDo(t, tree.WriteFile(passwdFile, []byte("root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n"), 0o644, 0, 0))
				mustDo(t, tree.WriteFile(groupFile, []byte("root:x:0:\nshadow:x:42:\nnogroup:x:65534:\n"), 0o644, 0, 0))
				mustDo(t, tree.WriteFile(gshadowFile, []byte("root:*::\nshadow:*::\nnogroup:*::\n"), 0o640, 0, 42))
				mustDo(t, tree.WriteFile(shadowFile, []byte("root:$6$salt$hash:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n_apt:*:19000:0:99999:7:::\n"), 0o640, 0, 42))
			},
			users:  []Account{{Name: "app", UID: 1000}},
			groups: []Group{{Name: "shadow", GID: 42, Members: []string{"app"}}},
			want: map[string]string{
				"/etc/passwd": "root:x:0:0:root:/root:/bin/bash\n" +
					"_apt:x:42:65534::/nonexistent:/usr/sbin/nologin\n" +
					"app:x:1000:1000:app:/home/app:/sbin/nologin\n" +
					"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
				"/etc/shadow":  "root:$6$salt$hash:19000:0:99999:7:::\n_apt:*:19000:0:99999:7:::\napp:*::0:99999:7:::\nnobody:*:19000:0:99999:7:::\n",
				"/etc/group":   "root:x:0:\nshadow:x:42:app\napp:x:1000:\nnogroup:x:65534:\n",
				"/etc/gshadow": "root:*::\nshadow:*::app\napp:*::\nnogroup:*::\n",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tree := New()
			if tt.setup != nil {
				tt.setup(t, tree)
			}
			if err := WriteAccounts(tree, tt.users, tt.groups); err != nil {
				t.Fatal(err)
			}
			for file, want := range tt.want {
				got, err := tree.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, string(got)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", file, diff)
				}
			}
			dump := TreeDump(tree)
			for file, want := range map[string]string{
				"/etc/passwd": "file 0644 0:0", "/etc/group": "file 0644 0:0",
				"/etc/shadow": "file 0640 0:42", "/etc/gshadow": "file 0640 0:42",
			} {
				if !strings.HasPrefix(dump[file], want) {
					t.Errorf("%s is %q, want %s", file, dump[file], want)
				}
			}
			for _, u := range append([]Account{{Name: "nonroot", UID: 65532, GID: 65532}}, tt.users...) {
				if u.Name != "nonroot" || !strings.HasPrefix(tt.name, "configured") {
					checkHome(t, dump, u)
				}
			}
			if _, ok := dump["/nonexistent"]; ok {
				t.Error("/nonexistent was created")
			}
		})
	}
}

func checkHome(t *testing.T, dump map[string]string, u Account) {
	t.Helper()
	home := u.Home
	if home == "" {
		home = "/home/" + u.Name
	}
	gid := u.GID
	if gid == 0 {
		gid = u.UID
	}
	want := "dir 0700 " + strconv.Itoa(u.UID) + ":" + strconv.Itoa(gid)
	if dump[home] != want {
		t.Errorf("home %s is %q, want %q", home, dump[home], want)
	}
}

func TestWriteAccountsRootHome(t *testing.T) {
	tree := New()
	if err := WriteAccounts(tree, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := TreeDump(tree)["/root"]; got != "dir 0700 0:0" {
		t.Errorf("/root is %q, want dir 0700 0:0", got)
	}
	// An existing /root (base-files ships one) is left alone.
	tree = New()
	mustDo(t, tree.MkdirAll("/root", 0o750, 0, 0))
	if err := WriteAccounts(tree, nil, nil); err != nil {
		t.Fatal(err)
	}
	if got := TreeDump(tree)["/root"]; got != "dir 0750 0:0" {
		t.Errorf("/root is %q, want it untouched", got)
	}
}

func TestWriteAccountsErrors(t *testing.T) {
	tests := []struct {
		name   string
		users  []Account
		groups []Group
		want   string
	}{
		{"uid taken", []Account{{Name: "app", UID: 65534}}, nil, `adding user "app": clashes with existing user nobody (uid 65534)`},
		{"name taken", []Account{{Name: "nobody", UID: 1000}}, nil, `adding user "nobody": clashes with existing user nobody`},
		{"listed twice", []Account{{Name: "a", UID: 1000}, {Name: "a", UID: 1000}}, nil, `adding user "a": listed twice`},
		{"two names one uid", []Account{{Name: "a", UID: 1000}, {Name: "b", UID: 1000}}, nil, `adding user "b": clashes with existing user a (uid 1000)`},
		{"gid taken", nil, []Group{{Name: "apps", GID: 5}}, `adding group "apps": clashes with existing group tty (gid 5)`},
		{"group name taken", nil, []Group{{Name: "tty", GID: 6}}, `adding group "tty": clashes`},
		{"bad name", []Account{{Name: "a:b", UID: 1000}}, nil, "invalid name"},
		{"bad shell", []Account{{Name: "a", UID: 1000, Shell: "/bin/sh\nroot::0:0::/:/bin/sh"}}, nil, "invalid"},
		{"bad member", nil, []Group{{Name: "g", GID: 7, Members: []string{"a,b"}}}, "invalid member"},
		{"primary group name taken", []Account{{Name: "tty", UID: 1000}}, nil, "primary group of user tty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := WriteAccounts(New(), tt.users, tt.groups)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestWriteAccountsMalformedFile(t *testing.T) {
	tree := New()
	mustDo(t, tree.WriteFile(passwdFile, []byte("root:x:0:0:root:/root\n"), 0o644, 0, 0))
	err := WriteAccounts(tree, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "/etc/passwd: line 1") {
		t.Errorf("err = %v, want one naming /etc/passwd line 1", err)
	}
}

// TestWriteAccountsPwck has the host's pwck and grpck check the files.
func TestWriteAccountsPwck(t *testing.T) {
	pwck, err := exec.LookPath("pwck")
	if err != nil {
		t.Skip("pwck not installed")
	}
	grpck, err := exec.LookPath("grpck")
	if err != nil {
		t.Skip("grpck not installed")
	}
	tree := New()
	mustDo(t, tree.WriteFile(passwdMaster, []byte(testPasswdMaster), 0o644, 0, 0))
	mustDo(t, tree.WriteFile(groupMaster, []byte(testGroupMaster), 0o644, 0, 0))
	if err := WriteAccounts(tree, []Account{{Name: "app", UID: 1000}}, []Group{{Name: "apps", GID: 2000, Members: []string{"app"}}}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, f := range []string{passwdFile, groupFile, shadowFile, gshadowFile} {
		data, err := tree.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		mustDo(t, os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o600))
	}
	// -r: read-only; -q: only errors. Home directories are not on this
	// disk, so pwck's "directory does not exist" notes are ignored.
	out, err := exec.Command(pwck, "-r", "-q", filepath.Join(dir, "passwd"), filepath.Join(dir, "shadow")).CombinedOutput()
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" && !strings.Contains(line, "directory") {
			t.Errorf("pwck: %s (%v)", line, err)
		}
	}
	// grpck looks members up in the host's /etc/passwd: "no user" is expected.
	out, err = exec.Command(grpck, "-r", filepath.Join(dir, "group"), filepath.Join(dir, "gshadow")).CombinedOutput()
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line != "" && !strings.Contains(line, "no user") && !strings.Contains(line, "delete member") && !strings.Contains(line, "no changes") {
			t.Errorf("grpck: %s (%v)", line, err)
		}
	}
}
