package xpaytest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"sync"
)

// images are the pictures profileInfo points at (urlLogoNexiSmall,
// urlLogoNexiLarge, each method's image), which shops show at checkout:
// plain rectangles of the size the logos' names give, in the brand's
// colour, so that a shop's page shows something where XPay's logo goes.
var images = map[string]struct {
	w, h int
	c    color.RGBA
}{
	"logo_nexi_240x60.png":  {240, 60, color.RGBA{0x2d, 0x32, 0xaa, 0xff}},
	"logo_nexi_480x120.png": {480, 120, color.RGBA{0x2d, 0x32, 0xaa, 0xff}},
	"visa.png":              {64, 40, color.RGBA{0x1a, 0x1f, 0x71, 0xff}},
	"mc.png":                {64, 40, color.RGBA{0xeb, 0x00, 0x1b, 0xff}},
	"paypal.png":            {64, 40, color.RGBA{0x00, 0x30, 0x87, 0xff}},
}

// encodedImages are the images as PNG files, made once.
var encodedImages = sync.OnceValue(func() map[string][]byte {
	files := make(map[string][]byte, len(images))
	for name, im := range images {
		m := image.NewRGBA(image.Rect(0, 0, im.w, im.h))
		for y := range im.h {
			for x := range im.w {
				m.SetRGBA(x, y, im.c)
			}
		}
		var buf bytes.Buffer
		if err := png.Encode(&buf, m); err != nil {
			panic(err) // an in-memory image always encodes
		}
		files[name] = buf.Bytes()
	}
	return files
})

// image serves the images profileInfo points at. Its route names no
// method and no wildcard: one that did would cost every GET of the XPay
// routes an allocation in the mux.
func (s *Server) image(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	file, ok := encodedImages()[strings.TrimPrefix(r.URL.Path, "/img/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "max-age=86400")
	_, _ = w.Write(file)
}
