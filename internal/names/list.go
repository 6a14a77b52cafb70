package names

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// Entry is one name of a list with what is known of its popularity.
// Downloads is a count a month (0 when unknown; weekly or daily counts are
// scaled when the column header says so); Rank is
// 1 for the most used package (0 when unranked).
type Entry struct {
	Name      string
	Downloads int64
	Rank      int
}

// List is a name list as read from a file: the embedded data, the local
// cache written by Update, or a --names-data file.
type List struct {
	Entries []Entry
}

// maxListBytes bounds what one list file may expand to.
const maxListBytes = 256 << 20

// ParseList reads a name list. Accepted shapes, all UTF-8, optionally
// gzip-compressed:
//
//   - one name a line ("#" starts a comment line);
//   - CSV or TSV with a header line naming a "name" (or "package_name",
//     "package") column and optionally a "downloads" (any column whose name
//     contains "download") or "rank" column.
//
// Lines that cannot be read are reported with their line number; the list
// of the other lines is still returned.
func ParseList(r io.Reader) (*List, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		br = bufio.NewReaderSize(io.LimitReader(zr, maxListBytes), 64<<10)
	}
	first, err := peekLine(br)
	if err != nil {
		return nil, err
	}
	sep := rune(0)
	switch {
	case strings.Contains(first, "\t"):
		sep = '\t'
	case strings.Contains(first, ","):
		sep = ','
	}
	if sep == 0 {
		return parsePlain(br)
	}
	return parseTable(br, sep)
}

func peekLine(br *bufio.Reader) (string, error) {
	for n := 256; ; n *= 2 {
		b, err := br.Peek(n)
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return string(b[:i]), nil
		}
		if err != nil || n >= 1<<20 {
			return string(b), nil
		}
	}
}

func parsePlain(r io.Reader) (*List, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	l := &List{}
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '#' || (line == 1 && isNameHeader(s)) {
			continue
		}
		l.Entries = append(l.Entries, Entry{Name: s})
	}
	return l, sc.Err()
}

func parseTable(r io.Reader, sep rune) (*List, error) {
	cr := csv.NewReader(r)
	cr.Comma = sep
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	nameCol, dlCol, rankCol := -1, -1, -1
	perMonth := 1.0
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		switch {
		case isNameHeader(h):
			nameCol = i
		case strings.Contains(h, "download") && dlCol < 0:
			dlCol = i
			switch {
			case strings.Contains(h, "week"):
				perMonth = 52.0 / 12
			case strings.Contains(h, "day") || strings.Contains(h, "daily"):
				perMonth = 365.0 / 12
			}
		case strings.HasPrefix(h, "rank") && rankCol < 0:
			rankCol = i
		}
	}
	if nameCol < 0 {
		return nil, fmt.Errorf("no name column in header %q (want a column called name or package_name)", strings.Join(header, string(sep)))
	}
	l := &List{}
	var bad []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			if pe, ok := err.(*csv.ParseError); ok && len(bad) < 5 {
				bad = append(bad, pe.Error())
				continue
			}
			return l, err
		}
		if nameCol >= len(rec) || strings.TrimSpace(rec[nameCol]) == "" {
			continue
		}
		e := Entry{Name: strings.TrimSpace(rec[nameCol])}
		if dlCol >= 0 && dlCol < len(rec) {
			n, _ := strconv.ParseInt(strings.TrimSpace(rec[dlCol]), 10, 64)
			e.Downloads = int64(float64(n) * perMonth)
		}
		if rankCol >= 0 && rankCol < len(rec) {
			e.Rank, _ = strconv.Atoi(strings.TrimSpace(rec[rankCol]))
		}
		l.Entries = append(l.Entries, e)
	}
	if len(bad) > 0 {
		return l, fmt.Errorf("skipped unreadable lines: %s", strings.Join(bad, "; "))
	}
	return l, nil
}

// WriteList writes entries as the TSV that ParseList reads, with the
// header naming which popularity measure the list carries.
func WriteList(w io.Writer, entries []Entry) error {
	bw := bufio.NewWriter(w)
	hasRank, hasDL := false, false
	for _, e := range entries {
		hasRank = hasRank || e.Rank > 0
		hasDL = hasDL || e.Downloads > 0
	}
	cols := "name"
	if hasDL {
		cols += "\tdownloads"
	}
	if hasRank {
		cols += "\trank"
	}
	fmt.Fprintln(bw, cols)
	for _, e := range entries {
		bw.WriteString(e.Name)
		if hasDL {
			bw.WriteByte('\t')
			bw.WriteString(strconv.FormatInt(e.Downloads, 10))
		}
		if hasRank {
			bw.WriteByte('\t')
			bw.WriteString(strconv.Itoa(e.Rank))
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

func isNameHeader(h string) bool {
	h = strings.ToLower(h)
	return h == "name" || h == "package_name" || h == "package"
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
