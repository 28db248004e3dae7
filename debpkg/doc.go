// Package debpkg holds the pure Debian package formats plinth reads: deb822
// paragraphs, versions compared exactly as dpkg compares them, relation fields
// (Depends, Provides, ...), binary package stanzas and the .deb archive itself.
//
// Nothing here does I/O beyond the io.Reader it is handed, so every parser can
// be fuzzed and every caller decides where bytes come from.
package debpkg
