package api

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"schoolcheck/service"
	"schoolcheck/service/photos"
)

// photoBodyLimit lets the multipart envelope and the purpose field through around a 10 MiB file; the file
// itself is bounded separately while it is read.
const photoBodyLimit = photos.MaxPhotoBytes + 64<<10

// photoRoutes: POST /photos (what wx.uploadFile sends).
func (s *server) photoRoutes(_, _, bound *gin.RouterGroup) {
	bound.POST("/photos", s.rateLimit("upload", UploadPerIP, UploadPerAccount, time.Minute), s.handle(s.uploadPhoto))
	s.bodyLimit(bound.BasePath()+"/photos", photoBodyLimit)
}

// uploadPhoto streams the multipart body: the file part is read into memory up to one byte over the limit
// (so an oversized file is refused without reading the rest), other parts are skipped.
func (s *server) uploadPhoto(c *gin.Context) error {
	mr, err := c.Request.MultipartReader()
	if err != nil {
		return service.E(service.ErrInvalid, "invalid_argument", "请以 multipart/form-data 上传照片，字段名为 file").
			Field("file", "必填")
	}
	var in photos.Upload
	found := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return multipartError(err)
		}
		switch part.FormName() {
		case "file":
			if found {
				return service.E(service.ErrInvalid, "invalid_argument", "一次只能上传一张照片").Field("file", "只能有一个")
			}
			found = true
			in.Data, err = io.ReadAll(io.LimitReader(part, photos.MaxPhotoBytes+1))
			if err != nil {
				return multipartError(err)
			}
			if len(in.Data) > photos.MaxPhotoBytes { // refused by the service without reading further
				return s.photoResult(c, in)
			}
		case "purpose":
			raw, err := io.ReadAll(io.LimitReader(part, 64))
			if err != nil {
				return multipartError(err)
			}
			in.Purpose = string(raw)
		case "school_id": // an inspector's upload names the school
			raw, err := io.ReadAll(io.LimitReader(part, 64))
			if err != nil {
				return multipartError(err)
			}
			in.SchoolID = string(raw)
		}
	}
	if !found {
		return service.E(service.ErrInvalid, "invalid_argument", "缺少照片文件").Field("file", "必填")
	}
	return s.photoResult(c, in)
}

func (s *server) photoResult(c *gin.Context, in photos.Upload) error {
	return reply(c, http.StatusCreated)(s.photos.Upload(c.Request.Context(), actorOf(c), in))
}

// multipartError keeps a body over its limit a 413 and calls anything else a malformed upload.
func multipartError(err error) error {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		return err
	}
	return service.E(service.ErrInvalid, "invalid_argument", "上传内容格式有误，请重试")
}
