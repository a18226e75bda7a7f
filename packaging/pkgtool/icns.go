package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"

	"golang.org/x/image/draw"
)

// icnsSizes are the PNG-based icon types macOS 10.7+ reads, with their pixel
// sizes; the @2x types let Retina screens use the sharper image. Sizes above
// the source are left out rather than blown up.
var icnsSizes = []struct {
	typ  string
	size int
}{
	{"icp4", 16}, {"icp5", 32}, {"ic11", 32}, {"icp6", 64}, {"ic12", 64},
	{"ic07", 128}, {"ic08", 256}, {"ic13", 256}, {"ic09", 512}, {"ic14", 512}, {"ic10", 1024},
}

// makeICNS builds an .icns file from a square PNG: a big-endian header
// ("icns", total length) followed by (type, length, PNG data) entries.
func makeICNS(src []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("the icon is not a PNG (%v): pass -icon with the app's PNG", err)
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	if w != h || w < 16 {
		return nil, fmt.Errorf("the icon is %dx%d pixels: it must be square and at least 16 pixels", w, h)
	}
	var body bytes.Buffer
	for _, s := range icnsSizes {
		if s.size > w {
			continue
		}
		data, err := scaledPNG(img, s.size)
		if err != nil {
			return nil, err
		}
		body.WriteString(s.typ)
		_ = binary.Write(&body, binary.BigEndian, uint32(8+len(data)))
		body.Write(data)
	}
	var out bytes.Buffer
	out.WriteString("icns")
	_ = binary.Write(&out, binary.BigEndian, uint32(8+body.Len()))
	out.Write(body.Bytes())
	return out.Bytes(), nil
}

func scaledPNG(img image.Image, size int) ([]byte, error) {
	var dst image.Image = img
	if img.Bounds().Dx() != size {
		d := image.NewNRGBA(image.Rect(0, 0, size, size))
		draw.CatmullRom.Scale(d, d.Bounds(), img, img.Bounds(), draw.Src, nil)
		dst = d
	}
	var b bytes.Buffer
	if err := png.Encode(&b, dst); err != nil {
		return nil, fmt.Errorf("cannot encode the %d px icon: %v", size, err)
	}
	return b.Bytes(), nil
}
