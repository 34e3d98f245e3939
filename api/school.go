package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/school"
)

// schoolRoutes: settings, calendar and the audit trail.
func (s *server) schoolRoutes(_, _, bound *gin.RouterGroup) {
	bound.GET("/school/settings", s.handle(s.getSettings))
	bound.PUT("/school/settings", s.handle(s.putSettings))
	bound.GET("/calendar", s.handle(s.calendar))
	bound.PUT("/calendar/:date", s.handle(s.setCalendarDay))
	bound.DELETE("/calendar/:date", s.handle(s.clearCalendarDay))
	bound.GET("/audit", s.handle(s.listAudit))
}

func (s *server) getSettings(c *gin.Context) error {
	return reply(c, http.StatusOK)(s.school.GetSettings(c.Request.Context(), actorOf(c)))
}

func (s *server) putSettings(c *gin.Context) error {
	raw, err := readBody(c)
	if err != nil {
		return err
	}
	st, err := school.ParseSettings(raw)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.school.PutSettings(c.Request.Context(), actorOf(c), st))
}

func (s *server) calendar(c *gin.Context) error {
	items, err := s.school.Calendar(c.Request.Context(), actorOf(c), c.Query("month"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}

func (s *server) setCalendarDay(c *gin.Context) error {
	var in struct {
		Workday *bool          `json:"workday"`
		Note    string         `json:"note"`
		Meals   *[]string      `json:"meals"`
		Window  *school.Window `json:"window"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.Workday == nil {
		return service.E(service.ErrInvalid, "invalid_argument", "缺少 workday").Field("workday", "必填")
	}
	return reply(c, http.StatusOK)(s.school.SetCalendarDay(c.Request.Context(), actorOf(c), c.Param("date"), school.CalendarDayInput{
		Workday: *in.Workday, Note: in.Note, Meals: in.Meals, Window: in.Window}))
}

func (s *server) clearCalendarDay(c *gin.Context) error {
	if err := s.school.ClearCalendarDay(c.Request.Context(), actorOf(c), c.Param("date")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *server) listAudit(c *gin.Context) error {
	page, err := pageQuery(c)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.trail.List(c.Request.Context(), actorOf(c), evidence.Query{Entity: c.Query("entity"),
		EntityID: c.Query("entity_id"), Page: page}))
}
