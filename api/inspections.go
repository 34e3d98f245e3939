package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"schoolcheck/service"
	"schoolcheck/service/inspections"
)

// inspectionRoutes mounts the inspection module (督查考核): the region tree, the overview, the evidence pack
// and the findings with their rectifications.
func (s *server) inspectionRoutes(_, _, bound *gin.RouterGroup) {
	bound.GET("/regions", s.handle(s.regionTree))
	bound.GET("/reports/overview", s.handle(monthlyReport(s.inspections.Overview, s.inspections.OverviewXLSX)))
	bound.GET("/reports/evidence", s.handle(s.evidencePack))
	bound.POST("/inspections/findings", s.handle(s.createFinding))
	bound.GET("/inspections/findings", s.handle(s.listFindings))
	bound.GET("/inspections/findings/:id", s.handle(s.getFinding))
	bound.POST("/inspections/findings/:id/responses", s.handle(s.respondFinding))
	bound.POST("/inspections/findings/:id/verify", s.handle(s.verifyFinding))
}

func (s *server) regionTree(c *gin.Context) error {
	return reply(c, http.StatusOK)(s.inspections.Regions(c.Request.Context(), actorOf(c)))
}

// evidencePack is GET /reports/evidence (xlsx only: format may be absent or xlsx).
func (s *server) evidencePack(c *gin.Context) error {
	if f := c.Query("format"); f != "" && f != "xlsx" {
		return service.E(service.ErrInvalid, "invalid_argument", "证据材料包只提供 Excel（format=xlsx）").Field("format", "xlsx")
	}
	f, err := s.inspections.Evidence(c.Request.Context(), actorOf(c), inspections.EvidenceQuery{
		SchoolID: c.Query("school_id"), From: c.Query("from"), To: c.Query("to")})
	if err != nil {
		return err
	}
	sendFile(c, f)
	return nil
}

func (s *server) createFinding(c *gin.Context) error {
	var in struct {
		SchoolID string   `json:"school_id"`
		Module   string   `json:"module"`
		Title    string   `json:"title"`
		Detail   string   `json:"detail"`
		Due      string   `json:"due"`
		PhotoIDs []string `json:"photo_ids"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusCreated)(s.inspections.CreateFinding(c.Request.Context(), actorOf(c), inspections.FindingInput{
		SchoolID: in.SchoolID, Module: in.Module, Title: in.Title, Detail: in.Detail, Due: in.Due, PhotoIDs: in.PhotoIDs}))
}

func (s *server) listFindings(c *gin.Context) error {
	page, err := pageQuery(c)
	if err != nil {
		return err
	}
	var overdue bool
	switch c.Query("overdue") {
	case "", "false":
	case "true":
		overdue = true
	default:
		return service.E(service.ErrInvalid, "invalid_argument", "overdue 只能是 true 或 false").Field("overdue", "true 或 false")
	}
	return reply(c, http.StatusOK)(s.inspections.ListFindings(c.Request.Context(), actorOf(c), inspections.FindingQuery{
		SchoolID: c.Query("school_id"), Status: c.Query("status"), Overdue: overdue, Page: page}))
}

func (s *server) getFinding(c *gin.Context) error {
	return reply(c, http.StatusOK)(s.inspections.GetFinding(c.Request.Context(), actorOf(c), c.Param("id")))
}

func (s *server) respondFinding(c *gin.Context) error {
	var in struct {
		Content  string   `json:"content"`
		PhotoIDs []string `json:"photo_ids"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusCreated)(s.inspections.Respond(c.Request.Context(), actorOf(c), c.Param("id"),
		inspections.ResponseInput{Content: in.Content, PhotoIDs: in.PhotoIDs}))
}

func (s *server) verifyFinding(c *gin.Context) error {
	var in struct {
		Accept  *bool  `json:"accept"`
		Comment string `json:"comment"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.inspections.Verify(c.Request.Context(), actorOf(c), c.Param("id"),
		inspections.VerifyInput{Accept: in.Accept, Comment: in.Comment}))
}
