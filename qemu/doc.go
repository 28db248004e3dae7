// Package qemu runs target code for the build: it decides whether the kernel
// can execute an architecture (natively or through a binfmt_misc entry with
// the F flag, registered from the installed qemu-user definitions), and it
// runs maintainer scripts in a chroot with proc, sysfs and a minimal /dev
// mounted, always unmounting them again.
package qemu
