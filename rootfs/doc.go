// Package rootfs owns the root filesystem of an image while it is being
// built: an in-memory tree of files, directories, links and devices whose
// paths resolve as inside a chroot (absolute symlinks are relative to the
// root, ".." stops at "/"), so nothing a package ships can reach outside it.
//
// Packages are unpacked into a Tree with Extract (dpkg's rules for replacing
// and sharing paths, path-exclude filters from PruneFilter), merged /usr is
// laid out by MergeUsr, and the result leaves as a deterministic tar
// (WriteTar) or a directory (Materialize). ReadTar and Rescan bring a tar or
// directory back into a Tree. Ownership, modes, setuid bits, device nodes and
// hardlinks are exact in the model, whatever privileges plinth runs with.
package rootfs
