package oci

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Config is the image configuration of a single-architecture image.
type Config struct {
	// Architecture, OS and Variant name the platform in OCI terms, e.g.
	// "amd64","linux","" or "arm64","linux","v8" ("v7" for armhf, "v6" for armel).
	Architecture, OS, Variant string
	// Cmd and Entrypoint are the default command and entrypoint.
	Cmd, Entrypoint []string
	// Env holds "K=V" entries, sorted by the caller; they are kept in order.
	Env []string
	// User and WorkingDir are the default user ("0", "65532:65532") and directory.
	User, WorkingDir string
	// Labels become the image config labels.
	Labels map[string]string
	// ExposedPorts lists ports as "8080/tcp"; they are sorted in the config.
	ExposedPorts []string
	// Created is the image creation time: the SOURCE_DATE_EPOCH, never the wall
	// clock. It is written in UTC; the zero Time means the Unix epoch.
	Created time.Time
	// History is the created_by text of the layer's history entry, e.g.
	// "plinth build bookworm".
	History string
}

// platform returns the OCI platform that Config describes.
func (c Config) platform() v1.Platform {
	return v1.Platform{Architecture: c.Architecture, OS: c.OS, Variant: c.Variant}
}

// created returns Created in UTC, or the Unix epoch when it is zero, so the
// config never depends on the host's time zone.
func (c Config) created() time.Time {
	if c.Created.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return c.Created.UTC()
}

// validate reports a Config that cannot describe a runnable image.
func (c Config) validate() error {
	if c.Architecture == "" || c.OS == "" {
		return fmt.Errorf("image config: architecture and os are required (got %q, %q); set Config.Architecture and Config.OS, e.g. \"amd64\", \"linux\"", c.Architecture, c.OS)
	}
	for _, e := range c.Env {
		if k, _, ok := strings.Cut(e, "="); !ok || k == "" {
			return fmt.Errorf("image config: env entry %q is not KEY=VALUE", e)
		}
	}
	for _, p := range c.ExposedPorts {
		if !validPort(p) {
			return fmt.Errorf("image config: exposed port %q is not PORT[/tcp|/udp|/sctp], e.g. \"8080/tcp\"", p)
		}
	}
	return nil
}

// validPort reports whether p is PORT or PORT-PORT, optionally followed by
// /tcp, /udp or /sctp, with ports in 1..65535.
func validPort(p string) bool {
	ports, proto, hasProto := strings.Cut(p, "/")
	if hasProto && proto != "tcp" && proto != "udp" && proto != "sctp" {
		return false
	}
	lo, hi, isRange := strings.Cut(ports, "-")
	if !isRange {
		hi = lo
	}
	a, errA := strconv.ParseUint(lo, 10, 16)
	b, errB := strconv.ParseUint(hi, 10, 16)
	return errA == nil && errB == nil && a > 0 && a <= b
}

// configFile builds the image config for a single layer with the given diff ID.
func (c Config) configFile(diffID v1.Hash) *v1.ConfigFile {
	created := v1.Time{Time: c.created()}
	cf := &v1.ConfigFile{
		Architecture: c.Architecture,
		OS:           c.OS,
		Variant:      c.Variant,
		Created:      created,
		History:      []v1.History{{Created: created, CreatedBy: c.History}},
		RootFS:       v1.RootFS{Type: "layers", DiffIDs: []v1.Hash{diffID}},
		Config: v1.Config{
			Cmd:        slices.Clone(c.Cmd),
			Entrypoint: slices.Clone(c.Entrypoint),
			Env:        slices.Clone(c.Env),
			User:       c.User,
			WorkingDir: c.WorkingDir,
		},
	}
	if len(c.Labels) > 0 {
		cf.Config.Labels = make(map[string]string, len(c.Labels))
		for k, v := range c.Labels {
			cf.Config.Labels[k] = v
		}
	}
	if len(c.ExposedPorts) > 0 {
		cf.Config.ExposedPorts = make(map[string]struct{}, len(c.ExposedPorts))
		for _, p := range c.ExposedPorts {
			cf.Config.ExposedPorts[p] = struct{}{}
		}
	}
	return cf
}
