// Package qemu runs target code for the build: it decides whether the kernel
// can execute an architecture (natively or through a binfmt_misc entry with
// the F flag, registered from the installed qemu-user definitions), and it
// runs maintainer scripts in a chroot with proc, sysfs and a minimal /dev
// mounted, always unmounting them again. While scripts run, plinth's own
// static executable can stand in for a few Debian helper programs
// (dpkg-maintscript-helper, deb-systemd-helper, dpkg-realpath): it answers
// natively the calls whose outcome it knows exactly and hands every other
// call to the real program, which under emulation saves most of the
// scripts' time.
package qemu
