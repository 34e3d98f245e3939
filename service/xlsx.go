package service

import (
	"fmt"

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

// Table is one printable sheet: a title, a header row, data rows and an optional totals row. Every report
// workbook is made of these so they look alike: Chinese headers, frozen header, widths set, a totals row,
// landscape and one page wide when printed.
type Table struct {
	Sheet   string
	Title   string
	Headers []string
	Widths  []float64 // per column; missing ones get 12
	Rows    [][]any
	Totals  []any // nil for none
	// CellStyle, when set, may return a style for a data cell (e.g. shading for weekends); 0 for default.
	CellStyle func(row, col int, v any) int
	// FreezeCols keeps this many leading columns (e.g. names) in view when scrolling right; 0 for none.
	FreezeCols int
}

// workbook wraps excelize with the shared styles.
type workbook struct {
	f                              *excelize.File
	title, header, cell, total, sh int
	first                          bool
}

func newWorkbook() (*workbook, error) {
	f := excelize.NewFile()
	w := &workbook{f: f, first: true}
	border := []excelize.Border{{Type: "left", Color: "999999", Style: 1}, {Type: "right", Color: "999999", Style: 1},
		{Type: "top", Color: "999999", Style: 1}, {Type: "bottom", Color: "999999", Style: 1}}
	var err error
	styles := []struct {
		dst *int
		st  *excelize.Style
	}{
		{&w.title, &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}},
		{&w.header, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
			Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}}},
		{&w.cell, &excelize.Style{Border: border, Alignment: &excelize.Alignment{Vertical: "center"}}},
		{&w.total, &excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}}},
		{&w.sh, &excelize.Style{Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}},
			Alignment: &excelize.Alignment{Horizontal: "center"}}},
	}
	for _, st := range styles {
		if *st.dst, err = f.NewStyle(st.st); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// shaded is the grey style for weekends and holidays, for Table.CellStyle.
func (w *workbook) shaded() int { return w.sh }

// style registers an extra style.
func (w *workbook) style(st *excelize.Style) (int, error) { return w.f.NewStyle(st) }

// add writes a table as a new sheet (the first one renames the default sheet).
func (w *workbook) add(t Table) error {
	f := w.f
	if w.first {
		if err := f.SetSheetName("Sheet1", t.Sheet); err != nil {
			return err
		}
		w.first = false
	} else if _, err := f.NewSheet(t.Sheet); err != nil {
		return err
	}
	cols := len(t.Headers)
	last, _ := excelize.CoordinatesToCellName(max(cols, 1), 1)
	if err := f.SetCellValue(t.Sheet, "A1", t.Title); err != nil {
		return err
	}
	_ = f.MergeCell(t.Sheet, "A1", last)
	_ = f.SetCellStyle(t.Sheet, "A1", last, w.title)
	_ = f.SetRowHeight(t.Sheet, 1, 24)
	for i, h := range t.Headers {
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		_ = f.SetCellValue(t.Sheet, cell, h)
		width := 12.0
		if i < len(t.Widths) {
			width = t.Widths[i]
		}
		col, _ := excelize.ColumnNumberToName(i + 1)
		_ = f.SetColWidth(t.Sheet, col, col, width)
	}
	if cols > 0 {
		end, _ := excelize.CoordinatesToCellName(cols, 2)
		_ = f.SetCellStyle(t.Sheet, "A2", end, w.header)
	}
	for r, row := range t.Rows {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+3)
			if err := f.SetCellValue(t.Sheet, cell, v); err != nil {
				return err
			}
			st := w.cell
			if t.CellStyle != nil {
				if custom := t.CellStyle(r, c, v); custom != 0 {
					st = custom
				}
			}
			_ = f.SetCellStyle(t.Sheet, cell, cell, st)
		}
	}
	if t.Totals != nil {
		r := len(t.Rows) + 3
		for c, v := range t.Totals {
			cell, _ := excelize.CoordinatesToCellName(c+1, r)
			_ = f.SetCellValue(t.Sheet, cell, v)
			_ = f.SetCellStyle(t.Sheet, cell, cell, w.total)
		}
	}
	panes := &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}
	if t.FreezeCols > 0 {
		topLeft, _ := excelize.CoordinatesToCellName(t.FreezeCols+1, 3)
		panes = &excelize.Panes{Freeze: true, XSplit: t.FreezeCols, YSplit: 2, TopLeftCell: topLeft, ActivePane: "bottomRight",
			Selection: []excelize.Selection{{SQRef: topLeft, ActiveCell: topLeft, Pane: "bottomRight"}}}
	}
	if err := f.SetPanes(t.Sheet, panes); err != nil {
		return err
	}
	orientation, fit := "landscape", true
	one, zero := 1, 0
	_ = f.SetPageLayout(t.Sheet, &excelize.PageLayoutOptions{Orientation: &orientation, FitToWidth: &one, FitToHeight: &zero})
	_ = f.SetSheetProps(t.Sheet, &excelize.SheetPropsOptions{FitToPage: &fit})
	return nil
}

// file finishes the workbook as a download.
func (w *workbook) file(name string) (File, error) {
	defer w.f.Close()
	buf, err := w.f.WriteToBuffer()
	if err != nil {
		return File{}, fmt.Errorf("xlsx: %w", err)
	}
	return File{Name: name, ContentType: XLSXType, Data: buf.Bytes()}, nil
}
