// Package oci turns a root filesystem tarball into a single-layer OCI image and
// writes it to a destination: an OCI layout directory (oci:DIR[:TAG]), a
// `docker load` tarball (docker-archive:FILE[:REF]) or a registry
// (docker://REF). It also reads images back from those destinations.
//
// It is the only package of plinth that uses go-containerregistry. Images are
// deterministic: the same layer tar and Config give the same manifest digest on
// any host, in any time zone and under any umask. The layer is compressed once
// with gzip at a fixed level, with no name or mtime in the gzip header, and the
// config carries only what Config says (Created is the SOURCE_DATE_EPOCH, never
// the wall clock).
package oci
