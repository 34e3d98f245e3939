package report

import (
	"fmt"
	"math"
	"time"

	"github.com/xuri/excelize/v2"
)

// File is a generated download (a report workbook): the api sends it with its UTF-8 file name.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// XLSXType is the Content-Type of an Excel workbook.
const XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Font is the East Asian font every style names, so that Chinese prints the same in Excel and WPS.
const Font = "宋体"

// Kind says how a column's values are stored and shown.
type Kind int

// Column kinds: text, whole numbers, one-decimal numbers, and fractions shown as percentages. Numbers are
// always stored as numbers (so the sheet can be summed and charted), with a number format.
const (
	Text Kind = iota
	Int
	Decimal
	Percent
	Center // short centred text (the symbols of a grid)
)

// Column is one column of a sheet.
type Column struct {
	Title string
	Width float64 // in Excel character widths; 0 means 12
	Kind  Kind
}

// Sheet is one printable table: a title, a header row, data rows, an optional totals row and notes.
type Sheet struct {
	Name    string
	Title   string
	Columns []Column
	Rows    [][]any
	Totals  []any // nil for none
	// Notes are lines printed under the table (a legend), before the signature line.
	Notes []string
	// FreezeCols keeps this many leading columns (names) in view when scrolling right.
	FreezeCols int
	// Shade, when set, says whether a data cell (row, col) is shaded (weekends, holidays); HeaderShade the
	// same for a header cell.
	Shade       func(row, col int) bool
	HeaderShade func(col int) bool
	// NoSignature leaves out the 制表人 / 审核人 / 校长签字 line (a cover sheet).
	NoSignature bool
}

// signatureLine closes every sheet but a cover: who made it, who checked it, the principal's signature.
const signatureLine = "制表人：＿＿＿＿＿＿　　审核人：＿＿＿＿＿＿　　校长签字：＿＿＿＿＿＿　　日期：＿＿＿＿年＿＿月＿＿日"

// Workbook is a report being written. Every sheet follows the printing rules of the package doc.
type Workbook struct {
	f       *excelize.File
	printed time.Time
	school  string
	first   bool
	styles  map[string]int
}

// NewWorkbook starts a workbook for a school's report, printed at t (local time of the school).
func NewWorkbook(schoolName string, printed time.Time) *Workbook {
	return &Workbook{f: excelize.NewFile(), printed: printed, school: schoolName, first: true, styles: map[string]int{}}
}

// File is the underlying excelize file, for what the shared layout does not cover (charts).
func (w *Workbook) File() *excelize.File { return w.f }

var thin = []excelize.Border{{Type: "left", Color: "999999", Style: 1}, {Type: "right", Color: "999999", Style: 1},
	{Type: "top", Color: "999999", Style: 1}, {Type: "bottom", Color: "999999", Style: 1}}

// Style returns the id of a named shared style, creating it once. Every style names the East Asian font.
func (w *Workbook) Style(name string) int {
	if id, ok := w.styles[name]; ok {
		return id
	}
	font := &excelize.Font{Family: Font, Size: 10}
	st := &excelize.Style{Font: font, Border: thin, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}}
	grey := excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}}
	switch name {
	case "title":
		st = &excelize.Style{Font: &excelize.Font{Family: Font, Bold: true, Size: 14},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}
	case "header", "header-shaded":
		st.Font = &excelize.Font{Family: Font, Size: 10, Bold: true}
		st.Alignment = &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}
		if name == "header-shaded" {
			st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"BFBFBF"}}
		}
	case "int", "int-total":
		st.NumFmt = 1 // 0
	case "decimal", "decimal-total":
		custom := "0.0"
		st.CustomNumFmt = &custom
	case "percent", "percent-total":
		custom := "0.0%"
		st.CustomNumFmt = &custom
	case "center", "center-shaded":
		st.Alignment = &excelize.Alignment{Horizontal: "center", Vertical: "center"}
		if name == "center-shaded" {
			st.Fill = grey
		}
	case "note":
		st = &excelize.Style{Font: font, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}}
	case "signature":
		st = &excelize.Style{Font: &excelize.Font{Family: Font, Size: 11}, Alignment: &excelize.Alignment{Vertical: "center"}}
	}
	if len(name) > 6 && name[len(name)-6:] == "-total" || name == "text-total" {
		st.Font = &excelize.Font{Family: Font, Size: 10, Bold: true}
		st.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}
	}
	if name == "text-shaded" {
		st.Fill = grey
	}
	id, err := w.f.NewStyle(st)
	if err != nil {
		panic(fmt.Sprintf("report: style %s: %v", name, err)) // a programming error, caught by the tests
	}
	w.styles[name] = id
	return id
}

// Pct is a fraction written into any column as a percentage (a summary sheet's "陪餐覆盖率").
type Pct float64

// cellStyle picks a value's style: numbers are stored as numbers whatever the column, percentages as
// fractions with a percent format, text in the column's alignment.
func cellStyle(col Kind, v any) (any, string) {
	switch x := v.(type) {
	case Pct:
		return float64(x), "percent"
	case int, int64, int32:
		if col == Percent || col == Decimal {
			return v, kindStyle(col)
		}
		return v, "int"
	case float64:
		if col == Percent {
			return v, "percent"
		}
		return v, "decimal"
	case string:
		if col == Center {
			return v, "center"
		}
		return v, "text"
	}
	return v, kindStyle(col)
}

func kindStyle(k Kind) string {
	switch k {
	case Int:
		return "int"
	case Decimal:
		return "decimal"
	case Percent:
		return "percent"
	case Center:
		return "center"
	}
	return "text"
}

// Add writes a sheet (the first one renames the default sheet). The title is row 1, the header row 2, data
// from row 3.
func (w *Workbook) Add(t Sheet) error {
	f := w.f
	if err := w.newSheet(t.Name); err != nil {
		return err
	}
	cols := max(len(t.Columns), 1)
	last, _ := excelize.CoordinatesToCellName(cols, 1)
	if err := f.SetCellValue(t.Name, "A1", t.Title); err != nil {
		return err
	}
	_ = f.MergeCell(t.Name, "A1", last)
	_ = f.SetCellStyle(t.Name, "A1", last, w.Style("title"))
	total := 0.0
	for i, c := range t.Columns {
		width := c.Width
		if width == 0 {
			width = 12
		}
		total += width
		col, _ := excelize.ColumnNumberToName(i + 1)
		_ = f.SetColWidth(t.Name, col, col, width)
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		_ = f.SetCellValue(t.Name, cell, c.Title)
		style := "header"
		if t.HeaderShade != nil && t.HeaderShade(i) {
			style = "header-shaded"
		}
		_ = f.SetCellStyle(t.Name, cell, cell, w.Style(style))
	}
	// A title as long as the school's name needs: CJK characters are about two widths wide at 14 pt.
	lines := math.Ceil(float64(textWidth(t.Title))*1.4/max(total, 10)) + 0
	_ = f.SetRowHeight(t.Name, 1, max(24, 20*lines))
	_ = f.SetRowHeight(t.Name, 2, headerHeight(t.Columns))
	for r, row := range t.Rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+3)
			kind := Text
			if c < len(t.Columns) {
				kind = t.Columns[c].Kind
			}
			v, style := cellStyle(kind, v)
			if err := f.SetCellValue(t.Name, cell, v); err != nil {
				return err
			}
			if t.Shade != nil && t.Shade(r, c) {
				style = map[string]string{"center": "center-shaded"}[style]
				if style == "" {
					style = "text-shaded"
				}
			}
			_ = f.SetCellStyle(t.Name, cell, cell, w.Style(style))
		}
	}
	next := len(t.Rows) + 3
	if t.Totals != nil {
		for c, v := range t.Totals {
			cell, _ := excelize.CoordinatesToCellName(c+1, next)
			kind := Text
			if c < len(t.Columns) {
				kind = t.Columns[c].Kind
			}
			v, style := cellStyle(kind, v)
			_ = f.SetCellValue(t.Name, cell, v)
			if style == "center" {
				style = "text"
			}
			_ = f.SetCellStyle(t.Name, cell, cell, w.Style(style+"-total"))
		}
		next++
	}
	next++ // a blank row
	for _, n := range t.Notes {
		if err := w.line(t.Name, next, cols, n, "note", total); err != nil {
			return err
		}
		next++
	}
	if !t.NoSignature {
		next++
		if err := w.line(t.Name, next, cols, signatureLine, "signature", total); err != nil {
			return err
		}
	}
	return w.page(t, total)
}

// newSheet adds a sheet (the first one renames the default sheet).
func (w *Workbook) newSheet(name string) error {
	if w.first {
		w.first = false
		return w.f.SetSheetName("Sheet1", name)
	}
	_, err := w.f.NewSheet(name)
	return err
}

// line writes a merged line of text across the sheet's width.
func (w *Workbook) line(sheet string, row, cols int, text, style string, width float64) error {
	start, _ := excelize.CoordinatesToCellName(1, row)
	end, _ := excelize.CoordinatesToCellName(cols, row)
	if err := w.f.SetCellValue(sheet, start, text); err != nil {
		return err
	}
	_ = w.f.MergeCell(sheet, start, end)
	_ = w.f.SetCellStyle(sheet, start, end, w.Style(style))
	lines := math.Ceil(float64(textWidth(text)) * 1.1 / max(width, 10))
	return w.f.SetRowHeight(sheet, row, max(20, 15*lines))
}

// page applies the printing rules: frozen header, A4 in the orientation the width needs, one page wide,
// the title and header rows repeated on every page, page numbers and print time in the footer.
func (w *Workbook) page(t Sheet, width float64) error {
	if err := w.f.SetPanes(t.Name, panes(t.FreezeCols)); err != nil {
		return err
	}
	return w.layout(t.Name, width)
}

// panes keeps the title and header rows (and freezeCols leading columns) in view.
func panes(freezeCols int) *excelize.Panes {
	if freezeCols > 0 {
		topLeft, _ := excelize.CoordinatesToCellName(freezeCols+1, 3)
		return &excelize.Panes{Freeze: true, XSplit: freezeCols, YSplit: 2, TopLeftCell: topLeft, ActivePane: "bottomRight",
			Selection: []excelize.Selection{{SQRef: topLeft, ActiveCell: topLeft, Pane: "bottomRight"}}}
	}
	return &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}
}

// layout is the sheet's page setup: A4 in the orientation the width needs, one page wide, the title and
// header rows repeated on every page, page numbers and print time in the footer.
func (w *Workbook) layout(name string, width float64) error {
	f := w.f
	orientation := "portrait"
	if width > 95 { // an A4 portrait page holds about 95 character widths at 10 pt
		orientation = "landscape"
	}
	size, one, zero, fit := 9, 1, 0, true // 9 = A4
	if err := f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &size, Orientation: &orientation,
		FitToWidth: &one, FitToHeight: &zero}); err != nil {
		return err
	}
	if err := f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	margin := 0.5
	_ = f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{Left: &margin, Right: &margin})
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: name,
		RefersTo: fmt.Sprintf("'%s'!$1:$2", name)}); err != nil {
		return err
	}
	footer := fmt.Sprintf("&L&\"%s\"&9打印时间：%s&C&\"%s\"&9第 &P 页，共 &N 页&R&\"%s\"&9%s", Font,
		w.printed.Format("2006-01-02 15:04"), Font, Font, escapeHF(w.school))
	return f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{OddFooter: footer, EvenFooter: footer})
}

// escapeHF doubles the "&" of header/footer text.
func escapeHF(s string) string {
	out := make([]rune, 0, len(s))
	for _, r := range s {
		out = append(out, r)
		if r == '&' {
			out = append(out, '&')
		}
	}
	return string(out)
}

// textWidth counts a CJK character as two widths.
func textWidth(s string) int {
	n := 0
	for _, r := range s {
		if r > 0x2e80 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// headerHeight fits the longest wrapped header title.
func headerHeight(cols []Column) float64 {
	lines := 1.0
	for _, c := range cols {
		width := c.Width
		if width == 0 {
			width = 12
		}
		n := 1.0
		for _, seg := range splitLines(c.Title) {
			n += math.Max(0, math.Ceil(float64(textWidth(seg))/max(width-1, 1))-1)
		}
		n += float64(len(splitLines(c.Title)) - 1)
		lines = max(lines, n)
	}
	return max(20, 15*lines)
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		if r == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// Finish writes the workbook as a download.
func (w *Workbook) Finish(name string) (File, error) {
	defer w.f.Close()
	buf, err := w.f.WriteToBuffer()
	if err != nil {
		return File{}, fmt.Errorf("xlsx: %w", err)
	}
	return File{Name: name, ContentType: XLSXType, Data: buf.Bytes()}, nil
}

// Ratio is n/d as a fraction for a Percent column (0 when d is 0).
func Ratio(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(d)*10000) / 10000
}
