// Package bootstrap is plinth's build pipeline: a recipe goes through
// resolve -> fetch -> unpack -> configure -> prune -> normalize -> image, for
// one or several architectures. It ties the archive client (debpkg/apt), the
// resolver (debpkg/resolve), the tree model (rootfs) and the image writer
// (rootfs/oci) together and owns no format of its own.
package bootstrap
