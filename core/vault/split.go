package vault

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// chunkSize is the largest value kept in one keychain item. Windows'
// Credential Manager takes at most 2,560 bytes per secret; go-keyring on macOS
// base64-encodes the value into a `security` command of at most 4,096 bytes
// (2,000 bytes become ~2,670, leaving room for the service and key names).
// 2,000 stays under both with a margin, while a typical Exact refresh token
// (a few hundred bytes) still fits in one item.
const chunkSize = 2000

// splitPrefix starts the header item of a split value. formatPrefix starts
// the header of any version of the split format, so a header written by a
// newer Exact Keeper is recognised as such; a short value that happens to
// start with it is stored split as well, so reading is never ambiguous.
const (
	formatPrefix = "exactkeeper-split/"
	splitPrefix  = formatPrefix + "v1 "
)

var (
	// ErrDamaged means a split secret cannot be reassembled (a part is
	// missing or does not match its header).
	ErrDamaged = errors.New("a secret in the keychain is damaged")
	// ErrNewerFormat means a secret was stored by a newer Exact Keeper in a
	// form this one cannot read; it is left as it is.
	ErrNewerFormat = errors.New("a secret in the keychain was stored by a newer Exact Keeper")
)

// header describes a split value. Parts live under partKey(key, gen, 1..n);
// gen is fresh for every write, so writing new parts never touches the parts
// the current header points to, and a write that stops half-way leaves the
// old value readable.
type header struct {
	gen    string
	parts  int
	length int
	sum    string // hex SHA-256 of the whole value
}

func (h header) String() string {
	return fmt.Sprintf("%sgen=%s parts=%d len=%d sha256=%s", splitPrefix, h.gen, h.parts, h.length, h.sum)
}

// partKey names part i (from 1) of a split value.
func partKey(key, gen string, i int) string { return fmt.Sprintf("%s#%d.%s", key, i, gen) }

func (h header) partKeys(key string) []string {
	keys := make([]string, h.parts)
	for i := range keys {
		keys[i] = partKey(key, h.gen, i+1)
	}
	return keys
}

// parseHeader reports whether raw is a header, and if so whether it is valid.
func parseHeader(raw string) (h header, isHeader bool, err error) {
	rest, ok := strings.CutPrefix(raw, splitPrefix)
	if !ok {
		return header{}, false, nil
	}
	fields := map[string]string{}
	for _, f := range strings.Fields(rest) {
		k, val, ok := strings.Cut(f, "=")
		if !ok {
			return header{}, true, errors.New("malformed header")
		}
		fields[k] = val
	}
	h.gen, h.sum = fields["gen"], fields["sha256"]
	var err1, err2 error
	h.parts, err1 = strconv.Atoi(fields["parts"])
	h.length, err2 = strconv.Atoi(fields["len"])
	if err1 != nil || err2 != nil || h.gen == "" || h.sum == "" || h.parts < 1 || h.length < 0 {
		return header{}, true, errors.New("malformed header")
	}
	return h, true, nil
}

func checksum(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// chunks cuts s into pieces of at most size bytes without splitting a UTF-8
// sequence, since some keychains treat items as text.
func chunks(s string, size int) []string {
	var out []string
	for len(s) > size {
		cut := size
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		if cut == 0 { // not UTF-8 at all: bytes are bytes
			cut = size
		}
		out = append(out, s[:cut])
		s = s[cut:]
	}
	return append(out, s)
}

func damaged(key, what string) error {
	return fmt.Errorf("%w: %s, %s; store it again (for a connection: reconnect)", ErrDamaged, key, what)
}

// get reads key, reassembling a split value.
func (v *keyringVault) get(key string) (string, error) {
	raw, err := v.item(key)
	if err != nil {
		return "", err
	}
	h, isHeader, err := parseHeader(raw)
	if !isHeader {
		if strings.HasPrefix(raw, formatPrefix) {
			return "", fmt.Errorf("%w: %s; update Exact Keeper to read it", ErrNewerFormat, key)
		}
		return raw, nil
	}
	if err != nil {
		return "", damaged(key, "its header is unreadable")
	}
	var b strings.Builder
	for i, pk := range h.partKeys(key) {
		p, err := v.item(pk)
		if errors.Is(err, ErrNotFound) {
			return "", damaged(key, fmt.Sprintf("part %d of %d is missing", i+1, h.parts))
		}
		if err != nil {
			return "", err
		}
		b.WriteString(p)
	}
	s := b.String()
	if len(s) != h.length || checksum(s) != h.sum {
		return "", damaged(key, "its parts do not match its header")
	}
	return s, nil
}

// currentParts lists the part items of the value now under key (none for an
// absent, unsplit or unreadable one).
func (v *keyringVault) currentParts(key string) ([]string, error) {
	raw, err := v.item(key)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	h, isHeader, err := parseHeader(raw)
	if !isHeader || err != nil {
		return nil, nil
	}
	return h.partKeys(key), nil
}

// set writes value under key: small values as one item, large ones as parts
// followed by the header, so key always holds a complete old or new value.
func (v *keyringVault) set(key, value string) error {
	old, err := v.currentParts(key)
	if err != nil {
		return err
	}
	if len(value) <= chunkSize && !strings.HasPrefix(value, formatPrefix) {
		if err := v.setItem(key, value, value); err != nil {
			return err
		}
	} else {
		var g [4]byte
		_, _ = rand.Read(g[:]) // never fails since Go 1.24
		cs := chunks(value, chunkSize)
		h := header{gen: hex.EncodeToString(g[:]), parts: len(cs), length: len(value), sum: checksum(value)}
		keys := h.partKeys(key)
		for i, c := range cs {
			if err := v.setItem(keys[i], c, value); err != nil {
				v.deleteAll(keys[:i])
				return err
			}
		}
		if err := v.setItem(key, h.String(), value); err != nil {
			v.deleteAll(keys)
			return err
		}
	}
	// The new value is stored; leftovers of the old one are only clutter, so
	// failing to remove them must not report the write as failed.
	v.deleteAll(old)
	return nil
}

// deleteAll removes items on a best-effort basis.
func (v *keyringVault) deleteAll(keys []string) {
	for _, k := range keys {
		_ = v.deleteItem(k)
	}
}

// del removes key, header first, so no header ever points at missing parts.
func (v *keyringVault) del(key string) error {
	old, err := v.currentParts(key)
	if err != nil {
		return err
	}
	if err := v.deleteItem(key); err != nil {
		return err
	}
	for _, k := range old {
		if err := v.deleteItem(k); err != nil {
			return err
		}
	}
	return nil
}
