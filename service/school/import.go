package school

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"schoolcheck/service"
)

// StaffImportResult is the answer of POST /staff/import. Unchanged counts rows that matched an active
// roster entry exactly, so importing the same file twice reports no changes.
type StaffImportResult struct {
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// importColumns maps a header cell (lower-cased, without "*" marks and bracketed hints) to its field.
var importColumns = map[string]string{
	"姓名": "name", "名字": "name", "name": "name",
	"手机号": "phone", "手机": "phone", "手机号码": "phone", "电话": "phone", "联系电话": "phone", "phone": "phone", "mobile": "phone",
	"角色": "roles", "身份": "roles", "roles": "roles", "role": "roles",
	"学科": "subjects", "任教学科": "subjects", "subjects": "subjects", "subject": "subjects",
}

// importRoles maps the role words a school writes in its sheet to roles.
var importRoles = map[string]string{
	"校长": service.RolePrincipal, "principal": service.RolePrincipal,
	"领导": service.RoleLeader, "校领导": service.RoleLeader, "leader": service.RoleLeader,
	"教师": service.RoleTeacher, "老师": service.RoleTeacher, "teacher": service.RoleTeacher,
}

// fieldLabels name the fields in the messages of a row.
var fieldLabels = map[string]string{"name": "姓名", "phone": "手机号", "roles": "角色", "subjects": "学科"}

// rosterEntry is one valid data row.
type rosterEntry struct {
	Line int
	In   StaffInput
}

// ImportStaff adds or updates the school's roster from an uploaded .xlsx or .csv (principal). It is all or
// nothing: any invalid row, or a phone twice in the file, is a 422 naming every row at fault, and nothing is
// written. A phone already in the school updates that entry (name, roles, subjects) and re-activates it.
func (s *Service) ImportStaff(ctx context.Context, a *service.Actor, filename string, data []byte) (StaffImportResult, error) {
	var res StaffImportResult
	if err := a.Require(service.RolePrincipal); err != nil {
		return res, err
	}
	if len(data) > MaxImportBytes {
		return res, service.E(service.ErrTooLarge, "payload_too_large", "导入文件不能超过 5 MB")
	}
	rows, err := readSheet(filename, data)
	if err != nil {
		return res, err
	}
	entries, withSubjects, err := parseRoster(rows)
	if err != nil {
		return res, err
	}
	err = s.Tx(ctx, func(tx *service.Tx) error {
		res = StaffImportResult{}
		return applyRoster(tx, a, filename, entries, withSubjects, &res)
	})
	return res, err
}

// parseRoster finds the columns by their header (first non-blank row, any order) and checks every data row.
func parseRoster(rows []sheetRow) ([]rosterEntry, bool, error) {
	if len(rows) == 0 {
		return nil, false, importError("file", "文件中没有数据")
	}
	header, data := rows[0], rows[1:]
	cols := map[string]int{}
	for i, c := range header.Cells {
		if f, ok := importColumns[headerKey(c)]; ok {
			if _, dup := cols[f]; dup {
				return nil, false, importError(rowKey(header.Line), "表头中“"+fieldLabels[f]+"”列重复")
			}
			cols[f] = i
		}
	}
	var missing []string
	for _, f := range []string{"name", "phone", "roles"} {
		if _, ok := cols[f]; !ok {
			missing = append(missing, fieldLabels[f])
		}
	}
	if len(missing) > 0 {
		return nil, false, importError(rowKey(header.Line), "表头缺少列："+strings.Join(missing, "、")+"（表头应为：姓名、手机号、角色、学科）")
	}
	switch {
	case len(data) == 0:
		return nil, false, importError("file", "表头下没有数据行")
	case len(data) > MaxImportRows:
		return nil, false, importError("file", fmt.Sprintf("一次最多导入 %d 行，请分批导入", MaxImportRows))
	}
	_, withSubjects := cols["subjects"]
	cell := func(r sheetRow, f string) (string, bool) {
		i, ok := cols[f]
		if !ok || i >= len(r.Cells) {
			return "", ok
		}
		return r.Cells[i], true
	}
	problems := map[int]string{}
	firstLine := map[string]int{}
	entries := make([]rosterEntry, 0, len(data))
	for _, r := range data {
		name, _ := cell(r, "name")
		rawPhone, _ := cell(r, "phone")
		phone := importPhone(rawPhone)
		in := StaffInput{Name: &name, Phone: &phone}
		var reasons []string
		skip := map[string]bool{}
		for f, v := range map[string]string{"name": name, "phone": rawPhone} {
			if v == "" {
				reasons, skip[f] = append(reasons, fieldLabels[f]+"必填"), true
			}
		}
		rawRoles, _ := cell(r, "roles")
		roles, bad := importRoleList(rawRoles)
		if bad != "" {
			reasons, skip["roles"] = append(reasons, bad), true
		} else {
			in.Roles = &roles
		}
		if raw, ok := cell(r, "subjects"); ok {
			subjects := splitList(raw)
			in.Subjects = &subjects
		}
		if err := validateStaff(&in, true); err != nil {
			reasons = append(reasons, rowReasons(err, skip)...)
		}
		if len(reasons) == 0 {
			if prev, dup := firstLine[*in.Phone]; dup {
				reasons = append(reasons, fmt.Sprintf("手机号与第 %d 行重复", prev))
			} else {
				firstLine[*in.Phone] = r.Line
			}
		}
		if len(reasons) > 0 {
			problems[r.Line] = strings.Join(reasons, "；")
			continue
		}
		entries = append(entries, rosterEntry{Line: r.Line, In: in})
	}
	if err := rowsError(problems); err != nil {
		return nil, false, err
	}
	return entries, withSubjects, nil
}

// rowReasons turns validateStaff's field problems into the sentences of one row, leaving out the fields
// already reported.
func rowReasons(err error, skip map[string]bool) []string {
	var se *service.Error
	if !errors.As(err, &se) {
		return []string{err.Error()}
	}
	var out []string
	for _, f := range []string{"name", "phone", "roles", "subjects"} {
		reason, bad := se.Fields[f]
		switch {
		case !bad || skip[f]:
		case strings.Contains(reason, fieldLabels[f]) || strings.HasPrefix(reason, "最多"):
			out = append(out, reason)
		default:
			out = append(out, fieldLabels[f]+"："+reason)
		}
	}
	return out
}

// rowsError is the 422 naming the rows at fault, the first 100 of them in file order.
func rowsError(problems map[int]string) error {
	if len(problems) == 0 {
		return nil
	}
	lines := make([]int, 0, len(problems))
	for l := range problems {
		lines = append(lines, l)
	}
	sort.Ints(lines)
	e := importError(rowKey(lines[0]), problems[lines[0]])
	for i, l := range lines[1:] {
		if i+1 == 100 {
			e.Field("more", fmt.Sprintf("另有 %d 行有误", len(lines)-100))
			break
		}
		e.Field(rowKey(l), problems[l])
	}
	return e
}

// headerKey normalizes a header cell: "手机号*", "角色（校长/领导/教师）" and " Phone " all match.
func headerKey(c string) string {
	c = strings.ToLower(strings.TrimSpace(c))
	for _, open := range []string{"（", "("} {
		if i := strings.Index(c, open); i > 0 {
			c = c[:i]
		}
	}
	return strings.TrimSpace(strings.Trim(c, "*＊ "))
}

// importPhone undoes what Excel does to a phone typed as a number (1.3912345678E+10, 13912345678.0).
func importPhone(raw string) string {
	p := service.NormalizePhone(raw)
	if strings.ContainsAny(p, "eE.") {
		var f float64
		if _, err := fmt.Sscan(p, &f); err == nil && f >= 1e10 && f < 1e11 && f == float64(int64(f)) {
			return fmt.Sprintf("%d", int64(f))
		}
	}
	return p
}

// importRoleList reads "校长、领导" or "teacher,leader"; bad is the row's message when it cannot.
func importRoleList(raw string) (roles []string, bad string) {
	words := splitList(raw)
	if len(words) == 0 {
		return nil, "角色必填（校长、领导或教师）"
	}
	var unknown []string
	for _, w := range words {
		r, ok := importRoles[strings.ToLower(w)]
		switch {
		case !ok:
			unknown = append(unknown, w)
		case !slices.Contains(roles, r):
			roles = append(roles, r)
		}
	}
	if len(unknown) > 0 {
		return nil, "角色无效：" + strings.Join(unknown, "、") + "（可填：校长、领导、教师）"
	}
	return roles, ""
}

// splitList splits a cell listing several values with 、 , ， ; ； or /.
func splitList(raw string) []string {
	out := []string{}
	for _, w := range strings.FieldsFunc(raw, func(r rune) bool { return strings.ContainsRune("、,，;；/／", r) }) {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}
