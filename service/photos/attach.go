package photos

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
	"schoolcheck/service/school"
	"schoolcheck/storage"

	"gorm.io/gorm"
)

// photoURLTTL is how long a photo's signed URL works (API.md: at most 15 minutes).
const photoURLTTL = storage.MaxPresignTTL

// maxPhotosPerRecord bounds a record's photo_ids (wx.chooseImage picks at most 9).
const maxPhotosPerRecord = 9

// Purposes are the optional purpose values of POST /photos.
var Purposes = []string{"meal", "feedback", "phone_check", "observation", "finding"}

// Upload is one upload: the file's bytes (read by the api up to MaxPhotoBytes+1) and its purpose. An
// inspector, who acts in a region rather than a school, names the school of their region the photo is
// for (SchoolID; a finding's photos); anyone else uploads for the school they act in.
type Upload struct {
	Data     []byte
	Purpose  string
	SchoolID string
}

// ForSchool is an inspector acting on one school of their region: the actor photos are uploaded and
// attached as (the inspector's roster entry, in that school). The caller has checked the school is theirs.
func ForSchool(a *service.Actor, schoolID string) *service.Actor {
	c := *a
	c.SchoolID = schoolID
	return &c
}

// uploader is who the upload is for: the actor in their school, or an inspector in the school named
// (which must be in their region's subtree: another is 404, none 400).
func (s *Service) uploader(ctx context.Context, a *service.Actor, in Upload) (*service.Actor, error) {
	if a == nil || !a.Has(service.RoleInspector) || a.StaffID == "" {
		if a == nil || a.SchoolID == "" || (!a.IsStaff() && !a.Has(service.RoleParent)) {
			return nil, service.Forbidden()
		}
		return a, nil
	}
	if in.SchoolID == "" {
		return nil, service.Invalid{"school_id": "督学上传照片需指定学校"}.Err()
	}
	si, err := school.Load(s.Read(ctx), in.SchoolID)
	if err != nil {
		return nil, err
	}
	ok, err := school.InSubtree(s.Read(ctx), a.RegionID, si.School.RegionID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, service.NotFound("学校")
	}
	return ForSchool(a, si.School.ID), nil
}

// Photo is the answer to POST /photos.
type Photo struct {
	ID     string `json:"id"`
	URL    string `json:"url"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Bytes  int64  `json:"bytes"`
}

// Ref is a photo as records show it, with a fresh signed URL.
type Ref struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

// Upload checks, re-encodes and stores a photo for the actor's school. The object is written before
// the row: if the store is down nothing is recorded (503); if the row cannot be written the object is
// deleted again, so no object exists without a row. Until a record attaches it the photo is the
// uploader's alone, and the sweep removes it after a day.
func (s *Service) Upload(ctx context.Context, a *service.Actor, in Upload) (Photo, error) {
	a, err := s.uploader(ctx, a, in)
	if err != nil {
		return Photo{}, err
	}
	if in.Purpose != "" && !slices.Contains(Purposes, in.Purpose) {
		return Photo{}, service.Invalid{"purpose": "应为 meal、feedback、phone_check、observation 或 finding"}.Err()
	}
	switch {
	case len(in.Data) > MaxPhotoBytes:
		return Photo{}, service.E(service.ErrTooLarge, "payload_too_large", "照片不能超过 10 MB")
	case len(in.Data) == 0:
		return Photo{}, service.Invalid{"file": "请选择要上传的照片"}.Err()
	}
	si, err := school.Load(s.Read(ctx), a.SchoolID)
	if err != nil {
		return Photo{}, err
	}
	p, err := s.processPhoto(ctx, in.Data)
	if err != nil {
		return Photo{}, err
	}
	now := s.Now()
	id := model.NewID()
	key := fmt.Sprintf("schools/%s/%s/%s.jpg", a.SchoolID, now.In(si.Loc).Format("2006/01"), id)
	if err := s.store.Put(ctx, key, bytes.NewReader(p.data), int64(len(p.data)), "image/jpeg"); err != nil {
		s.discardObject(ctx, key) // a Put that timed out may still have landed
		if errors.Is(err, storage.ErrUnavailable) || ctx.Err() != nil {
			return Photo{}, service.Unavailable("照片存储", err)
		}
		return Photo{}, fmt.Errorf("store photo: %w", err)
	}
	row := model.Photo{ID: id, SchoolID: a.SchoolID, UploaderID: a.UserID(), ObjectKey: key, Purpose: in.Purpose,
		SHA256: p.sha256, Width: p.width, Height: p.height, Bytes: int64(len(p.data)), CreatedAt: now.UTC()}
	if err := s.Read(ctx).Create(&row).Error; err != nil {
		s.discardObject(ctx, key)
		return Photo{}, service.WrapDB(err)
	}
	url, err := s.store.PresignGet(ctx, key, photoURLTTL)
	if err != nil {
		return Photo{}, service.Unavailable("照片存储", err)
	}
	return Photo{ID: id, URL: url, Width: p.width, Height: p.height, Bytes: row.Bytes}, nil
}

// discardObject deletes an object whose row will not exist, even when the request was cancelled.
func (s *Service) discardObject(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.store.Delete(ctx, key); err != nil {
		s.Log.WarnContext(ctx, "photo: could not delete an object without a row", "key", key, "error", err)
	}
}

// CheckIDs validates a photo_ids list's shape (the rows are checked by Attach).
func CheckIDs(v service.Invalid, ids []string) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if id == "" || len(id) > 36 {
			v.Add("photo_ids", "照片编号无效")
			continue
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	if len(out) > maxPhotosPerRecord {
		v.Add("photo_ids", fmt.Sprintf("最多 %d 张照片", maxPhotosPerRecord))
	}
	return out
}

// Attach gives photos to a record, inside the record's transaction. Every id must be a photo the actor
// uploaded in the actor's school that no record holds and no sweep has claimed; else 422 invalid_photo and
// the caller's transaction rolls back. The update is conditional, so of two records racing for one photo
// exactly one gets it.
func Attach(tx *service.Tx, a *service.Actor, ids []string, entity evidence.Entity, entityID string) error {
	if len(ids) == 0 {
		return nil
	}
	res := tx.Model(&model.Photo{}).Scopes(a.Scope()).
		Where("id IN ? AND uploader_id = ? AND attached_to IS NULL AND sweep_claim IS NULL", ids, a.UserID()).
		Updates(map[string]any{"attached_to": string(entity), "attached_id": entityID, "attached_at": tx.Now})
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected != int64(len(ids)) {
		return invalidPhoto("照片不存在、已被其他记录使用或已过期，请重新上传").Field("photo_ids", "照片无效")
	}
	return nil
}

// Set makes a record's photos exactly ids (a correction within the edit window): photos left out are
// released, and the sweep deletes them; new ones are attached as attachPhotos does. It returns the previous
// set when the set changed, for the audit trail, and nil when it did not.
func Set(tx *service.Tx, a *service.Actor, ids []string, entity evidence.Entity, entityID string) ([]string, error) {
	current, err := Attached(tx.DB, a.SchoolID, entity, entityID)
	if err != nil {
		return nil, err
	}
	var drop, add []string
	for _, id := range current {
		if !slices.Contains(ids, id) {
			drop = append(drop, id)
		}
	}
	for _, id := range ids {
		if !slices.Contains(current, id) {
			add = append(add, id)
		}
	}
	if len(drop) > 0 {
		if err := tx.Model(&model.Photo{}).Scopes(model.InSchool(a.SchoolID)).
			Where("id IN ? AND attached_to = ? AND attached_id = ?", drop, string(entity), entityID).
			Updates(map[string]any{"attached_to": nil, "attached_id": nil, "attached_at": nil}).Error; err != nil {
			return nil, err
		}
	}
	if err := Attach(tx, a, add, entity, entityID); err != nil {
		return nil, err
	}
	if len(drop)+len(add) == 0 {
		return nil, nil
	}
	return current, nil
}

// Of lists the photos of records (entity, ids) with fresh signed URLs, by record id, in attach order.
// Modules call it for their records' "photos".
func (s *Service) Of(ctx context.Context, schoolID string, entity evidence.Entity, entityIDs ...string) (map[string][]Ref, error) {
	return s.of(ctx, photoURLTTL, schoolID, entity, entityIDs)
}

// EvidenceLinks is Of with links that work for 7 days (storage.EvidenceTTL), for the workbooks an inspector
// files: the evidence pack and the records sheets of the module reports.
func (s *Service) EvidenceLinks(ctx context.Context, schoolID string, entity evidence.Entity, entityIDs ...string) (map[string][]Ref, error) {
	return s.of(ctx, storage.EvidenceTTL, schoolID, entity, entityIDs)
}

// Links joins a record's photo links for one cell of a sheet, one per line.
func Links(refs []Ref) string {
	out := ""
	for i, r := range refs {
		if i > 0 {
			out += "\n"
		}
		out += r.URL
	}
	return out
}

func (s *Service) of(ctx context.Context, ttl time.Duration, schoolID string, entity evidence.Entity, entityIDs []string) (map[string][]Ref, error) {
	out := make(map[string][]Ref, len(entityIDs))
	if len(entityIDs) == 0 {
		return out, nil
	}
	var rows []model.Photo
	if err := s.Read(ctx).Scopes(model.InSchool(schoolID)).
		Where("attached_to = ? AND attached_id IN ?", string(entity), entityIDs).
		Order("attached_at, id").Find(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	for _, r := range rows {
		url, err := s.store.PresignGet(ctx, r.ObjectKey, ttl)
		if err != nil {
			return nil, service.Unavailable("照片存储", err)
		}
		out[*r.AttachedID] = append(out[*r.AttachedID], Ref{ID: r.ID, URL: url})
	}
	return out, nil
}

// For is one record's photos from the map Of returned, never nil (records answer "photos": []).
func For(m map[string][]Ref, id string) []Ref {
	if p := m[id]; p != nil {
		return p
	}
	return []Ref{}
}

// Attached lists the ids of a record's photos, in attach order (never nil).
func Attached(db *gorm.DB, schoolID string, entity evidence.Entity, entityID string) ([]string, error) {
	ids := []string{}
	err := db.Model(&model.Photo{}).Scopes(model.InSchool(schoolID)).
		Where("attached_to = ? AND attached_id = ?", string(entity), entityID).Order("attached_at, id").
		Pluck("id", &ids).Error
	return ids, err
}
