package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"time"

	"schoolcheck/service"
	"schoolcheck/service/auth"
	"schoolcheck/service/school"
)

// The scenarios after the rush, each on schools of their own (-scenario-schools, each with 10 leaders and a
// class of 20 parents): the canteen burst (every leader uploads a 3 MB photo and files the lunch with it),
// parents' feedback, and report reads (the principal's monthly meal and attendance reports). Each client
// sends its own X-Forwarded-For (the in-process server trusts loopback as its proxy), as users behind a
// school's or a carrier's many addresses do, so the per-address limits count them apart; the per-account
// limits hold as in production (a parent sends at most 10 feedbacks a minute).

// scenarioWorld is one scenario school.
type scenarioWorld struct {
	principal string
	leaders   []string
	parents   []string
}

// scenarios runs the three scenarios and prints their table.
func scenarios(ctx context.Context, e *env, c config) error {
	if c.scenarioSchools == 0 {
		return nil
	}
	worlds := make([]scenarioWorld, c.scenarioSchools)
	start := time.Now()
	for i := range worlds {
		w, err := e.scenarioSchool(ctx, i)
		if err != nil {
			return fmt.Errorf("scenario school %d: %w", i, err)
		}
		worlds[i] = w
	}
	fmt.Printf("\nscenarios: %d schools × (10 leaders, 20 parents) set up in %s\n", len(worlds), time.Since(start).Round(time.Millisecond))
	photo, err := threeMegabytePhoto()
	if err != nil {
		return err
	}
	var leaders, parents, principals []string
	for _, w := range worlds {
		leaders = append(leaders, w.leaders...)
		parents = append(parents, w.parents...)
		principals = append(principals, w.principal)
	}
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
		MaxIdleConns: c.concurrency, MaxIdleConnsPerHost: c.concurrency, IdleConnTimeout: time.Minute}}
	defer client.CloseIdleConnections()
	today := time.Now().In(shanghai).Format(time.DateOnly)
	month := today[:7]
	sc := func(requests, concurrency int) config {
		s := c
		s.requests, s.concurrency = requests, concurrency
		return s
	}

	type outcome struct {
		name string
		r    *result
	}
	var out []outcome
	// Canteen burst: each leader once (one lunch record per leader and day), 8 at a time (a canteen's
	// leaders on the canteen WiFi; a 3 MB photo is half a second of CPU to re-encode).
	canteen, err := drive(ctx, sc(len(leaders), min(8, c.concurrency)), func(ctx context.Context, i int) (int, error) {
		tok := leaders[i]
		status, body, err := send(ctx, client, e.baseURL, http.MethodPost, "/api/v1/photos", tok, i, multipartPhoto(photo))
		if err != nil || status != http.StatusCreated {
			return status, err
		}
		var p struct{ ID string }
		if err := json.Unmarshal(body, &p); err != nil {
			return 0, err
		}
		meal := map[string]any{"date": today, "meal": "lunch", "dishes": []string{"红烧肉", "炒青菜"},
			"ratings": map[string]int{"hygiene": 5, "taste": 4, "quantity": 4, "temperature": 4, "price": 5},
			"comment": "饭菜温度合适", "issues": "", "photo_ids": []string{p.ID}}
		status, _, err = send(ctx, client, e.baseURL, http.MethodPost, "/api/v1/meals", tok, i, jsonBody(meal))
		return status, err
	})
	if err != nil {
		return err
	}
	out = append(out, outcome{fmt.Sprintf("canteen: 3 MB photo (%.1f MB) + POST /meals", float64(len(photo))/1e6), canteen})
	// Parents' feedback: five each, in random order.
	order := rand.Perm(len(parents) * 5)
	fb, err := drive(ctx, sc(len(order), c.concurrency), func(ctx context.Context, i int) (int, error) {
		k := order[i]
		body := jsonBody(map[string]any{"category": "taste", "content": fmt.Sprintf("今天的汤有点咸（第%d条）", k)})
		status, _, err := send(ctx, client, e.baseURL, http.MethodPost, "/api/v1/feedback", parents[k%len(parents)], k, body)
		return status, err
	})
	if err != nil {
		return err
	}
	out = append(out, outcome{"parents: POST /feedback", fb})
	// Report reads: the principals read this month's meal and attendance reports, 20 each.
	reports := []string{"/api/v1/reports/meals?month=" + month, "/api/v1/reports/attendance?month=" + month}
	rr, err := drive(ctx, sc(len(principals)*20, c.concurrency), func(ctx context.Context, i int) (int, error) {
		status, _, err := send(ctx, client, e.baseURL, http.MethodGet, reports[i%2], principals[i%len(principals)], i, nil)
		return status, err
	})
	if err != nil {
		return err
	}
	out = append(out, outcome{"principals: GET /reports/{meals,attendance}", rr})
	fmt.Println()
	header()
	for _, o := range out {
		row(o.name, o.r)
	}
	return nil
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// body is a request body and its content type.
type body struct {
	contentType string
	data        []byte
}

func jsonBody(v any) *body {
	raw, _ := json.Marshal(v)
	return &body{"application/json", raw}
}

func multipartPhoto(photo []byte) *body {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("purpose", "meal")
	fw, _ := mw.CreateFormFile("file", "canteen.jpg")
	_, _ = fw.Write(photo)
	_ = mw.Close()
	return &body{mw.FormDataContentType(), b.Bytes()}
}

// send makes one request as the user with the token, from client address number n, and reads the answer.
func send(ctx context.Context, client *http.Client, base, method, path, token string, n int, b *body) (int, []byte, error) {
	var r io.Reader
	if b != nil {
		r = bytes.NewReader(b.data)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, r)
	if err != nil {
		return 0, nil, err
	}
	if b != nil {
		req.Header.Set("Content-Type", b.contentType)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", n>>16&0xff, n>>8&0xff, n&0xff))
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// threeMegabytePhoto is a 2000×1500 JPEG of gradients and per-pixel noise of about 3 MB, as a phone's
// canteen photo after the mini-program's compression.
func threeMegabytePhoto() ([]byte, error) {
	const w, h = 2000, 1500
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for y := range h {
		for x := range w {
			n := uint8(rng.IntN(48))
			img.SetRGBA(x, y, color.RGBA{uint8(x*200/w) + n, uint8(y*200/h) + n, uint8((x+y)%200) + n, 255})
		}
	}
	for q := 60; q <= 100; q += 5 {
		var b bytes.Buffer
		if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: q}); err != nil {
			return nil, err
		}
		if b.Len() >= 3_000_000 || q == 100 {
			return b.Bytes(), nil
		}
	}
	return nil, nil
}

// scenarioSchool sets up a school with 10 leaders and a class of 20 parents, through the service.
func (e *env) scenarioSchool(ctx context.Context, i int) (scenarioWorld, error) {
	var w scenarioWorld
	phone := func(j int) string { return fmt.Sprintf("16%05d%04d", i, j) }
	if _, err := e.app.School.Bootstrap(ctx, school.BootstrapInput{Region: "压测区-" + e.runID,
		School: fmt.Sprintf("场景学校-%s-%04d", e.runID, i), PrincipalName: "场景校长", PrincipalPhone: phone(0)}); err != nil {
		return w, err
	}
	p, err := e.bind(ctx, fmt.Sprintf("sc%ss%dp", e.runID, i), phone(0))
	if err != nil {
		return w, err
	}
	w.principal = p.token
	pa, err := e.app.Auth.Authenticate(ctx, p.token)
	if err != nil {
		return w, err
	}
	var head string
	for j := 1; j <= 11; j++ {
		name, ph := fmt.Sprintf("领导%02d", j), phone(j)
		roles, subjects := []string{service.RoleLeader}, []string{"语文"}
		if j == 11 {
			name, roles = "班主任", []string{service.RoleTeacher}
		}
		st, err := e.app.School.CreateStaff(ctx, pa, school.StaffInput{Name: &name, Phone: &ph, Roles: &roles, Subjects: &subjects})
		if err != nil {
			return w, err
		}
		m, err := e.bind(ctx, fmt.Sprintf("sc%ss%dl%d", e.runID, i, j), ph)
		if err != nil {
			return w, err
		}
		if j == 11 {
			head = st.ID
		} else {
			w.leaders = append(w.leaders, m.token)
		}
	}
	grade, cname, count := "三年级", "2班", 40
	class, err := e.app.School.CreateClass(ctx, pa, school.ClassInput{Grade: &grade, Name: &cname, HeadTeacherID: &head, StudentCount: &count})
	if err != nil {
		return w, err
	}
	for j := range 20 {
		s, err := e.app.Auth.Login(ctx, fmt.Sprintf("dev:sc%ss%dparent%d", e.runID, i, j))
		if err != nil {
			return w, err
		}
		a, err := e.app.Auth.Authenticate(ctx, s.Token)
		if err != nil {
			return w, err
		}
		if s, err = e.app.Auth.Join(ctx, a, auth.JoinInput{InviteCode: class.InviteCode, Relation: "mother",
			ConsentVersion: "2026-09"}); err != nil {
			return w, err
		}
		w.parents = append(w.parents, s.Token)
	}
	return w, nil
}
