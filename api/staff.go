package api

import (
	"net/http"
	"schoolcheck/service/school"

	"github.com/gin-gonic/gin"
)

// adminRoutes: the school's staff roster and classes.
func (s *server) adminRoutes(_, _, bound *gin.RouterGroup) {
	bound.POST("/staff", s.handle(s.createStaff))
	bound.GET("/staff", s.handle(s.listStaff))
	bound.GET("/staff/:id", s.handle(s.getStaff))
	bound.PATCH("/staff/:id", s.handle(s.updateStaff))
	bound.DELETE("/staff/:id", s.handle(s.deleteStaff))
	bound.POST("/classes", s.handle(s.createClass))
	bound.GET("/classes", s.handle(s.listClasses))
	bound.PATCH("/classes/:id", s.handle(s.updateClass))
	bound.POST("/classes/:id/invite-code", s.handle(s.rotateInvite))
	bound.DELETE("/classes/:id/parents/:parent_id", s.handle(s.removeParent))
	bound.POST("/classes/:id/parents/:parent_id/readmit", s.handle(s.readmitParent))
}

// staffBody is the JSON of POST/PATCH /staff.
type staffBody struct {
	Name     *string   `json:"name"`
	Phone    *string   `json:"phone"`
	Roles    *[]string `json:"roles"`
	Subjects *[]string `json:"subjects"`
	Active   *bool     `json:"active"`
}

func (b staffBody) input() school.StaffInput {
	return school.StaffInput{Name: b.Name, Phone: b.Phone, Roles: b.Roles, Subjects: b.Subjects, Active: b.Active}
}

func (s *server) createStaff(c *gin.Context) error {
	var in staffBody
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	in.Active = nil
	return reply(c, http.StatusCreated)(s.school.CreateStaff(c.Request.Context(), actorOf(c), in.input()))
}

func (s *server) listStaff(c *gin.Context) error {
	page, err := pageQuery(c)
	if err != nil {
		return err
	}
	q := school.StaffQuery{Role: c.Query("role"), Page: page}
	if v := c.Query("active"); v != "" {
		b := v == "true"
		q.Active = &b
	}
	return reply(c, http.StatusOK)(s.school.ListStaff(c.Request.Context(), actorOf(c), q))
}

func (s *server) getStaff(c *gin.Context) error {
	return reply(c, http.StatusOK)(s.school.GetStaff(c.Request.Context(), actorOf(c), c.Param("id")))
}

func (s *server) updateStaff(c *gin.Context) error {
	var in staffBody
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.school.UpdateStaff(c.Request.Context(), actorOf(c), c.Param("id"), in.input()))
}

func (s *server) deleteStaff(c *gin.Context) error {
	if err := s.school.DeactivateStaff(c.Request.Context(), actorOf(c), c.Param("id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// classBody is the JSON of POST/PATCH /classes.
type classBody struct {
	Grade         *string `json:"grade"`
	Name          *string `json:"name"`
	HeadTeacherID *string `json:"head_teacher_id"`
	StudentCount  *int    `json:"student_count"`
}

func (b classBody) input() school.ClassInput {
	return school.ClassInput{Grade: b.Grade, Name: b.Name, HeadTeacherID: b.HeadTeacherID, StudentCount: b.StudentCount}
}

func (s *server) createClass(c *gin.Context) error {
	var in classBody
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusCreated)(s.school.CreateClass(c.Request.Context(), actorOf(c), in.input()))
}

func (s *server) listClasses(c *gin.Context) error {
	page, err := pageQuery(c)
	if err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.school.ListClasses(c.Request.Context(), actorOf(c), page))
}

func (s *server) updateClass(c *gin.Context) error {
	var in classBody
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	return reply(c, http.StatusOK)(s.school.UpdateClass(c.Request.Context(), actorOf(c), c.Param("id"), in.input()))
}

func (s *server) rotateInvite(c *gin.Context) error {
	return reply(c, http.StatusOK)(s.school.RotateInviteCode(c.Request.Context(), actorOf(c), c.Param("id")))
}

func (s *server) removeParent(c *gin.Context) error {
	if err := s.school.RemoveParent(c.Request.Context(), actorOf(c), c.Param("id"), c.Param("parent_id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func (s *server) readmitParent(c *gin.Context) error {
	return reply(c, http.StatusOK)(s.school.ReadmitParent(c.Request.Context(), actorOf(c), c.Param("id"), c.Param("parent_id")))
}
