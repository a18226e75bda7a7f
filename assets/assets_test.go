package assets

import (
	"bytes"
	"image"
	"image/png"
	"io/fs"
	"testing"

	"github.com/exactkeeper/exactkeeper/assets/internal/iconart"
)

func decode(t *testing.T, name string, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", name, err)
	}
	return img
}

func TestIcons(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		size int
	}{
		{"app", AppIcon(), iconart.AppSize},
		{"ok light", Icon(StateOK, false), iconart.TraySize},
		{"ok dark", Icon(StateOK, true), iconart.TraySize},
		{"attention light", Icon(StateAttention, false), iconart.TraySize},
		{"attention dark", Icon(StateAttention, true), iconart.TraySize},
		{"action light", Icon(StateAction, false), iconart.TraySize},
		{"action dark", Icon(StateAction, true), iconart.TraySize},
		{"ok template", TemplateIcon(StateOK), iconart.TraySize},
		{"attention template", TemplateIcon(StateAttention), iconart.TraySize},
		{"action template", TemplateIcon(StateAction), iconart.TraySize},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		img := decode(t, tt.name, tt.b)
		if b := img.Bounds(); b.Dx() != tt.size || b.Dy() != tt.size {
			t.Errorf("%s is %v, want %d px square", tt.name, b, tt.size)
		}
		if prev, dup := seen[string(tt.b)]; dup {
			t.Errorf("%s is the same image as %s", tt.name, prev)
		}
		seen[string(tt.b)] = tt.name
	}
}

func TestUnknownStateIsNotShownAsFine(t *testing.T) {
	if !bytes.Equal(Icon("bogus", false), Icon(StateAction, false)) {
		t.Error(`Icon("bogus") should be the action icon`)
	}
}

// The centre pixel shows the state's colour family, so a mix-up of files
// (green for action) is caught.
func TestTrayColours(t *testing.T) {
	tests := []struct {
		state string
		check func(r, g, b uint32) bool
	}{
		{StateOK, func(r, g, b uint32) bool { return g > r && g > b }},
		{StateAttention, func(r, g, b uint32) bool { return r > b && g > b && r >= g }},
		{StateAction, func(r, g, b uint32) bool { return r > g && r > b }},
	}
	for _, tt := range tests {
		for _, dark := range []bool{false, true} {
			img := decode(t, tt.state, Icon(tt.state, dark))
			// Just inside the outline, left of the mark.
			r, g, b, a := img.At(iconart.TraySize/8+2, iconart.TraySize/2).RGBA()
			if a != 0xffff || !tt.check(r, g, b) {
				t.Errorf("%s (dark=%v): pixel (%d,%d,%d,%d) has the wrong colour", tt.state, dark, r>>8, g>>8, b>>8, a>>8)
			}
		}
	}
}

func TestTemplateIconsAreBlackWithAlpha(t *testing.T) {
	for _, s := range iconart.States {
		img := decode(t, s, TemplateIcon(s))
		var opaque, holes int
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, a := img.At(x, y).RGBA()
				switch {
				case a == 0:
					holes++
				case r != 0 || g != 0 || bl != 0:
					t.Fatalf("%s template: pixel (%d,%d) is not black", s, x, y)
				default:
					opaque++
				}
			}
		}
		if opaque == 0 || holes == 0 {
			t.Errorf("%s template: %d drawn and %d clear pixels, want both", s, opaque, holes)
		}
	}
}

// The embedded icons are what the generator draws: run `go generate
// ./assets` after changing iconart.
func TestIconsMatchGenerator(t *testing.T) {
	want := iconart.Images()
	icos := iconart.ICOs()
	entries, err := fs.ReadDir(FS, "icons")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want)+len(icos) {
		t.Errorf("icons/ has %d files, the generator draws %d", len(entries), len(want)+len(icos))
	}
	for name, w := range icos {
		if b, err := fs.ReadFile(FS, "icons/"+name); err != nil || !bytes.Equal(b, w) {
			t.Errorf("icons/%s is missing or differs from what the generator draws: run go generate ./assets", name)
		}
	}
	for name, w := range want {
		b, err := fs.ReadFile(FS, "icons/"+name)
		if err != nil {
			t.Errorf("icons/%s is missing: run go generate ./assets", name)
			continue
		}
		got := decode(t, name, b)
		gotN := image.NewNRGBA(got.Bounds())
		for y := 0; y < got.Bounds().Dy(); y++ {
			for x := 0; x < got.Bounds().Dx(); x++ {
				gotN.Set(x, y, got.At(x, y))
			}
		}
		if !bytes.Equal(gotN.Pix, w.Pix) {
			t.Errorf("icons/%s differs from what the generator draws: run go generate ./assets", name)
		}
	}
}

func TestTranslationsEmbedded(t *testing.T) {
	for _, name := range []string{"translations/en.json", "translations/nl.json"} {
		if _, err := fs.Stat(FS, name); err != nil {
			t.Errorf("%s is not embedded: %v", name, err)
		}
	}
}
