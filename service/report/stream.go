package report

import (
	"math"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"schoolcheck/service"
)

// Records is a sheet of records whose rows are produced one at a time (a module's records over a term or a
// year), so that a workbook streams them to the file rather than holding them: Each calls emit once per
// row, in order, and stops at emit's first error. It prints as a Sheet does (title, header, notes, the
// signature line, the page rules), without totals or shading.
type Records struct {
	Name       string
	Title      string
	Columns    []Column
	Notes      []string
	FreezeCols int
	Each       func(emit func(row []any) error) error
}

// Stream writes a records sheet through excelize's StreamWriter: each row goes to the file as it is
// emitted, so the memory a sheet takes does not grow with its rows. It returns the number of rows written.
func (w *Workbook) Stream(r Records) (int, error) {
	if err := w.newSheet(r.Name); err != nil {
		return 0, err
	}
	cols := max(len(r.Columns), 1)
	total := 0.0
	for _, c := range r.Columns {
		total += width(c)
	}
	// Page setup first: the stream writer copies the sheet's settings when it starts.
	if err := w.layout(r.Name, total); err != nil {
		return 0, err
	}
	sw, err := w.f.NewStreamWriter(r.Name)
	if err != nil {
		return 0, err
	}
	if err := sw.SetPanes(panes(r.FreezeCols)); err != nil {
		return 0, err
	}
	for i, c := range r.Columns {
		if err := sw.SetColWidth(i+1, i+1, width(c)); err != nil {
			return 0, err
		}
	}
	last, _ := excelize.CoordinatesToCellName(cols, 1)
	lines := math.Ceil(float64(textWidth(r.Title)) * 1.4 / max(total, 10))
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: w.Style("title"), Value: r.Title}},
		excelize.RowOpts{Height: max(24, 20*lines)}); err != nil {
		return 0, err
	}
	if err := sw.MergeCell("A1", last); err != nil {
		return 0, err
	}
	header := make([]any, len(r.Columns))
	for i, c := range r.Columns {
		header[i] = excelize.Cell{StyleID: w.Style("header"), Value: c.Title}
	}
	if err := sw.SetRow("A2", header, excelize.RowOpts{Height: headerHeight(r.Columns)}); err != nil {
		return 0, err
	}
	row := 3
	err = r.Each(func(values []any) error {
		cells := make([]any, len(values))
		for c, v := range values {
			kind := Text
			if c < len(r.Columns) {
				kind = r.Columns[c].Kind
			}
			v, style := cellStyle(kind, v)
			cells[c] = excelize.Cell{StyleID: w.Style(style), Value: v}
		}
		cell, _ := excelize.CoordinatesToCellName(1, row)
		row++
		return sw.SetRow(cell, cells)
	})
	if err != nil {
		return 0, err
	}
	n := row - 3
	row++ // a blank row
	text := func(s, style string) error {
		start, _ := excelize.CoordinatesToCellName(1, row)
		end, _ := excelize.CoordinatesToCellName(cols, row)
		h := max(20, 15*math.Ceil(float64(textWidth(s))*1.1/max(total, 10)))
		if err := sw.SetRow(start, []any{excelize.Cell{StyleID: w.Style(style), Value: s}}, excelize.RowOpts{Height: h}); err != nil {
			return err
		}
		row++
		return sw.MergeCell(start, end)
	}
	for _, note := range r.Notes {
		if err := text(note, "note"); err != nil {
			return 0, err
		}
	}
	row++
	if err := text(signatureLine, "signature"); err != nil {
		return 0, err
	}
	return n, sw.Flush()
}

// width is a column's width (12 when unset).
func width(c Column) float64 {
	if c.Width == 0 {
		return 12
	}
	return c.Width
}

// windowDays is how many days of records one read of a records sheet takes.
const windowDays = 31

// Windows reads the rows of q whose date column col lies in from..to, a month of dates at a time in date
// order (then id, creation order), and calls fn with each window's rows: a records sheet reads a year
// without holding it, and every read is one range of the (school_id, date) index, never a sort of the
// whole period.
func Windows[M any](q *gorm.DB, col, from, to string, fn func([]M) error) error {
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return err
	}
	for d := start; d.Format(time.DateOnly) <= to; d = d.AddDate(0, 0, windowDays) {
		last := min(d.AddDate(0, 0, windowDays-1).Format(time.DateOnly), to)
		var rows []M
		if err := q.Session(&gorm.Session{}).Where(col+" >= ? AND "+col+" <= ?", d.Format(time.DateOnly), last).
			Order(col + ", id").Find(&rows).Error; err != nil {
			return service.WrapDB(err)
		}
		if len(rows) == 0 {
			continue
		}
		if err := fn(rows); err != nil {
			return err
		}
	}
	return nil
}
