// Command verify checks a Parley log directory with an implementation that
// nobody on the Parley project wrote: Go's golang.org/x/mod/sumdb/note and
// golang.org/x/mod/sumdb/tlog. Only the Go standard library and those two
// packages are used.
//
// Usage:
//
//	verify [-old CHECKPOINT] DIR VKEY [PROOF...]
//
// VKEY is a note verifier key, or the name of a file holding one.
// Exit status: 0 everything verified, 1 a check failed, 2 usage error.
//
// Checks, in order:
//   - DIR/checkpoint opens with note.Open under note.NewVerifier(VKEY), and its
//     text is exactly "origin\nsize\nbase64(root)\n";
//   - note.Sign with note.NewSigner(DIR/private/log.key) reproduces
//     DIR/checkpoint byte for byte (Ed25519 signatures are deterministic);
//   - tlog.TreeHash over tlog.TileHashReader, reading DIR/tile/<L>/... as
//     stored, equals the checkpoint root, and every hash tile of the tree
//     (full tiles and the right-edge partial tiles) is authenticated against it;
//   - every entry bundle DIR/tile/entries/... parses, and the tlog.RecordHash of
//     every entry equals the authenticated level-0 hash; tlog.ProveRecord and
//     tlog.CheckRecord succeed for every entry (logs up to 5000 entries) or for
//     the first and last bundle plus a sample (larger logs);
//   - every PROOF is a c2sp.org/tlog-proof@v1 file whose checkpoint opens under
//     VKEY, whose inclusion proof passes tlog.CheckRecord for the entry in its
//     `extra` line, whose entry equals the one stored in DIR, and whose
//     checkpoint is consistent with DIR/checkpoint (tlog.ProveTree/CheckTree);
//   - the -old checkpoint opens under VKEY and is consistent with the current
//     one (tlog.ProveTree + tlog.CheckTree).
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const (
	tileHeight  = 8
	tileWidth   = 1 << tileHeight
	bigLog      = 5000 // above this many entries, ProveRecord/CheckRecord run on a sample
	sampleSize  = 600
	proofHeader = "c2sp.org/tlog-proof@v1"
)

// failure is a verification failure (exit 1), as opposed to a usage error.
type failure struct{ msg string }

func (f failure) Error() string { return f.msg }

// usageError is a bad command line (exit 2).
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func failf(format string, args ...interface{}) error {
	return failure{fmt.Sprintf(format, args...)}
}

// checkpoint is an opened, parsed checkpoint note.
type checkpoint struct {
	raw    []byte
	note   *note.Note
	origin string
	tree   tlog.Tree
}

// dirTiles is a tlog.TileReader over a Parley log directory. It returns each
// tile exactly as stored on disk (partial tiles from their .p/W files); Go's
// tileHashReader authenticates them against the tree hash.
type dirTiles struct {
	dir   string
	cache map[string][]byte
	read  map[string]bool // paths handed to tlog at least once
}

func (d *dirTiles) Height() int { return tileHeight }

func (d *dirTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		if t.H != tileHeight || t.L < 0 {
			return nil, fmt.Errorf("unexpected tile request %+v", t)
		}
		p, err := parleyPath(t)
		if err != nil {
			return nil, err
		}
		data, err := d.file(p)
		if err != nil {
			return nil, err
		}
		if len(data) != t.W*tlog.HashSize {
			return nil, fmt.Errorf("%s: %d bytes, want %d (%d hashes)", p, len(data), t.W*tlog.HashSize, t.W)
		}
		d.read[p] = true
		out[i] = data
	}
	return out, nil
}

func (d *dirTiles) SaveTiles(tiles []tlog.Tile, data [][]byte) {}

func (d *dirTiles) file(p string) ([]byte, error) {
	if b, ok := d.cache[p]; ok {
		return b, nil
	}
	b, err := os.ReadFile(filepath.Join(d.dir, filepath.FromSlash(p)))
	if err != nil {
		return nil, err
	}
	d.cache[p] = b
	return b, nil
}

// parleyPath maps Go's tile path "tile/H/L/..." (or "tile/H/data/...") to
// Parley's "tile/L/..." (or "tile/entries/...").
func parleyPath(t tlog.Tile) (string, error) {
	goPath := t.Path()
	if back, err := tlog.ParseTilePath(goPath); err != nil || back != t {
		return "", fmt.Errorf("tile %+v: Go path %q does not round-trip", t, goPath)
	}
	prefix := "tile/" + strconv.Itoa(t.H) + "/"
	if !strings.HasPrefix(goPath, prefix) {
		return "", fmt.Errorf("unexpected Go tile path %q", goPath)
	}
	rest := goPath[len(prefix):]
	if t.L == -1 {
		if !strings.HasPrefix(rest, "data/") {
			return "", fmt.Errorf("unexpected Go data tile path %q", goPath)
		}
		rest = "entries/" + rest[len("data/"):]
	}
	return "tile/" + rest, nil
}

// parseCheckpointText parses "origin\nsize\nbase64(root)\n" strictly.
func parseCheckpointText(text string) (string, tlog.Tree, error) {
	if !strings.HasSuffix(text, "\n") {
		return "", tlog.Tree{}, failf("checkpoint text does not end in a newline")
	}
	lines := strings.Split(text[:len(text)-1], "\n")
	if len(lines) != 3 {
		return "", tlog.Tree{}, failf("checkpoint text has %d lines, want exactly 3: %q", len(lines), text)
	}
	origin := lines[0]
	if origin == "" {
		return "", tlog.Tree{}, failf("checkpoint origin line is empty")
	}
	n, err := parseDecimal(lines[1])
	if err != nil {
		return "", tlog.Tree{}, failf("checkpoint size line %q: %v", lines[1], err)
	}
	h, err := parseHash(lines[2])
	if err != nil {
		return "", tlog.Tree{}, failf("checkpoint root line %q: %v", lines[2], err)
	}
	return origin, tlog.Tree{N: n, Hash: h}, nil
}

// parseDecimal accepts a non-negative int64 in canonical decimal (no sign,
// no leading zeros except "0" itself).
func parseDecimal(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != s {
		return 0, errors.New("not a canonical non-negative decimal")
	}
	return n, nil
}

// parseHash accepts a canonical standard-base64 SHA-256 hash.
func parseHash(s string) (tlog.Hash, error) {
	h, err := tlog.ParseHash(s)
	if err != nil {
		return tlog.Hash{}, err
	}
	if h.String() != s {
		return tlog.Hash{}, errors.New("non-canonical base64")
	}
	return h, nil
}

func openCheckpoint(raw []byte, verifiers note.Verifiers, what string) (*checkpoint, error) {
	n, err := note.Open(raw, verifiers)
	if err != nil {
		return nil, failf("%s: note.Open: %v", what, err)
	}
	if len(n.Sigs) != 1 {
		return nil, failf("%s: %d verified signatures, want 1", what, len(n.Sigs))
	}
	origin, tree, err := parseCheckpointText(n.Text)
	if err != nil {
		return nil, failf("%s: %v", what, err)
	}
	if n.Sigs[0].Name != origin {
		return nil, failf("%s: signed by key %q but origin line is %q", what, n.Sigs[0].Name, origin)
	}
	return &checkpoint{raw: raw, note: n, origin: origin, tree: tree}, nil
}

// emptyTreeHash is the RFC 6962 hash of the empty tree, SHA-256 of "".
// (Go's tlog.TreeHash defines it as all zeros instead, so size 0 is special.)
func emptyTreeHash() tlog.Hash { return tlog.Hash(sha256.Sum256(nil)) }

// checkConsistent proves with tlog.ProveTree and checks with tlog.CheckTree
// that the tree of cur extends the tree of old.
func checkConsistent(hr tlog.HashReader, cur, old tlog.Tree, what string) error {
	switch {
	case old.N > cur.N:
		return failf("%s: size %d is larger than the current size %d", what, old.N, cur.N)
	case old.N == 0:
		if old.Hash != emptyTreeHash() {
			return failf("%s: size 0 but root %v is not SHA-256(\"\")", what, old.Hash)
		}
		return nil
	case old.N == cur.N:
		if old.Hash != cur.Hash {
			return failf("%s: same size %d as the current checkpoint but a different root (%v vs %v)", what, old.N, old.Hash, cur.Hash)
		}
		return nil
	}
	p, err := tlog.ProveTree(cur.N, old.N, hr)
	if err != nil {
		return failf("%s: tlog.ProveTree(%d, %d): %v", what, cur.N, old.N, err)
	}
	if err := tlog.CheckTree(p, cur.N, cur.Hash, old.N, old.Hash); err != nil {
		return failf("%s: tlog.CheckTree(%d -> %d): %v", what, old.N, cur.N, err)
	}
	return nil
}

// parseBundle splits an entry bundle of w entries (uint16 big-endian length
// || bytes each), insisting that it holds exactly w entries and nothing else.
func parseBundle(data []byte, w int, p string) ([][]byte, error) {
	entries := make([][]byte, 0, w)
	for len(data) > 0 {
		if len(data) < 2 {
			return nil, failf("%s: truncated length prefix after %d entries", p, len(entries))
		}
		n := int(binary.BigEndian.Uint16(data))
		if len(data) < 2+n {
			return nil, failf("%s: entry %d claims %d bytes, only %d left", p, len(entries), n, len(data)-2)
		}
		entries = append(entries, data[2:2+n])
		data = data[2+n:]
	}
	if len(entries) != w {
		return nil, failf("%s: %d entries, want %d", p, len(entries), w)
	}
	return entries, nil
}

// readEntries reads every entry bundle of a tree of size n.
func readEntries(d *dirTiles, n int64) ([][]byte, int, error) {
	all := make([][]byte, 0, n)
	bundles := 0
	for k := int64(0); k*tileWidth < n; k++ {
		w := n - k*tileWidth
		if w > tileWidth {
			w = tileWidth
		}
		t := tlog.Tile{H: tileHeight, L: -1, N: k, W: int(w)}
		p, err := parleyPath(t)
		if err != nil {
			return nil, 0, err
		}
		data, err := os.ReadFile(filepath.Join(d.dir, filepath.FromSlash(p)))
		if err != nil {
			return nil, 0, failf("entry bundle: %v", err)
		}
		entries, err := parseBundle(data, int(w), p)
		if err != nil {
			return nil, 0, err
		}
		all = append(all, entries...)
		bundles++
	}
	return all, bundles, nil
}

// treeTiles lists the hash tiles of a tree of size n: all full tiles and, on
// each level, the right-edge partial tile at its current width.
func treeTiles(n int64) []tlog.Tile {
	type key struct {
		l int
		n int64
	}
	widest := map[key]tlog.Tile{}
	for _, t := range tlog.NewTiles(tileHeight, 0, n) {
		k := key{t.L, t.N}
		if old, ok := widest[k]; !ok || t.W > old.W {
			widest[k] = t
		}
	}
	out := make([]tlog.Tile, 0, len(widest))
	for _, t := range widest {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].L != out[j].L {
			return out[i].L < out[j].L
		}
		return out[i].N < out[j].N
	})
	return out
}

// proofFile is a parsed c2sp.org/tlog-proof@v1 file.
type proofFile struct {
	extra    []byte
	hasExtra bool
	index    int64
	proof    tlog.RecordProof
	cp       []byte
}

func parseProofFile(b []byte) (*proofFile, error) {
	// The proof lines end at the first empty line; the checkpoint follows verbatim.
	split := bytes.Index(b, []byte("\n\n"))
	if split < 0 {
		return nil, errors.New("no empty line before the checkpoint")
	}
	head, cp := string(b[:split]), b[split+2:]
	lines := strings.Split(head, "\n")
	if lines[0] != proofHeader {
		return nil, fmt.Errorf("first line %q, want %q", lines[0], proofHeader)
	}
	lines = lines[1:]
	pf := &proofFile{cp: cp}
	if len(lines) > 0 && strings.HasPrefix(lines[0], "extra ") {
		enc := lines[0][len("extra "):]
		extra, err := base64.StdEncoding.Strict().DecodeString(enc)
		if err != nil {
			return nil, fmt.Errorf("extra line: %v", err)
		}
		if base64.StdEncoding.EncodeToString(extra) != enc {
			return nil, errors.New("extra line: non-canonical base64")
		}
		pf.extra, pf.hasExtra = extra, true
		lines = lines[1:]
	}
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "index ") {
		return nil, errors.New("missing index line")
	}
	idx, err := parseDecimal(lines[0][len("index "):])
	if err != nil {
		return nil, fmt.Errorf("index line %q: %v", lines[0], err)
	}
	pf.index = idx
	for i, l := range lines[1:] {
		h, err := parseHash(l)
		if err != nil {
			return nil, fmt.Errorf("proof hash %d %q: %v", i, l, err)
		}
		pf.proof = append(pf.proof, h)
	}
	return pf, nil
}

func checkProofFile(path string, verifiers note.Verifiers, hr tlog.HashReader, cur *checkpoint, entries [][]byte) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	pf, err := parseProofFile(b)
	if err != nil {
		return "", failf("%s: %v", path, err)
	}
	cp, err := openCheckpoint(pf.cp, verifiers, path+": checkpoint")
	if err != nil {
		return "", err
	}
	if cp.origin != cur.origin {
		return "", failf("%s: origin %q, log has %q", path, cp.origin, cur.origin)
	}
	if pf.index >= cp.tree.N {
		return "", failf("%s: index %d outside its checkpoint of size %d", path, pf.index, cp.tree.N)
	}
	// No extra line means no extra data; Parley's entry is then the empty string.
	entry := pf.extra
	if entry == nil {
		entry = []byte{}
	}
	if err := tlog.CheckRecord(pf.proof, cp.tree.N, cp.tree.Hash, pf.index, tlog.RecordHash(entry)); err != nil {
		return "", failf("%s: tlog.CheckRecord(index %d, size %d): %v", path, pf.index, cp.tree.N, err)
	}
	if err := checkConsistent(hr, cur.tree, cp.tree, path+": checkpoint"); err != nil {
		return "", err
	}
	if !bytes.Equal(entry, entries[pf.index]) {
		return "", failf("%s: extra holds %q but the log stores %q at index %d", path, entry, entries[pf.index], pf.index)
	}
	return fmt.Sprintf("index %d of %d (%d hashes, extra %v)", pf.index, cp.tree.N, len(pf.proof), pf.hasExtra), nil
}

// sample picks the indexes for ProveRecord/CheckRecord.
func sample(n int64, seed tlog.Hash) []int64 {
	if n <= bigLog {
		out := make([]int64, n)
		for i := range out {
			out[i] = int64(i)
		}
		return out
	}
	set := map[int64]bool{}
	add := func(i int64) {
		if i >= 0 && i < n {
			set[i] = true
		}
	}
	for i := int64(0); i < tileWidth; i++ {
		add(i)                             // first bundle
		add((n-1)/tileWidth*tileWidth + i) // last bundle
	}
	for b := int64(tileWidth); b < n; b *= tileWidth {
		for k := b; k < n; k += b {
			add(k - 1)
			add(k)
		}
	}
	// Deterministic per log: seeded from the root hash.
	rng := rand.New(rand.NewSource(int64(binary.BigEndian.Uint64(seed[:8]))))
	for i := 0; i < sampleSize; i++ {
		add(rng.Int63n(n))
	}
	out := make([]int64, 0, len(set))
	for i := range set {
		out = append(out, i)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func run(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	oldPath := fs.String("old", "", "an older checkpoint of the same log, to check consistency with")
	if err := fs.Parse(args); err != nil {
		return usageError{err.Error()}
	}
	if fs.NArg() < 2 {
		return usageError{"usage: verify [-old CHECKPOINT] DIR VKEY [PROOF...]"}
	}
	dir, vkeyArg, proofs := fs.Arg(0), fs.Arg(1), fs.Args()[2:]

	vkey := vkeyArg
	if st, err := os.Stat(vkeyArg); err == nil && st.Mode().IsRegular() {
		b, err := os.ReadFile(vkeyArg)
		if err != nil {
			return err
		}
		vkey = strings.TrimSuffix(string(b), "\n")
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return failf("note.NewVerifier(%q): %v", vkey, err)
	}
	verifiers := note.VerifierList(verifier)

	// 1. The checkpoint.
	raw, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		return failf("%v", err)
	}
	cur, err := openCheckpoint(raw, verifiers, "checkpoint")
	if err != nil {
		return err
	}
	fmt.Printf("checkpoint: origin %q, size %d, root %v, verified by %s+%08x\n",
		cur.origin, cur.tree.N, cur.tree.Hash, verifier.Name(), verifier.KeyHash())

	// 2. Re-sign with the private key: must be byte-identical.
	skeyRaw, err := os.ReadFile(filepath.Join(dir, "private", "log.key"))
	if err != nil {
		return failf("%v", err)
	}
	skey := string(skeyRaw)
	if !strings.HasSuffix(skey, "\n") || strings.Count(skey, "\n") != 1 {
		return failf("private/log.key is not exactly one line ending in a newline")
	}
	signer, err := note.NewSigner(strings.TrimSuffix(skey, "\n"))
	if err != nil {
		return failf("note.NewSigner(private/log.key): %v", err)
	}
	if signer.Name() != verifier.Name() || signer.KeyHash() != verifier.KeyHash() {
		return failf("private key is %s+%08x, verifier key is %s+%08x",
			signer.Name(), signer.KeyHash(), verifier.Name(), verifier.KeyHash())
	}
	resigned, err := note.Sign(&note.Note{Text: cur.note.Text}, signer)
	if err != nil {
		return failf("note.Sign: %v", err)
	}
	if !bytes.Equal(resigned, raw) {
		return failf("note.Sign with private/log.key gives\n%q\nbut checkpoint holds\n%q", resigned, raw)
	}
	fmt.Println("checkpoint: note.Sign with private/log.key reproduces it byte for byte")

	// 3. Tree hash from the hash tiles, and every hash tile authenticated.
	d := &dirTiles{dir: dir, cache: map[string][]byte{}, read: map[string]bool{}}
	hr := tlog.TileHashReader(cur.tree, d)
	if cur.tree.N == 0 {
		if cur.tree.Hash != emptyTreeHash() {
			return failf("size 0 but root %v is not SHA-256(\"\") = %v", cur.tree.Hash, emptyTreeHash())
		}
		fmt.Println("tree: empty, root is SHA-256(\"\") (RFC 6962)")
	} else {
		th, err := tlog.TreeHash(cur.tree.N, hr)
		if err != nil {
			return failf("tlog.TreeHash(%d) over the tiles: %v", cur.tree.N, err)
		}
		if th != cur.tree.Hash {
			return failf("tlog.TreeHash(%d) = %v, checkpoint root %v", cur.tree.N, th, cur.tree.Hash)
		}
		tiles := treeTiles(cur.tree.N)
		idx := make([]int64, len(tiles))
		for i, t := range tiles {
			idx[i] = tlog.StoredHashIndex(t.L*t.H, t.N<<uint(t.H))
		}
		if _, err := hr.ReadHashes(idx); err != nil {
			return failf("authenticating all %d hash tiles: %v", len(tiles), err)
		}
		for _, t := range tiles {
			p, _ := parleyPath(t)
			if !d.read[p] {
				return failf("hash tile %s was never read (verifier bug)", p)
			}
		}
		fmt.Printf("tree: tlog.TreeHash over the tiles matches; %d hash tiles authenticated\n", len(tiles))
	}

	// 4. Entries.
	entries, bundles, err := readEntries(d, cur.tree.N)
	if err != nil {
		return err
	}
	for k := int64(0); k*tileWidth < cur.tree.N; k++ {
		lo, hi := k*tileWidth, (k+1)*tileWidth
		if hi > cur.tree.N {
			hi = cur.tree.N
		}
		idx := make([]int64, 0, hi-lo)
		for i := lo; i < hi; i++ {
			idx = append(idx, tlog.StoredHashIndex(0, i))
		}
		leaves, err := hr.ReadHashes(idx)
		if err != nil {
			return failf("reading level-0 hashes %d..%d: %v", lo, hi-1, err)
		}
		for i := lo; i < hi; i++ {
			if rh := tlog.RecordHash(entries[i]); rh != leaves[i-lo] {
				return failf("entry %d: tlog.RecordHash %v but the tree holds %v", i, rh, leaves[i-lo])
			}
		}
	}
	checked := sample(cur.tree.N, cur.tree.Hash)
	for _, i := range checked {
		p, err := tlog.ProveRecord(cur.tree.N, i, hr)
		if err != nil {
			return failf("entry %d: tlog.ProveRecord: %v", i, err)
		}
		if err := tlog.CheckRecord(p, cur.tree.N, cur.tree.Hash, i, tlog.RecordHash(entries[i])); err != nil {
			return failf("entry %d: tlog.CheckRecord: %v", i, err)
		}
	}
	fmt.Printf("entries: %d in %d bundles, every RecordHash matches its authenticated leaf; ProveRecord+CheckRecord on %d\n",
		len(entries), bundles, len(checked))

	// 5. Proof files.
	for _, p := range proofs {
		msg, err := checkProofFile(p, verifiers, hr, cur, entries)
		if err != nil {
			return err
		}
		fmt.Printf("proof %s: %s: CheckRecord ok, entry matches the log\n", filepath.Base(p), msg)
	}

	// 6. Consistency with an older checkpoint.
	if *oldPath != "" {
		oraw, err := os.ReadFile(*oldPath)
		if err != nil {
			return failf("%v", err)
		}
		old, err := openCheckpoint(oraw, verifiers, "old checkpoint")
		if err != nil {
			return err
		}
		if old.origin != cur.origin {
			return failf("old checkpoint: origin %q, current %q", old.origin, cur.origin)
		}
		if err := checkConsistent(hr, cur.tree, old.tree, "old checkpoint"); err != nil {
			return err
		}
		fmt.Printf("old checkpoint: size %d -> %d consistent (ProveTree+CheckTree)\n", old.tree.N, cur.tree.N)
	}
	fmt.Println("OK")
	return nil
}

func main() {
	err := run(os.Args[1:])
	if err == nil {
		return
	}
	var u usageError
	if errors.As(err, &u) {
		fmt.Fprintf(os.Stderr, "verify: %v\n", err)
		os.Exit(2)
	}
	fmt.Fprintf(os.Stderr, "verify: FAIL: %v\n", err)
	os.Exit(1)
}
