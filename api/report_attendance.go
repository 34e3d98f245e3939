package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// attendanceReport serves GET /reports/attendance?month=[&school_id=][&format=xlsx]: the monthly office
// sign-in sheet as JSON, or as the names × days workbook.
func (s *server) attendanceReport(c *gin.Context) error {
	xlsx, err := wantsXLSX(c)
	if err != nil {
		return err
	}
	ctx, a, month, school := c.Request.Context(), actorOf(c), c.Query("month"), c.Query("school_id")
	if xlsx {
		f, err := s.svc.AttendanceReportXLSX(ctx, a, month, school)
		if err != nil {
			return err
		}
		sendFile(c, f)
		return nil
	}
	out, err := s.svc.AttendanceReport(ctx, a, month, school)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, out)
	return nil
}
