package apt

import (
	"errors"
	"fmt"
)

// Reasons a SignatureError carries; test them with errors.Is.
var (
	// ErrNoKeyring: the client has no trusted key at all (Options.Keyring
	// is empty), so nothing can be verified.
	ErrNoKeyring = errors.New("no trusted archive key: the keyring is empty")
	// ErrUnknownKey: every signature was made by a key outside the keyring.
	ErrUnknownKey = errors.New("signed only by keys not in the keyring")
	// ErrNoSignature: the file carries no OpenPGP signature at all.
	ErrNoSignature = errors.New("no OpenPGP signature")
	// ErrBadSignature: a trusted key's signature does not match the bytes.
	ErrBadSignature = errors.New("bad signature by a trusted key")
	// ErrSHA1Signature: a trusted key signed with a broken hash (SHA-1, MD5, RIPEMD-160).
	ErrSHA1Signature = errors.New("signature uses a broken hash algorithm (SHA-1/MD5/RIPEMD-160)")
	// ErrExpiredKey: the trusted signing key (or the signature) has expired.
	ErrExpiredKey = errors.New("signing key or signature expired")
	// ErrRevokedKey: the trusted signing key has been revoked.
	ErrRevokedKey = errors.New("signing key revoked")
	// ErrUnsignedText: the file holds text outside the signed part, or more
	// than one signed block, or is not a well-formed clearsigned message.
	ErrUnsignedText = errors.New("text outside the signed message")
)

// SignatureError reports an InRelease or Release.gpg that does not carry a
// good signature by a trusted key.
type SignatureError struct {
	URL    string
	Reason error
}

func (e *SignatureError) Error() string {
	hint := "check that the mirror serves the archive the recipe names"
	switch {
	case errors.Is(e.Reason, ErrUnknownKey), errors.Is(e.Reason, ErrNoSignature), errors.Is(e.Reason, ErrNoKeyring):
		hint = "pass --keyring with the archive's signing key"
	case errors.Is(e.Reason, ErrSHA1Signature):
		hint = "the archive must sign with SHA-256 or better (apt refuses SHA-1 too); use an up-to-date mirror"
	case errors.Is(e.Reason, ErrExpiredKey), errors.Is(e.Reason, ErrRevokedKey):
		hint = "update the keyring (--keyring) or the archive"
	case errors.Is(e.Reason, ErrBadSignature), errors.Is(e.Reason, ErrUnsignedText):
		hint = "the file was altered in transit or on the mirror; try another mirror"
	}
	return fmt.Sprintf("verifying %s: %v; %s", e.URL, e.Reason, hint)
}

func (e *SignatureError) Unwrap() error { return e.Reason }

// Reasons a ReleaseError carries; test them with errors.Is.
var (
	// ErrExpired: the Release's Valid-Until is in the past.
	ErrExpired = errors.New("Release expired (Valid-Until is past)")
	// ErrFutureDate: the Release's Date is more than MaxClockSkew ahead of now.
	ErrFutureDate = errors.New("Release Date is in the future")
	// ErrWrongSuite: neither Suite nor Codename is the suite asked for.
	ErrWrongSuite = errors.New("Release is for another suite")
	// ErrNoSHA256: the Release has no SHA256 section.
	ErrNoSHA256 = errors.New("Release has no SHA256 checksums")
	// ErrRollback: the Release is older than the lockfile's (Options.MinDate).
	ErrRollback = errors.New("Release is older than the pinned date (rollback)")
	// ErrBadRelease: the Release's text is malformed (see the wrapping error).
	ErrBadRelease = errors.New("malformed Release")
)

// ReleaseError reports a verified Release that plinth must not use.
type ReleaseError struct {
	URL    string
	Reason error
}

func (e *ReleaseError) Error() string {
	hint := ""
	switch {
	case errors.Is(e.Reason, ErrExpired):
		hint = "; the mirror is stale: use a fresher mirror (or a frozen-archive option)"
	case errors.Is(e.Reason, ErrFutureDate):
		hint = "; check this machine's clock"
	case errors.Is(e.Reason, ErrWrongSuite):
		hint = "; check the mirror URL and suite name"
	case errors.Is(e.Reason, ErrNoSHA256):
		hint = "; MD5Sum and SHA1 alone are not trusted: use a mirror of an archive that lists SHA256"
	case errors.Is(e.Reason, ErrRollback):
		hint = "; the mirror serves an older archive than the lockfile: use an up-to-date mirror"
	}
	return fmt.Sprintf("checking %s: %v%s", e.URL, e.Reason, hint)
}

func (e *ReleaseError) Unwrap() error { return e.Reason }

// Reasons a HashError carries; test them with errors.Is.
var (
	// ErrSizeMismatch: the download's size differs from the declared one.
	ErrSizeMismatch = errors.New("size mismatch")
	// ErrHashMismatch: the download has the declared size but another SHA256.
	ErrHashMismatch = errors.New("SHA256 mismatch")
)

// HashError reports a download whose size or SHA256 differs from what the
// verified Release or index declares.
type HashError struct {
	URL, Path string
	Want, Got string // hex SHA256
	WantSize  int64
	GotSize   int64
	// Attempts is how many downloads in a row failed so (0 when the error
	// comes from checking a file rather than downloading it).
	Attempts int
}

func (e *HashError) Error() string {
	times := ""
	if e.Attempts > 1 {
		times = fmt.Sprintf(" (the same on %d downloads)", e.Attempts)
	}
	switch {
	case e.GotSize > e.WantSize:
		return fmt.Sprintf("downloading %s (%s): more than the %d bytes declared%s; the mirror is inconsistent or was tampered with, try again later or another mirror",
			e.Path, e.URL, e.WantSize, times)
	case e.GotSize < e.WantSize:
		return fmt.Sprintf("downloading %s (%s): got %d bytes, want %d%s; the mirror is inconsistent or was tampered with, try again later or another mirror",
			e.Path, e.URL, e.GotSize, e.WantSize, times)
	}
	return fmt.Sprintf("downloading %s (%s): SHA256 %s, want %s%s; the mirror is inconsistent or was tampered with, try again later or another mirror",
		e.Path, e.URL, e.Got, e.Want, times)
}

// Is makes errors.Is(err, ErrSizeMismatch / ErrHashMismatch) work.
func (e *HashError) Is(target error) bool {
	if e.WantSize != e.GotSize {
		return target == ErrSizeMismatch
	}
	return target == ErrHashMismatch
}

// HTTPError is a final (non-retried, or retried to exhaustion) HTTP status.
type HTTPError struct {
	URL    string
	Status int
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("fetching %s: HTTP status %d; check the mirror URL or try again later", e.URL, e.Status)
}

// NetworkError is a request that got no HTTP answer at all: the mirror's
// host did not resolve, refused the connection, or the network is down.
type NetworkError struct {
	URL string
	Err error
}

func (e *NetworkError) Error() string {
	return fmt.Sprintf("fetching %s: %v; check the mirror URL (--mirror) and this machine's network and proxy settings, or try again later", e.URL, e.Err)
}

func (e *NetworkError) Unwrap() error { return e.Err }

// NotFoundError is an HTTP 404 (or 410).
type NotFoundError struct {
	URL string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("fetching %s: not found on the mirror; check the mirror URL, suite and components, or re-resolve (plinth refresh) if the lockfile is old", e.URL)
}

var (
	// ErrBadFilename: a pool Filename is absolute, has "..", or is a URL.
	ErrBadFilename = errors.New("unsafe pool file name")
	// ErrBadDigest: a FileInfo's SHA256 is not 64 lowercase hex digits or its size is negative.
	ErrBadDigest = errors.New("malformed SHA256 or size")
	// ErrNoIndex: the Release lists no Packages index for a component/architecture.
	ErrNoIndex = errors.New("no Packages index in the Release")
	// ErrBadMirror: a mirror URL is not an absolute http(s) URL.
	ErrBadMirror = errors.New("mirror must be an http:// or https:// URL")
)
