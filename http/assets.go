package http

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"

	"github.com/gofiber/fiber/v2"
)

// web holds what the pages load: the vendored Swagger UI, our own scripts
// and styles, and the templates. Embedded, so the pages work offline.
//
//go:embed web/swagger-ui/swagger-ui-bundle.js web/swagger-ui/swagger-ui.css web/static web/templates
var web embed.FS

// asset is a file the pages load, served under a URL that names its content.
type asset struct {
	body        []byte
	contentType string
	url         string
}

// assets are the files under /assets/, by name. The URL carries a hash of
// the content, so a browser may keep a file for a year and still never runs
// an old one after an upgrade.
var assets = loadAssets()

func loadAssets() map[string]asset {
	out := map[string]asset{}
	for _, dir := range []string{"web/swagger-ui", "web/static"} {
		entries, err := fs.ReadDir(web, dir)
		if err != nil {
			panic(err) // the embedded tree is fixed at build time
		}
		for _, e := range entries {
			body, err := fs.ReadFile(web, path.Join(dir, e.Name()))
			if err != nil {
				panic(err)
			}
			sum := sha256.Sum256(body)
			out[e.Name()] = asset{
				body:        body,
				contentType: mime.TypeByExtension(path.Ext(e.Name())),
				url:         "/assets/" + e.Name() + "?v=" + hex.EncodeToString(sum[:6]),
			}
		}
	}
	return out
}

// assetURL is the URL of a named asset, for the templates.
func assetURL(name string) string {
	a, ok := assets[name]
	if !ok {
		panic("no asset " + name) // a template names a file that is not embedded
	}
	return a.url
}

func (s *Server) serveAsset(c *fiber.Ctx) error {
	a, ok := assets[c.Params("name")]
	if !ok {
		return writeProblem(c, fiber.StatusNotFound, "There is no such file.")
	}
	c.Set(fiber.HeaderContentType, a.contentType)
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	return c.Send(a.body)
}
