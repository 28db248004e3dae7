package apt

import (
	"bytes"
	"fmt"
	"io"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
)

// ReadKeyring reads OpenPGP public keys, armored or binary; several keyrings
// may be concatenated (in either form). It fails when no key is found.
func ReadKeyring(data []byte) (openpgp.EntityList, error) {
	var all openpgp.EntityList
	// Only leading white space is trimmed: binary packets never start with
	// it, but may end with such bytes.
	rest := bytes.TrimLeft(data, " \t\r\n")
	for len(rest) > 0 {
		if !bytes.HasPrefix(rest, []byte("-----BEGIN ")) {
			el, err := openpgp.ReadKeyRing(bytes.NewReader(rest))
			if err != nil {
				return nil, fmt.Errorf("reading binary keyring: %w", err)
			}
			all = append(all, el...)
			break
		}
		end := bytes.Index(rest, []byte("-----END PGP PUBLIC KEY BLOCK-----"))
		if end < 0 {
			return nil, fmt.Errorf("reading armored keyring: no END PGP PUBLIC KEY BLOCK line")
		}
		end += len("-----END PGP PUBLIC KEY BLOCK-----")
		block, err := armor.Decode(bytes.NewReader(rest[:end]))
		if err != nil {
			return nil, fmt.Errorf("reading armored keyring: %w", err)
		}
		if block.Type != openpgp.PublicKeyType {
			return nil, fmt.Errorf("reading armored keyring: got a %q block, want %q", block.Type, openpgp.PublicKeyType)
		}
		el, err := openpgp.ReadKeyRing(block.Body)
		if err != nil {
			return nil, fmt.Errorf("reading armored keyring: %w", err)
		}
		if _, err := io.Copy(io.Discard, block.Body); err != nil {
			return nil, fmt.Errorf("reading armored keyring: %w", err)
		}
		all = append(all, el...)
		rest = bytes.TrimLeft(rest[end:], " \t\r\n")
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("reading keyring: no public keys found")
	}
	return all, nil
}
