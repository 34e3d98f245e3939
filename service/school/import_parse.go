package school

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"schoolcheck/service"
)

// Limits of POST /staff/import: the file's size (the api bounds the body with it) and its data rows.
const (
	MaxImportBytes = 5 << 20
	MaxImportRows  = 2000
)

// sheetRow is one non-empty line of an uploaded roster, numbered as the user sees it in Excel (header = 1).
type sheetRow struct {
	Line  int
	Cells []string
}

// readSheet reads the rows of an uploaded roster: an .xlsx workbook (its first sheet) or a CSV file in
// UTF-8 (with or without BOM) or GBK/GB18030, as Excel on a Chinese Windows saves it. Blank rows are
// dropped; reading stops once more rows than the limit allows have been seen.
func readSheet(filename string, data []byte) ([]sheetRow, error) {
	ext := strings.ToLower(filepath.Ext(filename))
	switch {
	case len(data) == 0:
		return nil, importError("file", "文件是空的")
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return readXLSX(data)
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}) || ext == ".xls":
		return nil, service.E(service.ErrUnsupportedMedia, "unsupported_media_type", "不支持旧版 .xls 文件，请在 Excel 中另存为 .xlsx 或 .csv 后导入")
	case ext == ".csv" || ext == ".txt":
		return readCSV(data)
	}
	return nil, service.E(service.ErrUnsupportedMedia, "unsupported_media_type", "只能导入 .xlsx 或 .csv 文件")
}

func readXLSX(data []byte) ([]sheetRow, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 64 << 20, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, importError("file", "无法读取该 Excel 文件，请确认是 .xlsx 格式且未加密")
	}
	defer func() { _ = f.Close() }()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, importError("file", "文件中没有工作表")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, importError("file", "无法读取第一个工作表")
	}
	defer func() { _ = rows.Close() }()
	var out []sheetRow
	for line := 1; rows.Next(); line++ {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, importError(rowKey(line), "无法读取该行")
		}
		if keep(&out, line, cells) {
			return out, nil
		}
	}
	if err := rows.Error(); err != nil {
		return nil, importError("file", "无法读取第一个工作表")
	}
	return out, nil
}

func readCSV(data []byte) ([]sheetRow, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(data) {
		// Excel on a Chinese Windows saves "CSV (逗号分隔)" in the ANSI code page, GBK; GB18030 decodes it.
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil || !utf8.Valid(dec) {
			return nil, importError("file", "无法识别文件编码，请另存为 UTF-8 编码的 CSV")
		}
		data = dec
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord, r.LazyQuotes, r.ReuseRecord = -1, true, false
	if first, _, _ := bytes.Cut(data, []byte("\n")); !bytes.Contains(first, []byte(",")) && bytes.Contains(first, []byte("\t")) {
		r.Comma = '\t'
	}
	var out []sheetRow
	row, nextLine := 0, 1
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, importError(rowKey(row+1+pe.StartLine-nextLine), "CSV 格式错误")
			}
			return nil, importError("file", "CSV 格式错误")
		}
		// The csv reader skips blank lines; Excel shows them as rows, so count them back in.
		line, _ := r.FieldPos(0)
		row += 1 + line - nextLine
		nextLine = line + 1
		for _, c := range rec {
			nextLine += strings.Count(c, "\n")
		}
		if keep(&out, row, rec) {
			return out, nil
		}
	}
}

// keep appends a non-blank row and reports when the sheet has more rows than an import may hold (the
// header plus MaxImportRows data rows plus one, so the caller can tell the limit was passed).
func keep(out *[]sheetRow, line int, cells []string) bool {
	blank := true
	for i, c := range cells {
		c = strings.TrimSpace(strings.TrimPrefix(c, "\uFEFF"))
		cells[i] = c
		if c != "" {
			blank = false
		}
	}
	if !blank {
		*out = append(*out, sheetRow{Line: line, Cells: cells})
	}
	return len(*out) > MaxImportRows+1
}

func rowKey(line int) string { return fmt.Sprintf("row %d", line) }

// importError is the 422 of an import that imports nothing, with the fields ("row 5", "file") at fault.
func importError(field, reason string) *service.Error {
	return service.E(service.ErrRule, "invalid_import", "导入文件有误，未导入任何数据，请修改后重新导入").Field(field, reason)
}
