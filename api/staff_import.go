package api

import (
	"errors"
	"io"
	"net/http"

	"github.com/gin-gonic/gin"

	"schoolcheck/service"
	"schoolcheck/service/school"
)

// rosterRoutes: importing the staff roster from a spreadsheet, and the parents linked to a class.
func (s *server) rosterRoutes(_, _, bound *gin.RouterGroup) {
	// The multipart envelope around a 5 MiB file needs a little room of its own.
	s.bodyLimit(bound.BasePath()+"/staff/import", school.MaxImportBytes+64<<10)
	bound.POST("/staff/import", s.handle(s.importStaff))
	bound.GET("/classes/:id/parents", s.handle(s.listClassParents))
}

// importStaff takes the multipart field "file" (.xlsx or .csv) and hands its bytes to the service.
func (s *server) importStaff(c *gin.Context) error {
	fh, err := c.FormFile("file")
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return err
	case err != nil:
		return service.E(service.ErrInvalid, "invalid_argument", "请以 multipart/form-data 上传文件").
			Field("file", "请选择要导入的 .xlsx 或 .csv 文件")
	case fh.Size > school.MaxImportBytes:
		return service.E(service.ErrTooLarge, "payload_too_large", "导入文件不能超过 5 MB")
	}
	f, err := fh.Open()
	if err != nil {
		return err
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, school.MaxImportBytes+1))
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.school.ImportStaff(c.Request.Context(), actorOf(c), fh.Filename, data))
}

func (s *server) listClassParents(c *gin.Context) error {
	page, err := pageQuery(c)
	if err != nil {
		return err
	}
	removed := c.Query("removed")
	if removed != "" && removed != "true" && removed != "false" {
		return service.E(service.ErrInvalid, "invalid_argument", "removed 应为 true 或 false").Field("removed", "应为 true 或 false")
	}
	return reply(c, http.StatusOK)(s.school.ListClassParents(c.Request.Context(), actorOf(c), c.Param("id"),
		school.ClassParentQuery{Removed: removed == "true", Page: page}))
}
