package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/png"
)

// icoSizes are the sizes Windows picks from for the installer, the
// uninstaller and the Apps & Features entry.
var icoSizes = []int{16, 24, 32, 48, 256}

// makeICO builds a Windows .ico from a square PNG: every entry PNG-
// compressed (Windows Vista and later read those at any size), sizes above
// the source left out.
func makeICO(src []byte) ([]byte, error) {
	img, err := png.Decode(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("the icon is not a PNG (%v)", err)
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	if w != h || w < 16 {
		return nil, fmt.Errorf("the icon is %dx%d pixels: it must be square and at least 16 pixels", w, h)
	}
	var images [][]byte
	var sizes []int
	for _, s := range icoSizes {
		if s > w {
			continue
		}
		data, err := scaledPNG(img, s)
		if err != nil {
			return nil, err
		}
		images, sizes = append(images, data), append(sizes, s)
	}
	var out bytes.Buffer
	// ICONDIR: reserved, type 1 (icon), count.
	_ = binary.Write(&out, binary.LittleEndian, [3]uint16{0, 1, uint16(len(images))})
	offset := 6 + 16*len(images)
	for i, data := range images {
		dim := uint8(sizes[i]) // 256 is written as 0
		// ICONDIRENTRY: width, height, colours, reserved, planes, bits
		// per pixel, size, offset.
		out.Write([]byte{dim, dim, 0, 0})
		_ = binary.Write(&out, binary.LittleEndian, [2]uint16{1, 32})
		_ = binary.Write(&out, binary.LittleEndian, [2]uint32{uint32(len(data)), uint32(offset)})
		offset += len(data)
	}
	for _, data := range images {
		out.Write(data)
	}
	return out.Bytes(), nil
}
