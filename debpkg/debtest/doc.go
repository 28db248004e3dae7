// Package debtest builds Debian packages and signed archives for tests.
//
// Deb builds a .deb the way dpkg-deb does (ar of debian-binary,
// control.tar and data.tar, "./"-prefixed tar entries, parent directories
// first, md5sums generated), with switches to tamper with every layer so
// hostile inputs are as easy to make as good ones. Tar writes tar streams
// entry by entry with no checks, for entries no packager would write.
package debtest
