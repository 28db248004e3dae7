package debpkg

import "testing"

func TestLookupArch(t *testing.T) {
	for _, name := range ArchNames() {
		t.Run(name, func(t *testing.T) {
			a, err := LookupArch(name)
			if err != nil {
				t.Fatal(err)
			}
			if a.Name != name || a.OCIArch == "" || a.QEMU == "" || a.Triplet == "" || a.UnameM == "" {
				t.Errorf("incomplete mapping: %+v", a)
			}
		})
	}
	if _, err := LookupArch("vax"); err == nil {
		t.Error("unknown arch accepted")
	}
	if a, _ := LookupArch("arm64"); a.OCIVariant != "v8" {
		t.Errorf("arm64 variant = %q, want v8", a.OCIVariant)
	}
}
