package api_test

import (
	"net/http"
	"testing"

	"schoolcheck/api/apitest"
)

// obsWorld is a school with a leader who observes, two teachers, a class, and a parent.
type obsWorld struct {
	e              *apitest.Env
	sc             *apitest.School
	leader         *apitest.User
	teacher, other *apitest.User
	class          *apitest.Class
	parent         *apitest.User
}

func newObsWorld(t *testing.T) *obsWorld {
	e := apitest.New(t)
	sc := e.School()
	w := &obsWorld{e: e, sc: sc, leader: sc.Leader("教导主任"), teacher: sc.Teacher("语文老师"), other: sc.Teacher("数学老师")}
	w.class = sc.Class(w.teacher)
	w.parent = sc.Parent(w.class)
	return w
}

// scores gives every item of the default rubric n points.
func scores(n int) map[string]int {
	return map[string]int{"objectives": n, "content": n, "methods": n, "engagement": n, "outcomes": n}
}

// obsReq is an observation of teacher on date, 2nd period, every default item scored n.
func obsReq(teacherID, date string, n int) map[string]any {
	return map[string]any{"teacher_id": teacherID, "subject": "语文", "topic": "《秋天的雨》第一课时", "date": date,
		"period": 2, "kind": "routine", "scores": scores(n), "strengths": "导入自然，朗读指导扎实，学生参与度高",
		"suggestions": "小组讨论的时间可以再充分一些，关注后排学生"}
}

// with is a copy of a request with fields replaced (a nil value removes the field).
func with(req map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range req {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// observe files an observation and returns its id.
func observe(e *apitest.Env, token string, req map[string]any) string {
	e.T.Helper()
	return e.Post("observations", token, req).Want(http.StatusCreated).Str("id")
}

// lessonReq announces an open lesson of teacher on date, 3rd period.
func lessonReq(teacherID, date string) map[string]any {
	return map[string]any{"teacher_id": teacherID, "subject": "数学", "topic": "圆的面积", "date": date, "period": 3,
		"kind": "open", "room": "录播教室"}
}
