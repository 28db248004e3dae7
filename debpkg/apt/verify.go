package apt

import (
	"bytes"
	"crypto"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

const beginSigned = "-----BEGIN PGP SIGNED MESSAGE-----"

// Clearsigned is an InRelease split into its signed text and its signature.
type Clearsigned struct {
	// Plaintext is the signed text as it is parsed (dash-escapes removed,
	// "\n" line ends, trailing white space of each line trimmed).
	Plaintext []byte
	// Signed is the canonical form the signatures cover.
	Signed []byte
	// Signature is the binary OpenPGP signature packets.
	Signature []byte
}

// SplitClearsigned splits a clearsigned message. It is strict: the data must
// start with the BEGIN PGP SIGNED MESSAGE line and end with the signature
// block (only white space may follow), hold exactly one signed message, and
// every signed line that starts with "-" must be dash-escaped. Anything else
// is ErrUnsignedText (or ErrNoSignature when no signed message is present).
func SplitClearsigned(data []byte) (*Clearsigned, error) {
	if !bytes.Contains(data, []byte(beginSigned)) {
		return nil, ErrNoSignature
	}
	if !bytes.HasPrefix(data, []byte(beginSigned+"\n")) && !bytes.HasPrefix(data, []byte(beginSigned+"\r\n")) {
		return nil, fmt.Errorf("%w: data before %s", ErrUnsignedText, beginSigned)
	}
	if err := checkArmorHeaders(data); err != nil {
		return nil, err
	}
	if err := checkDashEscapes(data); err != nil {
		return nil, err
	}
	b, rest := clearsign.Decode(data)
	if b == nil {
		return nil, fmt.Errorf("%w: malformed clearsigned message", ErrUnsignedText)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%w: %d bytes after the signature block", ErrUnsignedText, len(bytes.TrimSpace(rest)))
	}
	if b.ArmoredSignature.Type != openpgp.SignatureType {
		return nil, fmt.Errorf("%w: signature block of type %q", ErrUnsignedText, b.ArmoredSignature.Type)
	}
	sig, err := io.ReadAll(b.ArmoredSignature.Body)
	if err != nil {
		return nil, fmt.Errorf("%w: reading the signature block: %v", ErrUnsignedText, err)
	}
	return &Clearsigned{Plaintext: b.Plaintext, Signed: b.Bytes, Signature: sig}, nil
}

// checkArmorHeaders rejects any armor header of the signed message but
// "Hash:" (RFC 4880 7, as gpgv): another header line is text outside the
// signed part that a looser parser could take for the Release.
func checkArmorHeaders(data []byte) error {
	_, rest, _ := bytes.Cut(data, []byte("\n"))
	for n := 2; len(rest) > 0; n++ {
		var line []byte
		line, rest, _ = bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimRight(line, "\r")
		if len(bytes.TrimSpace(line)) == 0 {
			return nil
		}
		key, val, ok := bytes.Cut(line, []byte(":"))
		if !ok || string(bytes.TrimSpace(key)) != "Hash" || len(bytes.TrimSpace(val)) == 0 {
			return fmt.Errorf("%w: armor header line %d %q: only \"Hash:\" may come before the signed text", ErrUnsignedText, n, trunc(string(line)))
		}
	}
	return fmt.Errorf("%w: no empty line ends the armor headers", ErrUnsignedText)
}

// checkDashEscapes rejects a signed text line starting with "-" that is not
// dash-escaped, other than the one signature block: it would let a second
// message or armor hide in or after the text.
func checkDashEscapes(data []byte) error {
	lines := strings.Split(string(data), "\n")
	inSig := false
	sigBlocks := 0
	for i, line := range lines {
		line = strings.TrimRight(line, "\r")
		switch {
		case i == 0:
		case inSig:
			if line == "-----END PGP SIGNATURE-----" {
				inSig = false
			} else if strings.HasPrefix(line, "-") {
				return fmt.Errorf("%w: line %d: %q inside the signature block", ErrUnsignedText, i+1, trunc(line))
			}
		case line == "-----BEGIN PGP SIGNATURE-----":
			sigBlocks++
			if sigBlocks > 1 {
				return fmt.Errorf("%w: line %d: a second signature block", ErrUnsignedText, i+1)
			}
			inSig = true
		case sigBlocks > 0 && strings.TrimSpace(line) != "":
			return fmt.Errorf("%w: line %d: text after the signature block", ErrUnsignedText, i+1)
		case strings.HasPrefix(line, "-") && !strings.HasPrefix(line, "- "):
			return fmt.Errorf("%w: line %d: %q is not dash-escaped", ErrUnsignedText, i+1, trunc(line))
		}
	}
	if sigBlocks == 0 || inSig {
		return fmt.Errorf("%w: no complete signature block", ErrUnsignedText)
	}
	return nil
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}

// readDetachedSignature returns the binary packets of a detached signature,
// armored or not.
func readDetachedSignature(data []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(data)
	if !bytes.HasPrefix(trimmed, []byte("-----BEGIN ")) {
		return data, nil
	}
	if bytes.Count(trimmed, []byte("-----BEGIN ")) != 1 {
		return nil, fmt.Errorf("%w: more than one armored block", ErrUnsignedText)
	}
	block, err := armor.Decode(bytes.NewReader(trimmed))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoSignature, err)
	}
	if block.Type != openpgp.SignatureType {
		return nil, fmt.Errorf("%w: armored block of type %q", ErrNoSignature, block.Type)
	}
	return io.ReadAll(block.Body)
}

// verifySignatures checks the signature packets sigData over signed. It
// succeeds when at least one signature is a good signature by a key in
// keyring and no signature by a key in keyring is bad; signatures by unknown
// keys are ignored then. It returns the fingerprints (upper-case hex) of the
// primary keys with good signatures.
func verifySignatures(keyring openpgp.EntityList, signed, sigData []byte, now time.Time) ([]string, error) {
	sigs, err := readSignaturePackets(sigData)
	if err != nil {
		return nil, err
	}
	var good []string
	unknown := 0
	for _, sig := range sigs {
		keys := signingKeys(keyring, sig)
		if len(keys) == 0 {
			unknown++
			continue
		}
		fpr, err := checkSignature(keys, sig, signed, now)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(good, fpr) {
			good = append(good, fpr)
		}
	}
	if len(good) == 0 {
		if unknown > 0 {
			return nil, fmt.Errorf("%w (%s)", ErrUnknownKey, issuers(sigs))
		}
		return nil, ErrNoSignature
	}
	return good, nil
}

func readSignaturePackets(data []byte) ([]*packet.Signature, error) {
	var sigs []*packet.Signature
	r := packet.NewReader(bytes.NewReader(data))
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if len(sigs) > 0 {
				return nil, fmt.Errorf("%w: reading signature packets: %v", ErrBadSignature, err)
			}
			return nil, fmt.Errorf("%w: reading signature packets: %v", ErrNoSignature, err)
		}
		sig, ok := p.(*packet.Signature)
		if !ok {
			return nil, fmt.Errorf("%w: a %T packet among the signatures", ErrUnsignedText, p)
		}
		sigs = append(sigs, sig)
	}
	if len(sigs) == 0 {
		return nil, ErrNoSignature
	}
	return sigs, nil
}

// signingKeys returns the keys of keyring that may have made sig.
func signingKeys(keyring openpgp.EntityList, sig *packet.Signature) []openpgp.Key {
	var id uint64
	switch {
	case sig.IssuerKeyId != nil:
		id = *sig.IssuerKeyId
	case len(sig.IssuerFingerprint) >= 8:
		fp := sig.IssuerFingerprint
		for _, b := range fp[len(fp)-8:] {
			id = id<<8 | uint64(b)
		}
	default:
		return nil
	}
	var keys []openpgp.Key
	for _, k := range keyring.KeysById(id) {
		if len(sig.IssuerFingerprint) > 0 && !bytes.Equal(sig.IssuerFingerprint, k.PublicKey.Fingerprint) {
			continue
		}
		if k.SelfSignature != nil && k.SelfSignature.FlagsValid && !k.SelfSignature.FlagSign {
			continue
		}
		keys = append(keys, k)
	}
	return keys
}

// checkSignature verifies sig, made by one of keys, over signed.
func checkSignature(keys []openpgp.Key, sig *packet.Signature, signed []byte, now time.Time) (string, error) {
	id := keys[0].PublicKey.KeyIdString()
	switch sig.Hash {
	case crypto.MD5, crypto.SHA1, crypto.RIPEMD160:
		return "", fmt.Errorf("%w: key %s used %v", ErrSHA1Signature, id, sig.Hash)
	}
	if sig.SigType != packet.SigTypeBinary && sig.SigType != packet.SigTypeText {
		return "", fmt.Errorf("%w: key %s: signature type %#x is not a document signature", ErrBadSignature, id, sig.SigType)
	}
	var verr error
	for _, k := range keys {
		h, err := sig.PrepareVerify()
		if err != nil {
			return "", fmt.Errorf("%w: key %s: %v", ErrBadSignature, id, err)
		}
		var w hash.Hash = h
		if sig.SigType == packet.SigTypeText {
			w = openpgp.NewCanonicalTextHash(h)
		}
		w.Write(signed)
		if verr = k.PublicKey.VerifySignature(h, sig); verr != nil {
			continue
		}
		if err := checkKeyValidity(k, sig, now); err != nil {
			return "", err
		}
		return strings.ToUpper(fmt.Sprintf("%x", k.Entity.PrimaryKey.Fingerprint)), nil
	}
	return "", fmt.Errorf("%w: key %s: %v", ErrBadSignature, id, verr)
}

// checkKeyValidity refuses a signature whose key is revoked or expired at
// the signature's time or at now, or which itself has expired.
func checkKeyValidity(k openpgp.Key, sig *packet.Signature, now time.Time) error {
	id := k.PublicKey.KeyIdString()
	if sig.CreationTime.After(now.Add(MaxClockSkew)) {
		return fmt.Errorf("%w: signature by key %s made %s", ErrFutureDate, id, sig.CreationTime.UTC().Format(time.RFC3339))
	}
	if sig.SigLifetimeSecs != nil && *sig.SigLifetimeSecs != 0 &&
		now.After(sig.CreationTime.Add(time.Duration(*sig.SigLifetimeSecs)*time.Second)) {
		return fmt.Errorf("%w: signature by key %s expired", ErrExpiredKey, id)
	}
	subkey := k.PublicKey != k.Entity.PrimaryKey
	selfSig, _ := k.Entity.PrimarySelfSignature()
	for _, t := range []time.Time{sig.CreationTime, now} {
		if k.Entity.Revoked(t) || (subkey && k.Revoked(t)) {
			return fmt.Errorf("%w: key %s", ErrRevokedKey, id)
		}
		if selfSig != nil && k.Entity.PrimaryKey.KeyExpired(selfSig, t) {
			return fmt.Errorf("%w: key %s expired before %s", ErrExpiredKey, id, t.UTC().Format(time.DateOnly))
		}
		if subkey && k.SelfSignature != nil && k.PublicKey.KeyExpired(k.SelfSignature, t) {
			return fmt.Errorf("%w: subkey %s expired before %s", ErrExpiredKey, id, t.UTC().Format(time.DateOnly))
		}
	}
	return nil
}

func issuers(sigs []*packet.Signature) string {
	var ids []string
	for _, s := range sigs {
		switch {
		case len(s.IssuerFingerprint) > 0:
			ids = append(ids, fmt.Sprintf("%X", s.IssuerFingerprint))
		case s.IssuerKeyId != nil:
			ids = append(ids, fmt.Sprintf("%016X", *s.IssuerKeyId))
		}
	}
	return "signed by " + strings.Join(ids, ", ")
}
