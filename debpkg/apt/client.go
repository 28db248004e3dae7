package apt

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
)

// Options configure a Client. The zero value of every field but Keyring is
// usable.
type Options struct {
	// HTTPClient does the requests; default: a client with connect, TLS and
	// response-header timeouts (no overall timeout: pool files can be big).
	HTTPClient *http.Client
	// CacheDir is the content-addressed cache root; files live in
	// CacheDir/sha256/<hex>. "" keeps downloads in a temporary directory that
	// Close removes.
	CacheDir string
	// Keyring holds the trusted archive keys (see ReadKeyring).
	Keyring openpgp.EntityList
	// Now is the reference time for the Date, Valid-Until and key expiry
	// checks; default time.Now.
	Now func() time.Time
	// IgnoreValidUntil accepts a Release past its Valid-Until (frozen archives).
	IgnoreValidUntil bool
	// MinDate refuses a Release dated before it (rollback floor, from a lockfile).
	MinDate time.Time
	// Parallel bounds concurrent downloads; default 4.
	Parallel int
	// Retries is how many times a transient failure (HTTP 5xx, 429, a reset
	// or truncated connection, a stall) is retried; default 4. Use -1 for none.
	Retries int
	// Backoff is the first retry delay, doubled each retry (capped at
	// MaxRetryDelay); default 500ms. A Retry-After header overrides it
	// (also capped at MaxRetryDelay).
	Backoff time.Duration
	// MaxRetryDelay caps the delay between two attempts, a server's
	// Retry-After included; default DefaultMaxRetryDelay.
	MaxRetryDelay time.Duration
	// StallTimeout aborts (and retries) a response that sends nothing for
	// this long; default 60s.
	StallTimeout time.Duration
	// Logf, when set, receives verification, retry and cache-repair lines.
	Logf func(format string, args ...any)
	// Progress, when set, is called as index and pool files start, as their
	// bytes arrive (at most every 100 ms or 256 KiB per file) and when they
	// are finished or found in the cache. It may be called from several
	// goroutines at once and should return quickly.
	Progress func(DownloadEvent)
}

// DefaultMaxRetryDelay is the default Options.MaxRetryDelay: a server
// asking for a longer Retry-After (3600) is retried after this long.
const DefaultMaxRetryDelay = 30 * time.Second

// maxReleaseSize bounds an InRelease, Release or Release.gpg download.
const maxReleaseSize = 64 << 20

// Client fetches and verifies archive files. It is safe for concurrent use.
type Client struct {
	opts Options
	http *http.Client

	tmpMu  sync.Mutex
	tmpDir string // the download directory when CacheDir is ""
}

// New returns a Client for opts, with defaults filled in.
func New(opts Options) *Client {
	if opts.HTTPClient == nil {
		opts.HTTPClient = defaultHTTPClient()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	if opts.Retries == 0 {
		opts.Retries = 4
	} else if opts.Retries < 0 {
		opts.Retries = 0
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 500 * time.Millisecond
	}
	if opts.MaxRetryDelay <= 0 {
		opts.MaxRetryDelay = DefaultMaxRetryDelay
	}
	if opts.StallTimeout <= 0 {
		opts.StallTimeout = 60 * time.Second
	}
	return &Client{opts: opts, http: opts.HTTPClient}
}

func defaultHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 60 * time.Second,
		ExpectContinueTimeout: time.Second,
	}}
}

// Close removes the temporary download directory used when CacheDir is "";
// paths returned by Fetch are gone afterwards (a later Fetch starts a new
// one). With a CacheDir it does nothing.
func (c *Client) Close() error {
	c.tmpMu.Lock()
	defer c.tmpMu.Unlock()
	dir := c.tmpDir
	c.tmpDir = ""
	if dir == "" {
		return nil
	}
	return os.RemoveAll(dir)
}

func (c *Client) logf(format string, args ...any) {
	if c.opts.Logf != nil {
		c.opts.Logf(format, args...)
	}
}

// Release fetches dists/SUITE/InRelease from mirror, verifies its signatures
// against the keyring and checks it (suite, Date, Valid-Until, MinDate,
// SHA256 section). Only when InRelease is not found (404) does it fall back
// to Release with its detached Release.gpg.
//
// An empty keyring is ErrNoKeyring, before anything is fetched: nothing is
// ever trusted without a pinned key.
func (c *Client) Release(ctx context.Context, mirror, suite string) (*Release, error) {
	base, err := mirrorBase(mirror)
	if err != nil {
		return nil, err
	}
	if err := checkSuite(suite); err != nil {
		return nil, err
	}
	dists := base + "/dists/" + escapePath(suite) + "/"
	inRelease := dists + "InRelease"
	if len(c.opts.Keyring) == 0 {
		return nil, &SignatureError{URL: inRelease, Reason: ErrNoKeyring}
	}
	data, err := c.getBytes(ctx, inRelease)
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return c.detachedRelease(ctx, mirror, suite, dists)
	}
	if err != nil {
		return nil, err
	}
	cs, err := SplitClearsigned(data)
	if err != nil {
		return nil, &SignatureError{URL: inRelease, Reason: err}
	}
	return c.verifiedRelease(inRelease, mirror, suite, data, cs.Signed, cs.Signature, cs.Plaintext)
}

func (c *Client) detachedRelease(ctx context.Context, mirror, suite, dists string) (*Release, error) {
	relURL, sigURL := dists+"Release", dists+"Release.gpg"
	data, err := c.getBytes(ctx, relURL)
	if err != nil {
		return nil, fmt.Errorf("no InRelease, so fetching Release: %w", err)
	}
	sigData, err := c.getBytes(ctx, sigURL)
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return nil, &SignatureError{URL: sigURL, Reason: fmt.Errorf("%w: neither InRelease nor Release.gpg exists", ErrNoSignature)}
	}
	if err != nil {
		return nil, err
	}
	sig, err := readDetachedSignature(sigData)
	if err != nil {
		return nil, &SignatureError{URL: sigURL, Reason: err}
	}
	return c.verifiedRelease(relURL, mirror, suite, data, data, sig, data)
}

// verifiedRelease verifies sig over signed, then parses and checks plain
// (which must be the signed text).
func (c *Client) verifiedRelease(url, mirror, suite string, fetched, signed, sig, plain []byte) (*Release, error) {
	if len(c.opts.Keyring) == 0 {
		return nil, &SignatureError{URL: url, Reason: ErrNoKeyring}
	}
	signers, err := verifySignatures(c.opts.Keyring, signed, sig, c.opts.Now())
	if err != nil {
		return nil, &SignatureError{URL: url, Reason: err}
	}
	rel, err := ParseRelease(plain)
	if err != nil {
		return nil, &ReleaseError{URL: url, Reason: err}
	}
	if err := rel.check(url, suite, &c.opts); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(fetched)
	rel.Mirror, rel.Suite, rel.SHA256, rel.SignedBy = mirror, suite, hex.EncodeToString(sum[:]), signers
	c.logf("verified %s (Date %s, signed by %s)", url, rel.Date.Format(time.RFC3339), strings.Join(signers, ", "))
	return rel, nil
}

// mirrorBase validates mirror and returns it without trailing slashes.
func mirrorBase(mirror string) (string, error) {
	u, err := url.Parse(mirror)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("mirror %q: %w", mirror, ErrBadMirror)
	}
	return strings.TrimRight(mirror, "/"), nil
}

func checkSuite(suite string) error {
	if suite == "" {
		return fmt.Errorf("suite is empty")
	}
	for _, seg := range strings.Split(suite, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("suite %q: not a suite name", suite)
		}
	}
	return nil
}

// escapePath escapes each segment of a slash-separated path for a URL.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}
