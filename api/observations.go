package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"schoolcheck/service"
	"schoolcheck/service/observations"
)

// observationRoutes mounts lesson observations (听课评课): the rubric, observations and their
// acknowledgement, open lessons with sign-ups, and the report.
func (s *server) observationRoutes(_, _, bound *gin.RouterGroup) {
	bound.GET("/observations/rubric", s.handle(s.getRubric))
	bound.PUT("/observations/rubric", s.handle(s.putRubric))
	bound.POST("/observations", s.handle(s.createObservation))
	bound.GET("/observations", s.handle(s.listObservations))
	bound.POST("/observations/lessons", s.handle(s.createLesson))
	bound.GET("/observations/lessons", s.handle(s.listLessons))
	bound.GET("/observations/lessons/:id", s.handle(s.getLesson))
	bound.POST("/observations/lessons/:id/attend", s.handle(s.attendLesson))
	bound.GET("/observations/:id", s.handle(s.getObservation))
	bound.PATCH("/observations/:id", s.handle(s.updateObservation))
	bound.POST("/observations/:id/acknowledge", s.handle(s.acknowledgeObservation))
	bound.GET("/reports/observations", s.handle(monthlyReport(s.observations.Report, s.observations.ReportXLSX)))
}

func (s *server) getRubric(c *gin.Context) error {
	version := 0
	if raw := c.Query("version"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return service.Invalid{"version": "应为正整数"}.Err()
		}
		version = n
	}
	return reply(c, http.StatusOK)(s.observations.GetRubric(c.Request.Context(), actorOf(c), version))
}

func (s *server) putRubric(c *gin.Context) error {
	var in struct {
		Items []observations.RubricItem `json:"items"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.observations.PutRubric(c.Request.Context(), actorOf(c), in.Items))
}

func (s *server) createObservation(c *gin.Context) error {
	var in struct {
		LessonID    string         `json:"lesson_id"`
		TeacherID   string         `json:"teacher_id"`
		ClassID     string         `json:"class_id"`
		Subject     string         `json:"subject"`
		Topic       string         `json:"topic"`
		Date        string         `json:"date"`
		Period      int            `json:"period"`
		Kind        string         `json:"kind"`
		Scores      map[string]int `json:"scores"`
		Strengths   string         `json:"strengths"`
		Suggestions string         `json:"suggestions"`
		PhotoIDs    []string       `json:"photo_ids"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusCreated)(s.observations.CreateObservation(c.Request.Context(), actorOf(c),
		observations.ObservationInput{LessonID: in.LessonID, TeacherID: in.TeacherID, ClassID: in.ClassID,
			Subject: in.Subject, Topic: in.Topic, Date: in.Date, Period: in.Period, Kind: in.Kind, Scores: in.Scores,
			Strengths: in.Strengths, Suggestions: in.Suggestions, PhotoIDs: in.PhotoIDs}))
}

func (s *server) listObservations(c *gin.Context) error {
	page, err := pageQuery(c)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.observations.ListObservations(c.Request.Context(), actorOf(c),
		observations.ObservationQuery{TeacherID: c.Query("teacher_id"), ObserverID: c.Query("observer_id"),
			Subject: c.Query("subject"), Kind: c.Query("kind"), From: c.Query("from"), To: c.Query("to"),
			Overdue: c.Query("overdue"), Page: page}))
}

func (s *server) getObservation(c *gin.Context) error {
	return reply(c, http.StatusOK)(s.observations.GetObservation(c.Request.Context(), actorOf(c), c.Param("id")))
}

func (s *server) updateObservation(c *gin.Context) error {
	var in struct {
		Subject     *string         `json:"subject"`
		Topic       *string         `json:"topic"`
		Date        *string         `json:"date"`
		Period      *int            `json:"period"`
		Kind        *string         `json:"kind"`
		Scores      *map[string]int `json:"scores"`
		Strengths   *string         `json:"strengths"`
		Suggestions *string         `json:"suggestions"`
		PhotoIDs    *[]string       `json:"photo_ids"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.observations.UpdateObservation(c.Request.Context(), actorOf(c), c.Param("id"),
		observations.ObservationPatch{Subject: in.Subject, Topic: in.Topic, Date: in.Date, Period: in.Period,
			Kind: in.Kind, Scores: in.Scores, Strengths: in.Strengths, Suggestions: in.Suggestions, PhotoIDs: in.PhotoIDs}))
}

func (s *server) acknowledgeObservation(c *gin.Context) error {
	var in struct {
		Reflection string `json:"reflection"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.observations.Acknowledge(c.Request.Context(), actorOf(c), c.Param("id"), in.Reflection))
}

func (s *server) createLesson(c *gin.Context) error {
	var in struct {
		TeacherID string `json:"teacher_id"`
		ClassID   string `json:"class_id"`
		Subject   string `json:"subject"`
		Topic     string `json:"topic"`
		Date      string `json:"date"`
		Period    int    `json:"period"`
		Kind      string `json:"kind"`
		Room      string `json:"room"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusCreated)(s.observations.CreateLesson(c.Request.Context(), actorOf(c),
		observations.LessonInput{TeacherID: in.TeacherID, ClassID: in.ClassID, Subject: in.Subject, Topic: in.Topic,
			Date: in.Date, Period: in.Period, Kind: in.Kind, Room: in.Room}))
}

func (s *server) listLessons(c *gin.Context) error {
	page, err := pageQuery(c)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.observations.ListLessons(c.Request.Context(), actorOf(c),
		observations.LessonQuery{From: c.Query("from"), To: c.Query("to"), TeacherID: c.Query("teacher_id"), Page: page}))
}

func (s *server) getLesson(c *gin.Context) error {
	return reply(c, http.StatusOK)(s.observations.GetLesson(c.Request.Context(), actorOf(c), c.Param("id")))
}

func (s *server) attendLesson(c *gin.Context) error {
	return reply(c, http.StatusOK)(s.observations.Attend(c.Request.Context(), actorOf(c), c.Param("id")))
}
