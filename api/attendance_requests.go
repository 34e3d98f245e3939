package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"schoolcheck/service"
	"schoolcheck/service/attendance"
)

func (s *server) requestLeave(c *gin.Context) error {
	var in struct {
		Type   string `json:"type"`
		From   string `json:"from"`
		To     string `json:"to"`
		Reason string `json:"reason"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusCreated)(s.attendance.RequestLeave(c.Request.Context(), actorOf(c), attendance.LeaveInput{Type: in.Type, From: in.From,
		To: in.To, Reason: in.Reason}))
}

func (s *server) requestCorrection(c *gin.Context) error {
	var in struct {
		Date   string `json:"date"`
		Kind   string `json:"kind"`
		Reason string `json:"reason"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusCreated)(s.attendance.RequestCorrection(c.Request.Context(), actorOf(c), attendance.CorrectionInput{Date: in.Date,
		Kind: in.Kind, Reason: in.Reason}))
}

func (s *server) listRequests(c *gin.Context) error {
	page, err := pageQuery(c)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.attendance.ListRequests(c.Request.Context(), actorOf(c), attendance.RequestQuery{Status: c.Query("status"),
		UserID: c.Query("user_id"), Page: page}))
}

func (s *server) decideRequest(c *gin.Context) error {
	var in struct {
		Approve *bool  `json:"approve"`
		Comment string `json:"comment"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.Approve == nil {
		return service.E(service.ErrInvalid, "invalid_argument", "缺少 approve").Field("approve", "必填，true 或 false")
	}
	return reply(c, http.StatusOK)(s.attendance.DecideRequest(c.Request.Context(), actorOf(c), c.Param("id"), attendance.DecisionInput{
		Approve: *in.Approve, Comment: in.Comment}))
}
