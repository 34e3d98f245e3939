package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"schoolcheck/service"
	"schoolcheck/service/report"
)

// sendFile answers a generated download with a UTF-8 file name that Excel on Windows and the WeChat in-app
// browser both keep.
func sendFile(c *gin.Context, f report.File) {
	c.Header("Content-Disposition", Disposition(f.Name))
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, f.ContentType, f.Data)
}

// Disposition is the Content-Disposition of a download named name (RFC 6266/5987): an ASCII fallback and
// the UTF-8 name.
func Disposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + url.PathEscape(name)
}

// wantsXLSX reports whether the report was asked for as an Excel workbook (format=xlsx); any other format
// value but json is 400.
func wantsXLSX(c *gin.Context) (bool, error) {
	switch c.Query("format") {
	case "", "json":
		return false, nil
	case "xlsx":
		return true, nil
	}
	return false, service.E(service.ErrInvalid, "invalid_argument", "format 只能是 json 或 xlsx").Field("format", "json 或 xlsx")
}

// monthlyReport serves a GET /reports/...?month=[&school_id=][&format=xlsx] route from the service's JSON and
// workbook forms of one report.
func monthlyReport[T any](asJSON func(context.Context, *service.Actor, report.Query) (T, error),
	asXLSX func(context.Context, *service.Actor, report.Query) (report.File, error)) func(*gin.Context) error {
	return func(c *gin.Context) error {
		xlsx, err := wantsXLSX(c)
		if err != nil {
			return err
		}
		ctx, a := c.Request.Context(), actorOf(c)
		q := report.Query{Month: c.Query("month"), From: c.Query("from"), To: c.Query("to"),
			SchoolID: c.Query("school_id"), RegionID: c.Query("region_id")}
		if !xlsx {
			return reply(c, http.StatusOK)(asJSON(ctx, a, q))
		}
		f, err := asXLSX(ctx, a, q)
		if err != nil {
			return err
		}
		sendFile(c, f)
		return nil
	}
}
