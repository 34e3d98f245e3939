package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// mealReport serves GET /reports/meals?month=[&school_id=][&format=xlsx]: the month's 陪餐 coverage and
// feedback figures as JSON, or as a printable workbook.
func (s *server) mealReport(c *gin.Context) error {
	xlsx, err := wantsXLSX(c)
	if err != nil {
		return err
	}
	ctx, a, month, school := c.Request.Context(), actorOf(c), c.Query("month"), c.Query("school_id")
	if xlsx {
		f, err := s.svc.MealReportXLSX(ctx, a, month, school)
		if err != nil {
			return err
		}
		sendFile(c, f)
		return nil
	}
	out, err := s.svc.MealReport(ctx, a, month, school)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, out)
	return nil
}
