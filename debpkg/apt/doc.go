// Package apt is plinth's archive client, and the only package that talks
// HTTP: it fetches a suite's InRelease (or Release and Release.gpg), verifies
// its OpenPGP signatures against pinned keys, checks the Release's suite,
// Date and Valid-Until, then downloads Packages indexes and pool files whose
// sizes and SHA256 digests the verified Release (or index) declares. Nothing
// is parsed before it is verified.
//
// Downloads retry on transient failures with exponential backoff (a
// server's Retry-After is obeyed up to Options.MaxRetryDelay), resume with
// HTTP Range requests where the server allows it, stop reading at the
// declared size, and land in a content-addressed cache
// (CacheDir/sha256/<hex>) through a temporary file that is synced, verified
// and renamed, so several processes can share it and no failure leaves a
// partial entry. A download whose size or SHA256 is wrong is fetched once
// more after a backoff (a mirror mid-sync), then refused with a HashError;
// a redirect to another host changes nothing of that.
//
// The package also resolves which mirror serves a suite (flags, environment,
// recipe, then the host's own apt sources): see MirrorConfig and HostSources.
package apt
