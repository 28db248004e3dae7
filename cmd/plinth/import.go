package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/plinth-build/plinth/bootstrap"
)

func newImportCommand(e *env) *cobra.Command {
	var (
		opts            bootstrap.ImportOptions
		cmd, entrypoint []string
		labels          []string
		epoch           string
	)
	c := &cobra.Command{
		Use:   "import DIR|TAR -o DEST",
		Short: "Make a single-layer image from a directory or tarball (docker import, without a daemon)",
		Long: `Make a single-layer image from a root filesystem: a directory, a tarball (plain,
gzip, xz, zstd or bzip2), dir:DIR or tar:FILE. A single-platform image is read too
and flattened into one layer (its config is not kept).

The result is reproducible: entries sorted, owners numeric (a directory keeps its
on-disk uid/gid, also when plinth runs unprivileged), every mtime and the image's
creation time set to --source-date-epoch (default $SOURCE_DATE_EPOCH, else 0).

--cmd and --entrypoint take a JSON array ('["/bin/sh","-c","echo hi"]') or words
split at spaces; given several times, the words are appended.`,
		Example: `  plinth import rootfs/ -o oci:out/mybase --cmd /bin/bash --env LANG=C.UTF-8
  plinth import rootfs.tar.xz -o docker-archive:mybase.tar:mybase:1 --arch arm64`,
		Args: exactArgs(1, "import needs one DIR or TAR"),
		RunE: func(c *cobra.Command, args []string) error {
			if opts.Output == "" {
				return usageError{errors.New("import needs -o DEST"), "import"}
			}
			var err error
			if opts.SourceDateEpoch, err = parseEpoch(epoch, e); err != nil {
				return usageError{err, "import"}
			}
			if opts.Cmd, err = commandWords("--cmd", cmd); err != nil {
				return usageError{err, "import"}
			}
			if opts.Entrypoint, err = commandWords("--entrypoint", entrypoint); err != nil {
				return usageError{err, "import"}
			}
			if opts.Labels, err = keyValues("--label", labels); err != nil {
				return usageError{err, "import"}
			}
			if _, err := keyValues("--env", opts.Env); err != nil {
				return usageError{err, "import"}
			}
			opts.Source = args[0]
			res, err := bootstrap.Import(c.Context(), opts)
			if err != nil {
				return err
			}
			if quiet, _ := c.Flags().GetBool("quiet"); !quiet {
				bootstrap.PrintSummary(e.stdout, res)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&opts.Output, "output", "o", "", "oci:DIR[:TAG] | docker-archive:FILE[:REF] | docker://REF (required)")
	f.StringArrayVar(&cmd, "cmd", nil, `default command: a JSON array or words ("/bin/sh -c")`)
	f.StringArrayVar(&entrypoint, "entrypoint", nil, "entrypoint: a JSON array or words")
	f.StringArrayVar(&opts.Env, "env", nil, "environment variable KEY=VALUE (repeatable)")
	f.StringVar(&opts.User, "user", "", `default user, e.g. "65532" or "65532:65532"`)
	f.StringVar(&opts.Workdir, "workdir", "", "default working directory")
	f.StringVar(&opts.Arch, "arch", "", "image architecture, a Debian name: amd64, arm64, ... (default: the rootfs's dpkg architecture, else the host's)")
	f.StringArrayVar(&labels, "label", nil, "image label KEY=VALUE (repeatable)")
	f.StringVar(&epoch, "source-date-epoch", "", "image timestamp and file mtimes, Unix seconds (default $SOURCE_DATE_EPOCH, else 0)")
	return c
}

// commandWords reads --cmd or --entrypoint values: each a JSON array of
// strings, or words split at white space; the words of all are appended.
func commandWords(flag string, vals []string) ([]string, error) {
	var out []string
	for _, v := range vals {
		if strings.HasPrefix(strings.TrimSpace(v), "[") {
			var words []string
			if err := json.Unmarshal([]byte(v), &words); err != nil {
				return nil, fmt.Errorf("%s %s: not a JSON array of strings: %w", flag, v, err)
			}
			out = append(out, words...)
			continue
		}
		out = append(out, strings.Fields(v)...)
	}
	return out, nil
}

// keyValues reads repeated KEY=VALUE flag values into a map.
func keyValues(flag string, vals []string) (map[string]string, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	out := make(map[string]string, len(vals))
	for _, v := range vals {
		k, val, ok := strings.Cut(v, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s %q is not KEY=VALUE", flag, v)
		}
		out[k] = val
	}
	return out, nil
}
