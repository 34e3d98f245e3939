package console

import (
	"html/template"
	"slices"
	"sort"
	"strconv"
	"strings"

	"schoolcheck/service"
)

// roleNames are the roles as the pages write them.
var roleNames = map[string]string{service.RolePrincipal: "校长", service.RoleLeader: "校领导", service.RoleTeacher: "教师",
	service.RoleParent: "家长", service.RoleInspector: "督学"}

// funcs are the templates' helpers.
var funcs = template.FuncMap{
	"has": func(a *service.Actor, roles ...string) bool { return a.Has(roles...) },
	"role": func(r string) string {
		if n, ok := roleNames[r]; ok {
			return n
		}
		return r
	},
	"roles": func(rs []string) string {
		out := make([]string, 0, len(rs))
		for _, r := range rs {
			if n, ok := roleNames[r]; ok {
				r = n
			}
			out = append(out, r)
		}
		return strings.Join(out, "、")
	},
	// pct writes a ratio (0..1) as a percentage with one decimal.
	"pct":      func(x float64) string { return strconv.FormatFloat(x*100, 'f', 1, 64) + "%" },
	"deref":    func(b *bool) bool { return b != nil && *b },
	"add":      func(a, b int) int { return a + b },
	"contains": func(list []string, s string) bool { return slices.Contains(list, s) },
	"join":     strings.Join,
	// fields lists an error's fields at fault in a stable order ("row 3" before "row 10").
	"fields": func(m map[string]string) [][2]string {
		out := make([][2]string, 0, len(m))
		for k, v := range m {
			out = append(out, [2]string{k, v})
		}
		sort.Slice(out, func(i, j int) bool {
			if len(out[i][0]) != len(out[j][0]) {
				return len(out[i][0]) < len(out[j][0])
			}
			return out[i][0] < out[j][0]
		})
		return out
	},
	"fieldName": func(k string) string {
		if n, ok := strings.CutPrefix(k, "row "); ok {
			return "第 " + n + " 行"
		}
		return k
	},
}
