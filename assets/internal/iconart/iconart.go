// Package iconart draws Exact Keeper's icons from a few geometric shapes, so
// they can be re-made at any time (go generate ./assets) and checked against
// the embedded copies by a test.
package iconart

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
)

// Sizes in pixels. Tray hosts scale the pixmap down to 16–32 px; 64 px keeps
// it sharp on HiDPI panels.
const (
	AppSize  = 256
	TraySize = 64
)

// States are the tray states, in the order of the tray package.
var States = []string{"ok", "attention", "action"}

// Render returns every icon as PNG bytes, keyed by its file name under icons/.
func Render() (map[string][]byte, error) {
	imgs := Images()
	out := make(map[string][]byte, len(imgs))
	for name, img := range imgs {
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if err := enc.Encode(&buf, img); err != nil {
			return nil, err
		}
		out[name] = buf.Bytes()
	}
	for name, ico := range ICOs() {
		out[name] = ico
	}
	return out, nil
}

// Images returns every icon as an image, keyed by its file name under icons/.
func Images() map[string]*image.NRGBA {
	out := map[string]*image.NRGBA{"app.png": appIcon()}
	for _, s := range States {
		out["tray-"+s+"-light.png"] = trayIcon(s, outlineForLight)
		out["tray-"+s+"-dark.png"] = trayIcon(s, outlineForDark)
		out["tray-"+s+"-template.png"] = templateIcon(s)
	}
	return out
}

var (
	green       = color.NRGBA{0x2e, 0x7d, 0x32, 0xff}
	amber       = color.NRGBA{0xf9, 0xa8, 0x25, 0xff}
	red         = color.NRGBA{0xc6, 0x28, 0x28, 0xff}
	white       = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	ink         = color.NRGBA{0x1b, 0x1b, 0x1b, 0xff}
	black       = color.NRGBA{0, 0, 0, 0xff}
	transparent = color.NRGBA{}

	// The outline contrasts with the task bar, so the disc keeps a crisp
	// edge whatever colour the bar has.
	outlineForLight = ink
	outlineForDark  = white
)

// shape reports whether a point in unit coordinates (0..1, y down) is inside.
type shape func(x, y float64) bool

// layer paints a shape in a colour; later layers cover earlier ones.
type layer struct {
	in  shape
	col func(x, y float64) color.NRGBA
}

func solid(c color.NRGBA) func(x, y float64) color.NRGBA {
	return func(float64, float64) color.NRGBA { return c }
}

func disc(cx, cy, r float64) shape {
	return func(x, y float64) bool { return math.Hypot(x-cx, y-cy) <= r }
}

func ring(cx, cy, r0, r1 float64) shape {
	return func(x, y float64) bool {
		d := math.Hypot(x-cx, y-cy)
		return d >= r0 && d <= r1
	}
}

// stroke is a polyline with round caps and joins.
func stroke(r float64, pts ...[2]float64) shape {
	return func(x, y float64) bool {
		for i := 0; i+1 < len(pts); i++ {
			if segDist(x, y, pts[i], pts[i+1]) <= r {
				return true
			}
		}
		return false
	}
}

func segDist(x, y float64, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := ((x-a[0])*dx + (y-a[1])*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(x-(a[0]+t*dx), y-(a[1]+t*dy))
}

func roundRect(x0, y0, x1, y1, r float64) shape {
	return func(x, y float64) bool {
		qx := math.Max(math.Max(x0+r-x, x-(x1-r)), 0)
		qy := math.Max(math.Max(y0+r-y, y-(y1-r)), 0)
		return x >= x0 && x <= x1 && y >= y0 && y <= y1 && math.Hypot(qx, qy) <= r
	}
}

func union(ss ...shape) shape {
	return func(x, y float64) bool {
		for _, s := range ss {
			if s(x, y) {
				return true
			}
		}
		return false
	}
}

// mark is the state's symbol: a check, an exclamation mark or a cross, so
// the states differ by shape as well as by colour.
func mark(state string) shape {
	const w = 0.075
	switch state {
	case "ok":
		return stroke(w, [2]float64{0.29, 0.52}, [2]float64{0.44, 0.67}, [2]float64{0.71, 0.36})
	case "attention":
		return union(stroke(w, [2]float64{0.5, 0.26}, [2]float64{0.5, 0.55}), disc(0.5, 0.72, 0.08))
	default:
		return union(stroke(w, [2]float64{0.35, 0.35}, [2]float64{0.65, 0.65}),
			stroke(w, [2]float64{0.65, 0.35}, [2]float64{0.35, 0.65}))
	}
}

func stateColours(state string) (fill, sym color.NRGBA) {
	switch state {
	case "ok":
		return green, white
	case "attention":
		return amber, ink // white on amber is too faint
	default:
		return red, white
	}
}

func trayIcon(state string, outline color.NRGBA) *image.NRGBA {
	return trayIconAt(state, outline, TraySize)
}

// trayIconAt draws the tray icon at size px: drawn, not scaled down, so
// small Windows icons stay crisp.
func trayIconAt(state string, outline color.NRGBA, size int) *image.NRGBA {
	fill, sym := stateColours(state)
	return paint(size,
		layer{disc(0.5, 0.5, 0.48), solid(outline)},
		layer{disc(0.5, 0.5, 0.41), solid(fill)},
		layer{mark(state), solid(sym)},
	)
}

// templateIcon is for macOS: black with alpha, the mark cut out, so the
// menu bar can tint it for light and dark mode.
func templateIcon(state string) *image.NRGBA {
	return paint(TraySize,
		layer{disc(0.5, 0.5, 0.46), solid(black)},
		layer{mark(state), solid(transparent)},
	)
}

func appIcon() *image.NRGBA {
	top, bottom := color.NRGBA{0x00, 0x89, 0x7b, 0xff}, color.NRGBA{0x00, 0x4d, 0x40, 0xff}
	gradient := func(_, y float64) color.NRGBA { return mix(top, bottom, y) }
	key := union(
		ring(0.34, 0.36, 0.085, 0.175),
		stroke(0.055, [2]float64{0.45, 0.47}, [2]float64{0.76, 0.78}),
		stroke(0.045, [2]float64{0.62, 0.64}, [2]float64{0.53, 0.73}),
		stroke(0.045, [2]float64{0.72, 0.74}, [2]float64{0.63, 0.83}),
	)
	return paint(AppSize,
		layer{roundRect(0.04, 0.04, 0.96, 0.96, 0.2), gradient},
		layer{key, solid(white)},
		layer{disc(0.76, 0.27, 0.15), solid(white)},
		layer{disc(0.76, 0.27, 0.125), solid(green)},
		layer{stroke(0.028, [2]float64{0.695, 0.275}, [2]float64{0.74, 0.32}, [2]float64{0.825, 0.225}), solid(white)},
	)
}

func mix(a, b color.NRGBA, t float64) color.NRGBA {
	l := func(p, q uint8) uint8 { return uint8(math.Round(float64(p) + (float64(q)-float64(p))*t)) }
	return color.NRGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), l(a.A, b.A)}
}

// paint rasterises the layers with 8×8 supersampling for smooth edges. A
// layer replaces what is under it (a clear layer cuts a hole), which is all
// these flat icons need.
func paint(size int, layers ...layer) *image.NRGBA {
	const ss = 8
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/ss) / float64(size)
					y := (float64(py) + (float64(sy)+0.5)/ss) / float64(size)
					c := transparent
					for _, l := range layers {
						if l.in(x, y) {
							c = l.col(x, y)
						}
					}
					// Premultiply so transparent samples do not darken edges.
					fa := float64(c.A) / 255
					r += float64(c.R) * fa
					g += float64(c.G) * fa
					b += float64(c.B) * fa
					a += fa
				}
			}
			n := float64(ss * ss)
			out := color.NRGBA{}
			if a > 0 {
				out = color.NRGBA{
					R: uint8(math.Round(r / a)),
					G: uint8(math.Round(g / a)),
					B: uint8(math.Round(b / a)),
					A: uint8(math.Round(a / n * 255)),
				}
			}
			img.SetNRGBA(px, py, out)
		}
	}
	return img
}
