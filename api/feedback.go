package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"schoolcheck/service"
	"schoolcheck/service/meals"
)

// feedbackRoutes: parents' feedback on school meals and the school's answers.
func (s *server) feedbackRoutes(bound *gin.RouterGroup) {
	// Writing feedback or a reply asks WeChat's msgSecCheck: one bucket per account for both.
	limit := s.rateLimit("feedback", FeedbackPerIP, FeedbackPerAccount, time.Minute)
	bound.POST("/feedback", limit, s.handle(s.createFeedback))
	bound.GET("/feedback", s.handle(s.listFeedback))
	bound.GET("/feedback/:id", s.handle(s.getFeedback))
	bound.POST("/feedback/:id/replies", limit, s.handle(s.replyFeedback))
	bound.POST("/feedback/:id/close", s.handle(s.closeFeedback))
}

func (s *server) createFeedback(c *gin.Context) error {
	var in struct {
		Category string   `json:"category"`
		Content  string   `json:"content"`
		MealID   string   `json:"meal_id"`
		Date     string   `json:"date"`
		Meal     string   `json:"meal"`
		PhotoIDs []string `json:"photo_ids"`
		ClassID  string   `json:"class_id"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusCreated)(s.meals.CreateFeedback(c.Request.Context(), actorOf(c), meals.FeedbackInput{Category: in.Category,
		Content: in.Content, MealID: in.MealID, Date: in.Date, Meal: in.Meal, PhotoIDs: in.PhotoIDs, ClassID: in.ClassID}))
}

func (s *server) listFeedback(c *gin.Context) error {
	page, err := pageQuery(c)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.meals.ListFeedback(c.Request.Context(), actorOf(c), meals.FeedbackQuery{Status: c.Query("status"), Page: page}))
}

func (s *server) getFeedback(c *gin.Context) error {
	return reply(c, http.StatusOK)(s.meals.GetFeedback(c.Request.Context(), actorOf(c), c.Param("id")))
}

func (s *server) replyFeedback(c *gin.Context) error {
	var in struct {
		Content string `json:"content"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusCreated)(s.meals.ReplyFeedback(c.Request.Context(), actorOf(c), c.Param("id"), in.Content))
}

func (s *server) closeFeedback(c *gin.Context) error {
	var in struct {
		Satisfied *bool `json:"satisfied"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	if in.Satisfied == nil {
		return service.E(service.ErrInvalid, "invalid_argument", "请说明是否满意").Field("satisfied", "必填")
	}
	return reply(c, http.StatusOK)(s.meals.CloseFeedback(c.Request.Context(), actorOf(c), c.Param("id"), *in.Satisfied))
}
