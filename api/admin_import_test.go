package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"schoolcheck/api/apitest"
)

// workbook builds an .xlsx whose first sheet holds rows from A1 (nil rows stay blank).
func workbook(t testing.TB, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	for i, row := range rows {
		if row == nil {
			continue
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// staffByPhone reads the roster as the principal sees it.
func staffByPhone(e *apitest.Env, token string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, it := range e.Get("staff?limit=100", token).Want(http.StatusOK).Items() {
		out[it["phone"].(string)] = it
	}
	return out
}

func importFile(e *apitest.Env, token, name string, content []byte) *apitest.Response {
	return e.Upload("staff/import", token, "file", name, content, nil, nil)
}

func TestStaffImportXLSX(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	p := sc.Principal.Token
	// Someone already on the roster, since deactivated: the import brings them back with the new details.
	known := apitest.Phone()
	old := e.Post("staff", p, map[string]any{"name": "旧名", "phone": known, "roles": []string{"teacher"}}).
		Want(http.StatusCreated).Map()
	e.Delete("staff/"+old["id"].(string), p).Want(http.StatusNoContent)

	a, b := apitest.Phone(), apitest.Phone()
	var knownNum int64
	_, _ = fmt.Sscan(known, &knownNum)
	file := workbook(t, [][]any{
		{"学科", "姓名", "备注", "角色", "手机号*"}, // any order, extra columns ignored
		{"语文、数学", "张三", "", "教师", a},
		nil, // a blank row is skipped
		{"", "李四", "", "领导，教师", b},
		{"英语", "王五", "回来了", "teacher", knownNum}, // phone typed as a number
	})
	r := importFile(e, p, "教职工.xlsx", file).Want(http.StatusOK).Map()
	if r["created"] != float64(2) || r["updated"] != float64(1) {
		t.Fatalf("import: %v", r)
	}
	roster := staffByPhone(e, p)
	if st := roster[a]; st["name"] != "张三" || !sameStrings(st["roles"], "teacher") || !sameStrings(st["subjects"], "语文", "数学") {
		t.Fatalf("张三: %v", st)
	}
	if st := roster[b]; st["name"] != "李四" || !sameStrings(st["roles"], "leader", "teacher") || !sameStrings(st["subjects"]) {
		t.Fatalf("李四: %v", st)
	}
	if st := roster[known]; st["id"] != old["id"] || st["name"] != "王五" || st["active"] != true || !sameStrings(st["subjects"], "英语") {
		t.Fatalf("王五 (re-activated): %v", st)
	}
	// Each change has its audit row, and the import itself one more.
	audit := e.Get("audit?entity=staff_import", p).Want(http.StatusOK).Items()
	if len(audit) != 1 || !strings.Contains(fmt.Sprint(audit[0]["changes"]), "教职工.xlsx") {
		t.Fatalf("import audit: %v", audit)
	}
	if n := len(e.Get("audit?entity=staff&entity_id="+roster[a]["id"].(string), p).Items()); n != 1 {
		t.Fatalf("%d audit rows for an imported member, want 1", n)
	}
	// The same file again changes nothing.
	r = importFile(e, p, "教职工.xlsx", file).Want(http.StatusOK).Map()
	if r["created"] != float64(0) || r["updated"] != float64(0) || r["unchanged"] != float64(3) {
		t.Fatalf("second import: %v", r)
	}
}

func TestStaffImportCSV(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	p := sc.Principal.Token
	a, b, c := apitest.Phone(), apitest.Phone(), apitest.Phone()
	// UTF-8 with a BOM, English headers, quoted lists, CRLF and a blank line.
	csv := "\uFEFFname,phone,roles,subjects\r\n陈老师," + a + ",\"teacher,leader\",\"语文,历史\"\r\n\r\n" +
		"Chen," + b[:3] + "-" + b[3:7] + "-" + b[7:] + ",校长,\r\n"
	r := importFile(e, p, "roster.csv", []byte(csv)).Want(http.StatusOK).Map()
	if r["created"] != float64(2) {
		t.Fatalf("csv import: %v", r)
	}
	roster := staffByPhone(e, p)
	if !sameStrings(roster[a]["roles"], "teacher", "leader") || !sameStrings(roster[a]["subjects"], "语文", "历史") {
		t.Fatalf("陈老师: %v", roster[a])
	}
	if !sameStrings(roster[b]["roles"], "principal", "leader") {
		t.Fatalf("Chen: %v", roster[b])
	}
	// GBK, as Excel on a Chinese Windows saves "CSV (逗号分隔)".
	gbk, err := simplifiedchinese.GBK.NewEncoder().String("姓名,手机号,角色,学科\r\n赵六," + c + ",教师、领导,体育\r\n")
	if err != nil {
		t.Fatal(err)
	}
	importFile(e, p, "名单.csv", []byte(gbk)).Want(http.StatusOK)
	if st := staffByPhone(e, p)[c]; st["name"] != "赵六" || !sameStrings(st["subjects"], "体育") || !sameStrings(st["roles"], "teacher", "leader") {
		t.Fatalf("GBK row: %v", st)
	}
}

func TestStaffImportRefusesBadFiles(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	p := sc.Principal.Token
	dup := apitest.Phone()
	staffBefore, auditBefore := e.Count("staff", sc.ID), e.Count("audit_logs", sc.ID)
	file := workbook(t, [][]any{
		{"姓名", "手机号", "角色", "学科"},
		{"好人", apitest.Phone(), "教师", "语文"}, // row 2 is fine, and still not imported
		{"号码错", "1380013800", "教师", ""},
		nil,
		{"角色错", apitest.Phone(), "校董", ""},
		{"第一次", dup, "教师", ""},
		{"", dup, "", ""},
		{"重复", dup, "领导", ""},
	})
	r := importFile(e, p, "bad.xlsx", file).WantError(http.StatusUnprocessableEntity, "invalid_import")
	fields := r.ErrorFields()
	want := map[string]string{"row 3": "手机号格式不正确", "row 5": "角色无效：校董", "row 7": "姓名必填", "row 8": "与第 6 行重复"}
	for row, part := range want {
		if !strings.Contains(fields[row], part) {
			t.Errorf("fields[%q] = %q, want it to say %q", row, fields[row], part)
		}
	}
	if len(fields) != len(want) {
		t.Errorf("fields %v, want only rows %v", fields, want)
	}
	if e.Count("staff", sc.ID) != staffBefore || e.Count("audit_logs", sc.ID) != auditBefore {
		t.Fatal("a refused import wrote something")
	}

	cases := []struct {
		name, file string
		content    []byte
		status     int
		code       string
		field      string
	}{
		{"missing column", "a.csv", []byte("姓名,学科\n张三,语文\n"), 422, "invalid_import", "row 1"},
		{"header only", "a.csv", []byte("姓名,手机号,角色\n"), 422, "invalid_import", "file"},
		{"empty", "a.csv", nil, 422, "invalid_import", "file"},
		{"not a spreadsheet", "a.pdf", []byte("%PDF-1.4"), 415, "unsupported_media_type", ""},
		{"old xls", "a.xls", []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, 415, "unsupported_media_type", ""},
		{"broken xlsx", "a.xlsx", []byte("PK\x03\x04garbage"), 422, "invalid_import", "file"},
		{"demotes the importer", "a.csv", []byte("姓名,手机号,角色\n自己," + sc.Principal.Phone + ",教师\n"), 422, "invalid_import", "row 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := importFile(e, p, tc.file, tc.content).WantError(tc.status, tc.code)
			if tc.field != "" && r.ErrorFields()[tc.field] == "" {
				t.Fatalf("no fields[%q]: %s", tc.field, r.Body)
			}
		})
	}
	// No file field at all.
	e.Upload("staff/import", p, "upload", "a.csv", []byte("x"), nil, nil).WantError(http.StatusBadRequest, "invalid_argument")
	e.Post("staff/import", p, map[string]string{"file": "x"}).WantError(http.StatusBadRequest, "invalid_argument")
	// Only the principal imports.
	good := []byte("姓名,手机号,角色\n某某," + apitest.Phone() + ",教师\n")
	importFile(e, sc.Leader("主任").Token, "a.csv", good).WantError(http.StatusForbidden, "forbidden")
	if e.Count("staff", sc.ID) != staffBefore+1 { // the leader
		t.Fatal("a refused import wrote something")
	}
}

func TestStaffImportLimits(t *testing.T) {
	e := newEnv(t)
	sc := e.School()
	p := sc.Principal.Token
	// 2000 rows padded past the default 1 MiB body limit: the route's own 5 MiB limit applies.
	var buf bytes.Buffer
	buf.WriteString("姓名,手机号,角色,备注\n")
	pad := strings.Repeat("备", 200)
	for i := range 2000 {
		fmt.Fprintf(&buf, "教师%d,177%08d,教师,%s\n", i, i, pad)
	}
	if buf.Len() <= 1<<20 {
		t.Fatalf("test file is %d bytes, want over 1 MiB", buf.Len())
	}
	r := importFile(e, p, "all.csv", buf.Bytes()).Want(http.StatusOK).Map()
	if r["created"] != float64(2000) {
		t.Fatalf("big import: %v", r)
	}
	if n := e.Count("staff", sc.ID); n != 2001 {
		t.Fatalf("%d staff after importing 2000, want 2001", n)
	}
	buf.WriteString("多一行,17799999999,教师,\n")
	importFile(e, p, "all.csv", buf.Bytes()).WantError(http.StatusUnprocessableEntity, "invalid_import")
	// Over 5 MiB is 413 before anything is parsed.
	big := bytes.Repeat([]byte("a"), 5<<20+100<<10)
	importFile(e, p, "big.csv", big).WantError(http.StatusRequestEntityTooLarge, "payload_too_large")
}
