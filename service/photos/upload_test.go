package photos_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"testing"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/model/modeltest"
	"schoolcheck/service"
	"schoolcheck/service/photos"
	"schoolcheck/service/school"
	"schoolcheck/storage/storagetest"
)

// closeAfterPut is the real object store with one fault injected: right after an object is written, the
// database handle the service uses is closed, as if the database went away between the two writes.
type closeAfterPut struct {
	storagetest.ObjectStore
	db *gorm.DB
}

func (c closeAfterPut) Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error {
	err := c.ObjectStore.Put(ctx, key, r, size, contentType)
	if sqlDB, dbErr := c.db.DB(); dbErr == nil {
		_ = sqlDB.Close()
	}
	return err
}

// A database failure after the object was written leaves no stray object: the upload fails and the object
// is deleted again. The service gets a handle of its own on a fresh database, which the store closes.
func TestUploadPhotoDatabaseFailureLeavesNoObject(t *testing.T) {
	ctx := context.Background()
	fresh := modeltest.Open(t)
	db, err := model.Open(ctx, fresh.Options)
	if err != nil {
		t.Fatal(err)
	}
	store := storagetest.Store(t)
	core := service.NewCore(db, nil, nil)
	svc := photos.New(core, closeAfterPut{ObjectStore: store, db: db})
	schoolID, err := school.New(core).Bootstrap(ctx, school.BootstrapInput{Region: "故障区", School: "故障学校", PrincipalName: "校长",
		PrincipalPhone: "13900001111"})
	if err != nil {
		t.Fatal(err)
	}
	var principal model.Staff
	if err := fresh.DB.Scopes(model.InSchool(schoolID)).Take(&principal).Error; err != nil {
		t.Fatal(err)
	}
	a := &service.Actor{AccountID: "acct-1", OpenID: "o1", StaffID: principal.ID, Name: principal.Name, SchoolID: schoolID,
		Roles: []string{service.RolePrincipal}}
	img := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for i := range img.Pix {
		img.Pix[i] = uint8(i)
	}
	img.Set(0, 0, color.White)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Upload(ctx, a, photos.Upload{Data: buf.Bytes()}); err == nil {
		t.Fatal("upload succeeded with the database closed after the object write")
	}
	keys, err := store.List(ctx, "schools/")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 0 {
		t.Fatalf("stray objects: %v", keys)
	}
	var n int64
	if err := fresh.DB.Model(&model.Photo{}).Scopes(model.InSchool(schoolID)).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d photo rows", n)
	}
}
