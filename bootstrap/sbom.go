package bootstrap

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/plinth-build/plinth/debpkg"
)

// SPDX 2.3 JSON, the subset plinth writes.
type spdxDocument struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreationInfo   `json:"creationInfo"`
	Packages          []spdxPackage      `json:"packages"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	SPDXID           string         `json:"SPDXID"`
	Name             string         `json:"name"`
	VersionInfo      string         `json:"versionInfo,omitempty"`
	Supplier         string         `json:"supplier,omitempty"`
	DownloadLocation string         `json:"downloadLocation"`
	FilesAnalyzed    bool           `json:"filesAnalyzed"`
	SourceInfo       string         `json:"sourceInfo,omitempty"`
	PrimaryPurpose   string         `json:"primaryPackagePurpose,omitempty"`
	Checksums        []spdxChecksum `json:"checksums,omitempty"`
	ExternalRefs     []spdxRef      `json:"externalRefs,omitempty"`
}

type spdxChecksum struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"checksumValue"`
}

type spdxRef struct {
	Category string `json:"referenceCategory"`
	Type     string `json:"referenceType"`
	Locator  string `json:"referenceLocator"`
}

type spdxRelationship struct {
	Element string `json:"spdxElementId"`
	Type    string `json:"relationshipType"`
	Related string `json:"relatedSpdxElement"`
}

// sbomImage is one architecture's tree and image digest.
type sbomImage struct {
	Arch   string
	Digest string
	Status []debpkg.Paragraph // the image's dpkg status
}

// buildSBOM renders the SPDX document of the images from their dpkg
// status files, so the SBOM and the dpkg database cannot disagree.
func buildSBOM(recipe, distro, tool string, epoch time.Time, images []sbomImage) ([]byte, error) {
	doc := spdxDocument{
		SPDXVersion: "SPDX-2.3", DataLicense: "CC0-1.0", SPDXID: "SPDXRef-DOCUMENT",
		Name:              "plinth-" + recipe,
		DocumentNamespace: "https://plinth.invalid/spdx/" + url.PathEscape(recipe) + "/" + namespaceID(images),
		CreationInfo:      spdxCreationInfo{Created: epoch.UTC().Format(time.RFC3339), Creators: []string{"Tool: plinth-" + tool}},
	}
	for _, img := range images {
		imageID := "SPDXRef-Image-" + spdxSafe(img.Arch)
		ip := spdxPackage{SPDXID: imageID, Name: recipe, VersionInfo: img.Digest, DownloadLocation: "NOASSERTION", PrimaryPurpose: "CONTAINER"}
		if d, ok := strings.CutPrefix(img.Digest, "sha256:"); ok {
			ip.Checksums = []spdxChecksum{{Algorithm: "SHA256", Value: d}}
		}
		doc.Packages = append(doc.Packages, ip)
		doc.Relationships = append(doc.Relationships, spdxRelationship{"SPDXRef-DOCUMENT", "DESCRIBES", imageID})
		pkgs, rels := statusPackages(distro, img.Arch, imageID, img.Status)
		doc.Packages = append(doc.Packages, pkgs...)
		doc.Relationships = append(doc.Relationships, rels...)
	}
	return json.MarshalIndent(doc, "", "  ")
}

// statusPackages turns status paragraphs into SPDX packages, CONTAINS
// relationships from the image and DEPENDS_ON between installed packages.
func statusPackages(distro, arch, imageID string, status []debpkg.Paragraph) ([]spdxPackage, []spdxRelationship) {
	ids := map[string]string{}
	for _, p := range status {
		ids[p.Get("Package")] = "SPDXRef-Package-" + spdxSafe(arch+"-"+p.Get("Package"))
	}
	var pkgs []spdxPackage
	var rels []spdxRelationship
	for _, p := range status {
		name, version, parch := p.Get("Package"), p.Get("Version"), p.Get("Architecture")
		id := ids[name]
		sp := spdxPackage{
			SPDXID: id, Name: name, VersionInfo: version, DownloadLocation: "NOASSERTION",
			ExternalRefs: []spdxRef{{"PACKAGE-MANAGER", "purl", purl(distro, name, version, parch)}},
		}
		if m := p.Get("Maintainer"); m != "" {
			sp.Supplier = "Organization: " + m
		}
		if src := p.Get("Source"); src != "" {
			sp.SourceInfo = "built package from: " + src
		}
		pkgs = append(pkgs, sp)
		rels = append(rels, spdxRelationship{imageID, "CONTAINS", id})
		for _, dep := range dependencyNames(p) {
			if did, ok := ids[dep]; ok && did != id {
				rels = append(rels, spdxRelationship{id, "DEPENDS_ON", did})
			}
		}
	}
	return pkgs, rels
}

// dependencyNames lists the installed names a package's Depends and
// Pre-Depends mention, sorted and unique.
func dependencyNames(p debpkg.Paragraph) []string {
	seen := map[string]bool{}
	for _, field := range []string{"Pre-Depends", "Depends"} {
		rel, err := debpkg.ParseRelation(p.Get(field))
		if err != nil {
			continue
		}
		for _, alts := range rel {
			for _, d := range alts {
				seen[d.Name] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for n := range seen {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func purl(distro, name, version, arch string) string {
	return fmt.Sprintf("pkg:deb/%s/%s@%s?arch=%s", distro, name, url.PathEscape(version), arch)
}

var unsafeID = regexp.MustCompile(`[^A-Za-z0-9.-]`)

func spdxSafe(s string) string { return unsafeID.ReplaceAllString(s, "-") }

func namespaceID(images []sbomImage) string {
	var parts []string
	for _, img := range images {
		parts = append(parts, strings.TrimPrefix(img.Digest, "sha256:"))
	}
	if len(parts) == 0 || parts[0] == "" {
		return "rootfs"
	}
	return strings.Join(parts, "-")
}
