package debpkg

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
)

// Arch holds every name one Debian architecture goes by.
type Arch struct {
	Name       string   // Debian name: "arm64"
	GOARCH     string   // Go's name: "arm64"
	OCIArch    string   // OCI platform architecture: "arm64"
	OCIVariant string   // OCI platform variant: "v8"
	QEMU       string   // qemu-user name: "aarch64"
	Triplet    string   // GNU multiarch triplet: "aarch64-linux-gnu"
	LibDirs    []string // top-level library dirs merged /usr links besides lib: "lib64"
	UnameM     string   // what `uname -m` prints under it
}

var arches = []Arch{
	{Name: "amd64", GOARCH: "amd64", OCIArch: "amd64", QEMU: "x86_64", Triplet: "x86_64-linux-gnu", LibDirs: []string{"lib32", "lib64", "libx32"}, UnameM: "x86_64"},
	{Name: "arm64", GOARCH: "arm64", OCIArch: "arm64", OCIVariant: "v8", QEMU: "aarch64", Triplet: "aarch64-linux-gnu", UnameM: "aarch64"},
	{Name: "armhf", GOARCH: "arm", OCIArch: "arm", OCIVariant: "v7", QEMU: "arm", Triplet: "arm-linux-gnueabihf", UnameM: "armv7l"},
	{Name: "armel", GOARCH: "arm", OCIArch: "arm", OCIVariant: "v5", QEMU: "arm", Triplet: "arm-linux-gnueabi", UnameM: "armv7l"},
	{Name: "i386", GOARCH: "386", OCIArch: "386", QEMU: "i386", Triplet: "i386-linux-gnu", UnameM: "i686"},
	{Name: "ppc64el", GOARCH: "ppc64le", OCIArch: "ppc64le", QEMU: "ppc64le", Triplet: "powerpc64le-linux-gnu", LibDirs: []string{"lib64"}, UnameM: "ppc64le"},
	{Name: "s390x", GOARCH: "s390x", OCIArch: "s390x", QEMU: "s390x", Triplet: "s390x-linux-gnu", LibDirs: []string{"lib64"}, UnameM: "s390x"},
	{Name: "riscv64", GOARCH: "riscv64", OCIArch: "riscv64", QEMU: "riscv64", Triplet: "riscv64-linux-gnu", LibDirs: []string{"lib64"}, UnameM: "riscv64"},
	{Name: "mips64el", GOARCH: "mips64le", OCIArch: "mips64le", QEMU: "mips64el", Triplet: "mips64el-linux-gnuabi64", LibDirs: []string{"lib64"}, UnameM: "mips64"},
}

// LookupArch returns the architecture with the given Debian name.
func LookupArch(name string) (Arch, error) {
	for _, a := range arches {
		if a.Name == name {
			return a, nil
		}
	}
	return Arch{}, fmt.Errorf("unknown architecture %q: use one of %s", name, strings.Join(ArchNames(), ", "))
}

// ArchNames lists the Debian architecture names plinth knows, sorted.
func ArchNames() []string {
	names := make([]string, len(arches))
	for i, a := range arches {
		names[i] = a.Name
	}
	sort.Strings(names)
	return names
}

// HostArch is the Debian architecture of the running binary.
func HostArch() Arch {
	for _, a := range arches {
		if a.GOARCH == runtime.GOARCH && a.Name != "armel" {
			return a
		}
	}
	return Arch{Name: runtime.GOARCH, GOARCH: runtime.GOARCH, OCIArch: runtime.GOARCH}
}
