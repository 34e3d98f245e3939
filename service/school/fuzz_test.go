package school

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"schoolcheck/service"
)

// refusal fails the test unless err is nil or one of the contract's errors (anything else is a 500).
func refusal(t *testing.T, err error) {
	t.Helper()
	var se *service.Error
	if err != nil && !errors.As(err, &se) {
		t.Fatalf("%v: not a contract error (a 500)", err)
	}
}

// FuzzStaffImport feeds the roster import's parser arbitrary files under each accepted name: it reads
// them or refuses them with the contract's error, and never panics or hangs. Seeds: a workbook, CSV in
// UTF-8 with a BOM and in GBK, and a legacy .xls signature.
func FuzzStaffImport(f *testing.F) {
	wb := excelize.NewFile()
	_ = wb.SetSheetRow("Sheet1", "A1", &[]any{"姓名", "手机号", "角色", "学科"})
	_ = wb.SetSheetRow("Sheet1", "A2", &[]any{"张三", "13900000001", "教师", "语文、数学"})
	_ = wb.SetSheetRow("Sheet1", "A3", &[]any{"李四", 13900000002, "主任", ""})
	var buf bytes.Buffer
	_ = wb.Write(&buf)
	_ = wb.Close()
	csv := "姓名,手机号,角色\n王五,139 0000 0003,教师\n,,\n赵六,+86 13900000004,\"教师,主任\"\n"
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String(csv)
	f.Add(".xlsx", buf.Bytes())
	f.Add(".csv", []byte("\xEF\xBB\xBF"+csv))
	f.Add(".csv", []byte(gbk))
	f.Add(".txt", []byte("姓名\t手机号\n"))
	f.Add(".xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1})
	f.Add(".xlsx", []byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		rows, err := readSheet("roster"+name, data)
		refusal(t, err)
		if err != nil {
			return
		}
		if len(rows) > MaxImportRows+2 {
			t.Fatalf("%d rows read past the limit", len(rows))
		}
		entries, _, err := parseRoster(rows)
		refusal(t, err)
		for _, e := range entries {
			if e.In.Phone == nil || len(*e.In.Phone) != 11 || e.In.Name == nil || *e.In.Name == "" {
				t.Fatalf("an entry accepted without a name or mobile number: %+v", e.In)
			}
		}
	})
}

// FuzzSettingsDocument feeds PUT /school/settings' parser arbitrary documents: it accepts a valid one or
// refuses with the contract's 400, never panics; what it accepts validates, and survives a round trip.
func FuzzSettingsDocument(f *testing.F) {
	def, _ := json.Marshal(DefaultSettings(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)))
	f.Add(def)
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	f.Add([]byte(`{"meals":null}`))
	f.Add(append(append([]byte{}, def...), []byte(` {}`)...))
	f.Add(bytes.Replace(def, []byte(`"timezone":"Asia/Shanghai"`), []byte(`"timezone":"Mars/Olympus"`), 1))
	f.Fuzz(func(t *testing.T, raw []byte) {
		st, err := ParseSettings(raw)
		refusal(t, err)
		if err != nil {
			return
		}
		again, err := json.Marshal(st)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseSettings(again); err != nil {
			t.Fatalf("an accepted document does not parse again: %v\n%s", err, again)
		}
	})
}
