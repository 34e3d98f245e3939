package wechat

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"

	"github.com/silenceper/wechat/v2/miniprogram/business"
	"github.com/silenceper/wechat/v2/miniprogram/security"
	"github.com/silenceper/wechat/v2/miniprogram/subscribe"
	"github.com/silenceper/wechat/v2/util"
)

// subscribeSendURL is the SDK's endpoint; we call it ourselves because subscribe.Send takes no context.
const subscribeSendURL = "https://" + wechatHost + "/cgi-bin/message/subscribe/send?access_token="

// codeShape is what wx.login and getPhoneNumber codes look like. The SDK pastes the login code into the URL
// unescaped, so anything else is refused before it could add query parameters.
var codeShape = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

// Code2Session exchanges a wx.login code for the user's openid (and unionid when WeChat gives one). The code is
// single-use, so it is never retried; the session_key WeChat returns is dropped here.
func (c *Client) Code2Session(ctx context.Context, code string) (Session, error) {
	if !codeShape.MatchString(code) {
		return Session{}, fmt.Errorf("wechat code2session: %w: malformed code", ErrInvalidCode)
	}
	ctx, tr := withTrace(ctx)
	res, err := c.mp.GetAuth().Code2SessionContext(ctx, code)
	if err != nil {
		return Session{}, c.classify(ctx, "code2session", tr, err, codeErrors)
	}
	if res.OpenID == "" {
		return Session{}, fmt.Errorf("wechat code2session: %w: answer without openid", ErrUnavailable)
	}
	return Session{OpenID: res.OpenID, UnionID: res.UnionID}, nil
}

// PhoneNumber exchanges a getPhoneNumber code for the user's phone number without country code
// (purePhoneNumber), which is how staff rosters store phones.
func (c *Client) PhoneNumber(ctx context.Context, phoneCode string) (string, error) {
	if !codeShape.MatchString(phoneCode) {
		return "", fmt.Errorf("wechat phone number: %w: malformed code", ErrInvalidCode)
	}
	var info business.PhoneInfo
	err := c.withToken(ctx, "phone number", codeErrors, func(ctx context.Context) error {
		var err error
		info, err = c.mp.GetBusiness().GetPhoneNumberWithContext(ctx, &business.GetPhoneNumberRequest{Code: phoneCode})
		return err
	})
	if err != nil {
		return "", err
	}
	if info.PurePhoneNumber == "" {
		return "", fmt.Errorf("wechat phone number: %w: answer without phone", ErrUnavailable)
	}
	return info.PurePhoneNumber, nil
}

// CheckText asks msgSecCheck (version 2, scene 2 "comment") about text written by openID. WeChat answers
// errcode 0 for risky text too, so the verdict comes from result.suggest; an unknown suggestion is "review".
func (c *Client) CheckText(ctx context.Context, openID, text string) (Verdict, error) {
	var res security.MsgCheckResponse
	err := c.withToken(ctx, "msg_sec_check", nil, func(ctx context.Context) error {
		var err error
		res, err = c.mp.GetSecurity().MsgCheckContext(ctx, &security.MsgCheckRequest{
			OpenID: openID, Scene: security.MsgSceneComment, Content: text,
		})
		return err
	})
	if err != nil {
		return "", err
	}
	switch Verdict(res.Result.Suggest) {
	case VerdictPass:
		return VerdictPass, nil
	case VerdictRisky:
		return VerdictRisky, nil
	default:
		return VerdictReview, nil
	}
}

// SendSubscribe sends a one-time subscribe message and returns WeChat's msgid for it. A user without
// remaining consent gives ErrSubscriptionRefused; a template name missing from Config.Templates gives
// ErrNoTemplate.
func (c *Client) SendSubscribe(ctx context.Context, m SubscribeMessage) (string, error) {
	id := c.templates[m.Template]
	if id == "" {
		return "", fmt.Errorf("wechat subscribe send %q: %w", m.Template, ErrNoTemplate)
	}
	msg := &subscribe.Message{
		ToUser: m.ToOpenID, TemplateID: id, Page: m.Page, MiniprogramState: c.state, Lang: "zh_CN",
		Data: make(map[string]*subscribe.DataItem, len(m.Data)),
	}
	for k, v := range m.Data {
		msg.Data[k] = &subscribe.DataItem{Value: v}
	}
	var msgID string
	kinds := map[int]error{codeRefused: ErrSubscriptionRefused}
	err := c.withToken(ctx, "subscribe send", kinds, func(ctx context.Context) error {
		token, err := c.mp.GetContext().GetAccessTokenContext(ctx)
		if err != nil {
			return err
		}
		body, err := util.PostJSONContext(ctx, subscribeSendURL+url.QueryEscape(token), msg)
		if err != nil {
			return err
		}
		if err := util.DecodeWithCommonError(body, "subscribe.Send"); err != nil {
			return err
		}
		var out struct {
			MsgID json.Number `json:"msgid"`
		}
		if json.Unmarshal(body, &out) == nil {
			msgID = out.MsgID.String()
		}
		return nil
	})
	return msgID, err
}

// withToken runs an access-token call; when WeChat rejects the token (40001, 40014, 42001) it drops that token
// from the cache, unless another call already replaced it, and runs the call once more.
func (c *Client) withToken(ctx context.Context, op string, kinds map[int]error, call func(context.Context) error) error {
	ctx, tr := withTrace(ctx)
	token, err := c.mp.GetContext().GetAccessTokenContext(ctx)
	if err == nil {
		err = call(ctx)
		if isTokenRejected(err) {
			c.log.Warn("wechat rejected the access token; fetching a new one", "op", op)
			if derr := c.tokens.deleteIfEqual(c.tokenKey, token); derr != nil {
				return c.classify(ctx, op, tr, derr, kinds)
			}
			err = call(ctx)
		}
	}
	return c.classify(ctx, op, tr, err, kinds)
}
