package assets

import (
	"encoding/binary"
	"testing"
)

// decodeICO reads an ICO file the way Windows does for 32-bit entries and
// returns, per entry, its size and the alpha of its centre and corner.
func decodeICO(t *testing.T, b []byte) (sizes []int, centre, corner []uint8) {
	t.Helper()
	le := binary.LittleEndian
	if len(b) < 6 || le.Uint16(b[0:]) != 0 || le.Uint16(b[2:]) != 1 {
		t.Fatalf("not an ICO header: % x", b[:min(6, len(b))])
	}
	n := int(le.Uint16(b[4:]))
	for i := range n {
		e := b[6+16*i:]
		w, h := int(e[0]), int(e[1])
		if w == 0 {
			w = 256
		}
		if h == 0 {
			h = 256
		}
		if bits := le.Uint16(e[6:]); bits != 32 {
			t.Fatalf("entry %d has %d bits per pixel, want 32", i, bits)
		}
		size, off := int(le.Uint32(e[8:])), int(le.Uint32(e[12:]))
		if off+size > len(b) {
			t.Fatalf("entry %d runs past the file", i)
		}
		img := b[off : off+size]
		if le.Uint32(img[0:]) != 40 || int(int32(le.Uint32(img[4:]))) != w || int(int32(le.Uint32(img[8:]))) != 2*h {
			t.Fatalf("entry %d: BITMAPINFOHEADER does not match %dx%d (height doubled for the mask)", i, w, h)
		}
		maskRow := (w + 31) / 32 * 4
		if want := 40 + w*h*4 + maskRow*h; size != want {
			t.Fatalf("entry %d is %d bytes, want %d", i, size, want)
		}
		alpha := func(x, y int) uint8 { // y from the top; rows are stored bottom-up
			return img[40+((h-1-y)*w+x)*4+3]
		}
		masked := func(x, y int) bool {
			row := img[40+w*h*4+(h-1-y)*maskRow:]
			return row[x/8]&(0x80>>(x%8)) != 0
		}
		if masked(w/2, h/2) || !masked(0, 0) {
			t.Errorf("entry %d: the AND mask does not follow the alpha", i)
		}
		sizes = append(sizes, w)
		centre, corner = append(centre, alpha(w/2, h/2)), append(corner, alpha(0, 0))
	}
	return sizes, centre, corner
}

// TestTrayICO: every state has an ICO with 16, 24, 32 and 48 px images, a
// drawn centre and a clear corner, and the states differ.
func TestTrayICO(t *testing.T) {
	seen := map[string]bool{}
	for _, state := range []string{StateOK, StateAttention, StateAction} {
		for _, dark := range []bool{false, true} {
			b := IconICO(state, dark)
			sizes, centre, corner := decodeICO(t, b)
			if len(sizes) != 4 || sizes[0] != 16 || sizes[1] != 24 || sizes[2] != 32 || sizes[3] != 48 {
				t.Errorf("%s: sizes %v, want 16 24 32 48", state, sizes)
			}
			for i := range sizes {
				if centre[i] != 0xff || corner[i] != 0 {
					t.Errorf("%s %d px: centre alpha %d, corner alpha %d", state, sizes[i], centre[i], corner[i])
				}
			}
			seen[string(b)] = true
		}
	}
	if len(seen) != 6 {
		t.Errorf("%d distinct ICO files for 3 states × 2 variants", len(seen))
	}
}
