package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"schoolcheck/service/phones"
)

// phoneRoutes mounts phone custody (手机管理): each class's registered count and custody arrangement, the
// checks and their follow-ups, and the phones report.
func (s *server) phoneRoutes(_, _, bound *gin.RouterGroup) {
	bound.GET("/classes/phone-custody/missing", s.handle(s.missingCustody))
	bound.GET("/classes/:id/phones-registered", s.handle(s.getRegistered))
	bound.PUT("/classes/:id/phones-registered", s.handle(s.setRegistered))
	bound.GET("/classes/:id/phone-custody", s.handle(s.getCustody))
	bound.PUT("/classes/:id/phone-custody", s.handle(s.putCustody))
	bound.POST("/phone-checks", s.handle(s.createPhoneCheck))
	bound.GET("/phone-checks", s.handle(s.listPhoneChecks))
	bound.GET("/phone-checks/followups", s.handle(s.phoneFollowups))
	bound.GET("/phone-checks/:id", s.handle(s.getPhoneCheck))
	bound.PATCH("/phone-checks/:id", s.handle(s.updatePhoneCheck))
	bound.POST("/phone-checks/:id/resolve", s.handle(s.resolvePhoneCheck))
	bound.GET("/reports/phones", s.handle(monthlyReport(s.phones.Report, s.phones.ReportXLSX)))
}

func (s *server) getRegistered(c *gin.Context) error {
	return reply(c, http.StatusOK)(s.phones.GetRegistered(c.Request.Context(), actorOf(c), c.Param("id")))
}

func (s *server) setRegistered(c *gin.Context) error {
	var in struct {
		Count *int   `json:"count"`
		From  string `json:"from"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.phones.SetRegistered(c.Request.Context(), actorOf(c), c.Param("id"),
		phones.RegistrationInput{Count: in.Count, From: in.From}))
}

func (s *server) getCustody(c *gin.Context) error {
	return reply(c, http.StatusOK)(s.phones.GetCustody(c.Request.Context(), actorOf(c), c.Param("id")))
}

func (s *server) putCustody(c *gin.Context) error {
	var in struct {
		Location string `json:"location"`
		Method   string `json:"method"`
		KeeperID string `json:"keeper_id"`
		Hotline  string `json:"hotline"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.phones.PutCustody(c.Request.Context(), actorOf(c), c.Param("id"),
		phones.CustodyInput{Location: in.Location, Method: in.Method, KeeperID: in.KeeperID, Hotline: in.Hotline}))
}

func (s *server) missingCustody(c *gin.Context) error {
	page, err := pageQuery(c)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.phones.MissingCustody(c.Request.Context(), actorOf(c), page))
}

func (s *server) createPhoneCheck(c *gin.Context) error {
	var in struct {
		ClassID  string   `json:"class_id"`
		Date     string   `json:"date"`
		Kind     string   `json:"kind"`
		Expected *int     `json:"expected"`
		Counted  *int     `json:"counted"`
		Found    *int     `json:"found"`
		Location string   `json:"location"`
		Note     string   `json:"note"`
		PhotoIDs []string `json:"photo_ids"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusCreated)(s.phones.CreateCheck(c.Request.Context(), actorOf(c), phones.CheckInput{
		ClassID: in.ClassID, Date: in.Date, Kind: in.Kind, Expected: in.Expected, Counted: in.Counted, Found: in.Found,
		Location: in.Location, Note: in.Note, PhotoIDs: in.PhotoIDs}))
}

func (s *server) listPhoneChecks(c *gin.Context) error {
	page, err := pageQuery(c)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.phones.ListChecks(c.Request.Context(), actorOf(c), phones.CheckQuery{
		ClassID: c.Query("class_id"), From: c.Query("from"), To: c.Query("to"), Kind: c.Query("kind"), Page: page}))
}

func (s *server) phoneFollowups(c *gin.Context) error {
	page, err := pageQuery(c)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.phones.Followups(c.Request.Context(), actorOf(c),
		phones.FollowupQuery{ClassID: c.Query("class_id"), Page: page}))
}

func (s *server) getPhoneCheck(c *gin.Context) error {
	return reply(c, http.StatusOK)(s.phones.GetCheck(c.Request.Context(), actorOf(c), c.Param("id")))
}

func (s *server) updatePhoneCheck(c *gin.Context) error {
	var in struct {
		Expected *int      `json:"expected"`
		Counted  *int      `json:"counted"`
		Found    *int      `json:"found"`
		Location *string   `json:"location"`
		Note     *string   `json:"note"`
		PhotoIDs *[]string `json:"photo_ids"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.phones.UpdateCheck(c.Request.Context(), actorOf(c), c.Param("id"), phones.CheckPatch{
		Expected: in.Expected, Counted: in.Counted, Found: in.Found, Location: in.Location, Note: in.Note,
		PhotoIDs: in.PhotoIDs}))
}

func (s *server) resolvePhoneCheck(c *gin.Context) error {
	var in struct {
		Note string `json:"note"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.phones.Resolve(c.Request.Context(), actorOf(c), c.Param("id"), in.Note))
}
