package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"schoolcheck/service/auth"
)

func (s *server) authRoutes(open, login, bound *gin.RouterGroup) {
	open.POST("/auth/login", s.rateLimit("login", LoginPerIP, 0, time.Minute), s.handle(s.login))
	login.POST("/auth/bind-phone", s.rateLimit("bind", BindPerIP, BindPerAccount, time.Minute), s.handle(s.bindPhone))
	login.POST("/auth/join", s.rateLimit("join", BindPerIP, BindPerAccount, time.Minute), s.handle(s.join))
	// Any login token: one whose membership has ended must still be able to move to another.
	login.POST("/auth/switch", s.rateLimit("switch", SwitchPerIP, SwitchPerAccount, time.Minute), s.handle(s.switchMembership))
	bound.GET("/me", s.handle(s.me))
}

func (s *server) login(c *gin.Context) error {
	var in struct {
		Code string `json:"code"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.auth.Login(c.Request.Context(), in.Code))
}

func (s *server) bindPhone(c *gin.Context) error {
	var in struct {
		PhoneCode string `json:"phone_code"`
		SchoolID  string `json:"school_id"`
		RegionID  string `json:"region_id"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.auth.BindPhone(c.Request.Context(), actorOf(c), auth.BindInput{PhoneCode: in.PhoneCode,
		SchoolID: in.SchoolID, RegionID: in.RegionID}))
}

func (s *server) join(c *gin.Context) error {
	var in struct {
		InviteCode     string `json:"invite_code"`
		Relation       string `json:"relation"`
		ConsentVersion string `json:"consent_version"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.auth.Join(c.Request.Context(), actorOf(c), auth.JoinInput{InviteCode: in.InviteCode,
		Relation: in.Relation, ConsentVersion: in.ConsentVersion}))
}

func (s *server) switchMembership(c *gin.Context) error {
	var in struct {
		SchoolID string `json:"school_id"`
		RegionID string `json:"region_id"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.auth.Switch(c.Request.Context(), actorOf(c), auth.SwitchInput{SchoolID: in.SchoolID,
		RegionID: in.RegionID}))
}

func (s *server) me(c *gin.Context) error {
	return reply(c, http.StatusOK)(s.auth.Me(c.Request.Context(), actorOf(c)))
}
