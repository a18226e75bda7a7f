package iconart

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
)

// ICOSizes are the sizes in a Windows tray icon: 16 px at 100 % scaling,
// 24 and 32 px at 150 % and 200 %, 48 px for the notification area's
// large icons.
var ICOSizes = []int{16, 24, 32, 48}

// ICOs returns the Windows tray icons, keyed by file name under icons/.
// Windows' LoadImage(IMAGE_ICON), which fyne.io/systray uses there, wants
// ICO content: a PNG gives no icon at all.
func ICOs() map[string][]byte {
	out := map[string][]byte{}
	variants := []struct {
		name    string
		outline color.NRGBA
	}{{"light", outlineForLight}, {"dark", outlineForDark}}
	for _, s := range States {
		for _, v := range variants {
			var imgs []*image.NRGBA
			for _, size := range ICOSizes {
				imgs = append(imgs, trayIconAt(s, v.outline, size))
			}
			out["tray-"+s+"-"+v.name+".ico"] = EncodeICO(imgs)
		}
	}
	return out
}

// EncodeICO writes images as one ICO file of 32-bit BGRA bitmaps with an
// AND mask: the form every Windows version loads, unlike PNG entries.
func EncodeICO(imgs []*image.NRGBA) []byte {
	var dir, data bytes.Buffer
	le := binary.LittleEndian
	_ = binary.Write(&dir, le, [3]uint16{0, 1, uint16(len(imgs))})
	offset := 6 + 16*len(imgs)
	for _, img := range imgs {
		bmp := dib(img)
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		_ = binary.Write(&dir, le, struct {
			W, H, Colors, Reserved uint8
			Planes, BitCount       uint16
			Size, Offset           uint32
		}{uint8(w % 256), uint8(h % 256), 0, 0, 1, 32, uint32(len(bmp)), uint32(offset + data.Len())})
		data.Write(bmp)
	}
	return append(dir.Bytes(), data.Bytes()...)
}

// dib is one ICO image: a BITMAPINFOHEADER (height doubled for the mask),
// the pixels bottom-up as BGRA, and the 1-bit AND mask, set where the
// pixel is fully transparent.
func dib(img *image.NRGBA) []byte {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	maskRow := (w + 31) / 32 * 4
	var b bytes.Buffer
	le := binary.LittleEndian
	_ = binary.Write(&b, le, struct {
		Size         uint32
		W, H         int32
		Planes, Bits uint16
		Compression  uint32
		ImageSize    uint32
		XPPM, YPPM   int32
		Used, Needed uint32
	}{40, int32(w), int32(2 * h), 1, 32, 0, uint32(w*h*4 + maskRow*h), 0, 0, 0, 0})
	for y := h - 1; y >= 0; y-- {
		for x := 0; x < w; x++ {
			c := img.NRGBAAt(x, y)
			b.Write([]byte{c.B, c.G, c.R, c.A})
		}
	}
	for y := h - 1; y >= 0; y-- {
		row := make([]byte, maskRow)
		for x := 0; x < w; x++ {
			if img.NRGBAAt(x, y).A == 0 {
				row[x/8] |= 0x80 >> (x % 8)
			}
		}
		b.Write(row)
	}
	return b.Bytes()
}
