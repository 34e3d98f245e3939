package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"schoolcheck/service/attendance"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// attendanceRoutes mounts office sign-in (坐班): punches, the office QR code and its display pages (served
// outside /api/v1, without login), day statuses, leave and make-up requests, and the monthly report.
func (s *server) attendanceRoutes(r *gin.Engine) func(open, login, bound *gin.RouterGroup) {
	return func(_, _, bound *gin.RouterGroup) {
		bound.POST("/attendance/punches", s.handle(s.punch))
		bound.GET("/attendance/qr", s.handle(s.officeQR))
		bound.GET("/attendance/days", s.handle(s.attendanceDays))
		bound.POST("/attendance/displays", s.handle(s.createDisplay))
		s.replayWith("/api/v1/attendance/displays", s.replayDisplay)
		bound.GET("/attendance/displays", s.handle(s.listDisplays))
		bound.DELETE("/attendance/displays/:id", s.handle(s.revokeDisplay))
		bound.POST("/attendance/leaves", s.handle(s.requestLeave))
		bound.POST("/attendance/corrections", s.handle(s.requestCorrection))
		bound.GET("/attendance/requests", s.handle(s.listRequests))
		bound.POST("/attendance/requests/:id/decision", s.handle(s.decideRequest))
		bound.GET("/reports/attendance", s.handle(monthlyReport(s.attendance.Report, s.attendance.ReportXLSX)))
		limit := s.rateLimit("display", 120, 0, time.Minute)
		r.GET("/display/:token", limit, s.displayPage)
		r.GET("/display/:token/qr.json", limit, s.handle(s.displayQR))
		r.GET("/q/:token", limit, s.qrLanding)
	}
}

// punchBody is the JSON of POST /attendance/punches. The client sends no time: the server's clock rules.
type punchBody struct {
	Kind      string   `json:"kind"`
	Lat       *float64 `json:"lat"`
	Lng       *float64 `json:"lng"`
	AccuracyM *float64 `json:"accuracy_m"`
	QRToken   string   `json:"qr_token"`
}

// punch answers 201 with a new punch, or 200 with the day's first "in" when a second "in" kept it.
func (s *server) punch(c *gin.Context) error {
	var in punchBody
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	out, created, err := s.attendance.Punch(c.Request.Context(), actorOf(c), attendance.PunchInput{Kind: in.Kind, Lat: in.Lat,
		Lng: in.Lng, AccuracyM: in.AccuracyM, QRToken: in.QRToken})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if !created {
		status = http.StatusOK
	}
	c.JSON(status, out)
	return nil
}

func (s *server) officeQR(c *gin.Context) error {
	out, err := s.attendance.OfficeQR(c.Request.Context(), actorOf(c))
	if err != nil {
		return err
	}
	out.Content = attendance.QRLink(s.publicURL, out.Token)
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
	return nil
}

func (s *server) attendanceDays(c *gin.Context) error {
	items, err := s.attendance.AttendanceDays(c.Request.Context(), actorOf(c), attendance.AttendanceDaysQuery{
		Month: c.Query("month"), UserID: c.Query("user_id")})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}

// displayOut is a display link as the API shows it; url carries the secret and is only in the 201 answer.
type displayOut struct {
	attendance.Display
	URL string `json:"url,omitempty"`
}

func (s *server) createDisplay(c *gin.Context) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	d, err := s.attendance.CreateDisplay(c.Request.Context(), actorOf(c), in.Name)
	if err != nil {
		return err
	}
	// The link is a credential: the idempotency store keeps the answer without it, and a retry with the same
	// key gets the same link with a fresh URL (replayDisplay), never a second live link.
	keepForReplay(c, displayOut{Display: d})
	c.JSON(http.StatusCreated, s.displayOut(d))
	return nil
}

// replayDisplay answers a retried POST /attendance/displays: the link the first call created, with a new
// secret, so the URL the client lost stops working and only the one it gets now is live.
func (s *server) replayDisplay(c *gin.Context, stored []byte) error {
	var first displayOut
	if err := json.Unmarshal(stored, &first); err != nil || first.ID == "" {
		return fmt.Errorf("idempotency: stored display answer: %w", err)
	}
	d, err := s.attendance.ReissueDisplay(c.Request.Context(), actorOf(c), first.ID)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, s.displayOut(d))
	return nil
}

func (s *server) displayOut(d attendance.Display) displayOut {
	return displayOut{Display: d, URL: strings.TrimRight(s.publicURL, "/") + "/display/" + d.Token}
}

func (s *server) listDisplays(c *gin.Context) error {
	items, err := s.attendance.ListDisplays(c.Request.Context(), actorOf(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}

func (s *server) revokeDisplay(c *gin.Context) error {
	if err := s.attendance.RevokeDisplay(c.Request.Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
