package api

import (
	"net/http"
	"schoolcheck/service/meals"

	"github.com/gin-gonic/gin"
)

// mealRoutes mounts the accompanied-meals module: photos, 陪餐 records and the duty roster, parent feedback,
// subscribe-message consents and the meals report.
func (s *server) mealRoutes(open, login, bound *gin.RouterGroup) {
	s.photoRoutes(open, login, bound)
	bound.POST("/meals", s.handle(s.createMeal))
	bound.GET("/meals", s.handle(s.listMeals))
	bound.GET("/meals/duty", s.handle(s.mealDuties))
	bound.PUT("/meals/duty", s.handle(s.setMealDuty))
	bound.GET("/meals/:id", s.handle(s.getMeal))
	bound.PATCH("/meals/:id", s.handle(s.updateMeal))
	s.feedbackRoutes(bound)
	s.subscriptionRoutes(bound)
	bound.GET("/reports/meals", s.handle(monthlyReport(s.meals.Report, s.meals.ReportXLSX)))
}

// mealBody is the JSON of POST /meals.
type mealBody struct {
	Date     string            `json:"date"`
	Meal     string            `json:"meal"`
	Dishes   []string          `json:"dishes"`
	Ratings  meals.MealRatings `json:"ratings"`
	Comment  string            `json:"comment"`
	Issues   string            `json:"issues"`
	PhotoIDs []string          `json:"photo_ids"`
	ClassID  string            `json:"class_id"`
}

func (s *server) createMeal(c *gin.Context) error {
	var in mealBody
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusCreated)(s.meals.CreateMeal(c.Request.Context(), actorOf(c), meals.MealInput{Date: in.Date, Meal: in.Meal,
		Dishes: in.Dishes, Ratings: in.Ratings, Comment: in.Comment, Issues: in.Issues, PhotoIDs: in.PhotoIDs,
		ClassID: in.ClassID}))
}

func (s *server) listMeals(c *gin.Context) error {
	page, err := pageQuery(c)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.meals.ListMeals(c.Request.Context(), actorOf(c), meals.MealQuery{From: c.Query("from"),
		To: c.Query("to"), Meal: c.Query("meal"), Role: c.Query("role"), Page: page}))
}

func (s *server) getMeal(c *gin.Context) error {
	return reply(c, http.StatusOK)(s.meals.GetMeal(c.Request.Context(), actorOf(c), c.Param("id")))
}

func (s *server) updateMeal(c *gin.Context) error {
	var in struct {
		Dishes   *[]string          `json:"dishes"`
		Ratings  *meals.MealRatings `json:"ratings"`
		Comment  *string            `json:"comment"`
		Issues   *string            `json:"issues"`
		PhotoIDs *[]string          `json:"photo_ids"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.meals.UpdateMeal(c.Request.Context(), actorOf(c), c.Param("id"), meals.MealPatch{Dishes: in.Dishes,
		Ratings: in.Ratings, Comment: in.Comment, Issues: in.Issues, PhotoIDs: in.PhotoIDs}))
}

func (s *server) setMealDuty(c *gin.Context) error {
	var in struct {
		Date     string  `json:"date"`
		Meal     string  `json:"meal"`
		LeaderID *string `json:"leader_id"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	leader := ""
	if in.LeaderID != nil {
		leader = *in.LeaderID
	}
	return reply(c, http.StatusOK)(s.meals.SetMealDuty(c.Request.Context(), actorOf(c), meals.MealDutyInput{Date: in.Date, Meal: in.Meal,
		LeaderID: leader}))
}

func (s *server) mealDuties(c *gin.Context) error {
	items, err := s.meals.MealDuties(c.Request.Context(), actorOf(c), c.Query("from"), c.Query("to"))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}
