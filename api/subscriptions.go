package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// subscriptionRoutes: one-time subscribe-message consents granted in the mini-program.
func (s *server) subscriptionRoutes(bound *gin.RouterGroup) {
	bound.POST("/subscriptions", s.handle(s.addSubscription))
	bound.GET("/subscriptions", s.handle(s.listSubscriptions))
}

func (s *server) addSubscription(c *gin.Context) error {
	var in struct {
		Template string `json:"template"`
		Count    *int   `json:"count"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	count := 1 // one consent per wx.requestSubscribeMessage acceptance unless told otherwise
	if in.Count != nil {
		count = *in.Count
	}
	return reply(c, http.StatusCreated)(s.notify.AddSubscription(c.Request.Context(), actorOf(c), in.Template, count))
}

func (s *server) listSubscriptions(c *gin.Context) error {
	items, err := s.notify.Subscriptions(c.Request.Context(), actorOf(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}
