package wechattest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Errcodes and messages as WeChat sends them.
const (
	errInvalidToken  = 40001
	errExpiredToken  = 42001
	errInvalidCode   = 40029
	errCodeUsed      = 40163
	errInvalidAppID  = 40013
	errInvalidSecret = 40125
	errInvalidOpenID = 40003
	errInvalidTmpl   = 40037
	errBadArgs       = 47001
	errBadData       = 47003
)

// keywordLimits are the lengths WeChat accepts per subscribe-message keyword type, in characters; a longer
// or empty value draws 47003, as the real send does.
var keywordLimits = map[string]int{"thing": 20, "name": 10, "phrase": 5, "character_string": 32, "number": 32,
	"letter": 32, "symbol": 5, "car_number": 8, "phone_number": 17, "amount": 11, "time": 32, "date": 32}

type obj = map[string]any

// serve records the request, applies the programmed failures, then answers like the endpoint would.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Body: body})
	down, delay := s.down, s.delay
	failStatus := 0
	if !down && s.failN > 0 {
		s.failN--
		failStatus = s.failStatus
	}
	injectedCode := 0
	if inj := s.errcodes[r.URL.Path]; inj != nil && !down && failStatus == 0 && inj.n > 0 {
		inj.n--
		injectedCode = inj.code
	}
	s.mu.Unlock()

	if down {
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	if failStatus != 0 {
		http.Error(w, "fake wechat: injected failure", failStatus)
		return
	}
	if injectedCode != 0 {
		writeErr(w, injectedCode, fmt.Sprintf("injected errcode %d", injectedCode))
		return
	}

	switch r.URL.Path {
	case "/cgi-bin/token":
		q := r.URL.Query()
		s.issueToken(w, q.Get("appid"), q.Get("secret"))
	case "/cgi-bin/stable_token":
		var in struct{ AppID, Secret string }
		_ = json.Unmarshal(body, &in)
		s.issueToken(w, in.AppID, in.Secret)
	case "/sns/jscode2session":
		s.code2Session(w, r)
	case "/wxa/business/getuserphonenumber":
		s.withToken(w, r, func() { s.phoneNumber(w, body) })
	case "/wxa/msg_sec_check":
		s.withToken(w, r, func() { s.msgSecCheck(w, body) })
	case "/cgi-bin/message/subscribe/send":
		s.withToken(w, r, func() { s.subscribeSend(w, body) })
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, v obj) {
	w.Header().Set("Content-Type", "application/json; encoding=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, obj{"errcode": code, "errmsg": msg + ", rid: 0000-fake"})
}

func credentialsErr(w http.ResponseWriter, appID, secret string) bool {
	switch {
	case appID != AppID:
		writeErr(w, errInvalidAppID, "invalid appid")
	case secret != AppSecret:
		writeErr(w, errInvalidSecret, "invalid appsecret")
	default:
		return false
	}
	return true
}

func (s *Server) issueToken(w http.ResponseWriter, appID, secret string) {
	if credentialsErr(w, appID, secret) {
		return
	}
	s.mu.Lock()
	s.tokenSeq++
	tok := fmt.Sprintf("fake-token-%d-%d", s.tokenSeq, time.Now().UnixNano())
	s.tokens[tok] = true
	s.mu.Unlock()
	writeJSON(w, obj{"access_token": tok, "expires_in": 7200})
}

// withToken runs next only for a valid access_token: unknown -> 40001, expired -> 42001.
func (s *Server) withToken(w http.ResponseWriter, r *http.Request, next func()) {
	if r.Method != http.MethodPost {
		writeErr(w, 43002, "require POST method")
		return
	}
	s.mu.Lock()
	valid, known := s.tokens[r.URL.Query().Get("access_token")]
	s.mu.Unlock()
	switch {
	case !known:
		writeErr(w, errInvalidToken, "invalid credential, access_token is invalid or not latest")
	case !valid:
		writeErr(w, errExpiredToken, "access_token expired")
	default:
		next()
	}
}

func (s *Server) code2Session(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if credentialsErr(w, q.Get("appid"), q.Get("secret")) {
		return
	}
	if q.Get("grant_type") != "authorization_code" {
		writeErr(w, errBadArgs, "data format error")
		return
	}
	s.mu.Lock()
	c := s.codes[q.Get("js_code")]
	used := c != nil && c.used
	if c != nil {
		c.used = true
	}
	s.mu.Unlock()
	switch {
	case c == nil:
		writeErr(w, errInvalidCode, "invalid code")
	case used:
		writeErr(w, errCodeUsed, "code been used")
	default:
		res := obj{"openid": c.openID, "session_key": "fake-session-key-" + c.openID}
		if c.unionID != "" {
			res["unionid"] = c.unionID
		}
		writeJSON(w, res)
	}
}

func (s *Server) phoneNumber(w http.ResponseWriter, body []byte) {
	var in struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(body, &in)
	s.mu.Lock()
	c := s.phoneCodes[in.Code]
	used := c != nil && c.used
	if c != nil {
		c.used = true
	}
	s.mu.Unlock()
	switch {
	case c == nil:
		writeErr(w, errInvalidCode, "invalid code")
	case used:
		writeErr(w, errCodeUsed, "code been used")
	default:
		cc, pure := splitPhone(c.phone)
		full := pure
		if cc != "86" {
			full = "+" + cc + pure
		}
		writeJSON(w, obj{"errcode": 0, "errmsg": "ok", "phone_info": obj{
			"phoneNumber": full, "purePhoneNumber": pure, "countryCode": cc,
			"watermark": obj{"appid": AppID, "timestamp": time.Now().Unix()},
		}})
	}
}

func (s *Server) msgSecCheck(w http.ResponseWriter, body []byte) {
	var in struct {
		OpenID  string `json:"openid"`
		Scene   int    `json:"scene"`
		Content string `json:"content"`
		Version int    `json:"version"`
	}
	if json.Unmarshal(body, &in) != nil || in.Version != 2 || in.Scene < 1 || in.Scene > 4 {
		writeErr(w, errBadArgs, "data format error")
		return
	}
	if in.OpenID == "" {
		writeErr(w, errInvalidOpenID, "invalid openid")
		return
	}
	suggest, label := "pass", 100
	s.mu.Lock()
	for _, v := range s.verdicts {
		if strings.Contains(in.Content, v.substr) {
			suggest, label = v.suggest, 20003
			break
		}
	}
	s.mu.Unlock()
	writeJSON(w, obj{"errcode": 0, "errmsg": "ok", "trace_id": "fake-trace",
		"result": obj{"suggest": suggest, "label": label},
		"detail": []obj{{"strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90}},
	})
}

func (s *Server) subscribeSend(w http.ResponseWriter, body []byte) {
	var in struct {
		ToUser           string `json:"touser"`
		TemplateID       string `json:"template_id"`
		Page             string `json:"page"`
		MiniprogramState string `json:"miniprogram_state"`
		Data             map[string]struct {
			Value any `json:"value"`
		} `json:"data"`
	}
	switch {
	case json.Unmarshal(body, &in) != nil:
		writeErr(w, errBadArgs, "data format error")
		return
	case in.ToUser == "":
		writeErr(w, errInvalidOpenID, "invalid openid")
		return
	case in.TemplateID == "":
		writeErr(w, errInvalidTmpl, "invalid template_id")
		return
	}
	for k, v := range in.Data {
		val := fmt.Sprint(v.Value)
		limit, known := keywordLimits[strings.TrimRight(k, "0123456789")]
		if !known || val == "" || len([]rune(val)) > limit {
			writeErr(w, errBadData, "argument invalid! data."+k+".value invalid")
			return
		}
	}
	sent := SentSubscribe{ToUser: in.ToUser, TemplateID: in.TemplateID, Page: in.Page,
		MiniprogramState: in.MiniprogramState, Data: map[string]string{}}
	for k, v := range in.Data {
		sent.Data[k] = fmt.Sprint(v.Value)
	}
	s.mu.Lock()
	s.sent = append(s.sent, sent)
	s.mu.Unlock()
	writeJSON(w, obj{"errcode": 0, "errmsg": "ok", "msgid": time.Now().UnixNano()})
}
