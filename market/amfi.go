package market

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
)

// AMFINAVURL is where AMFI publishes the NAVs of every Indian scheme daily.
const AMFINAVURL = "https://www.amfiindia.com/spages/NAVAll.txt"

// SampleNAVFile is a small extract of AMFI's NAV file in its real format: the
// fund data when FUND_DATA_URL is unset, and the tests' fixture.
//
//go:embed data/amfi_nav_sample.txt
var SampleNAVFile []byte

// AMFI reads AMFI's daily NAV file from URL, or the embedded sample when
// URL is empty.
type AMFI struct {
	URL    string
	Client *Client
	Log    *slog.Logger
}

// Schemes fetches and parses the NAV file.
func (a *AMFI) Schemes(ctx context.Context) ([]Scheme, error) {
	body := SampleNAVFile
	if a.URL != "" {
		var err error
		if body, err = a.Client.Get(ctx, a.URL, http.Header{"Accept": {"text/plain"}}); err != nil {
			return nil, fmt.Errorf("amfi nav file: %w", err)
		}
	}
	schemes, skipped, err := ParseAMFI(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("amfi nav file: %w", err)
	}
	if skipped > 0 && a.Log != nil {
		a.Log.WarnContext(ctx, "amfi nav file: malformed rows skipped", "skipped", skipped, "schemes", len(schemes))
	}
	return schemes, nil
}

// categoryHeading is a line such as "Open Ended Schemes(Debt Scheme -
// Banking and PSU Fund)": the scheme type, then the category in brackets.
var categoryHeading = regexp.MustCompile(`^([^();]*Schemes)\s*\((.+)\)$`)

// ParseAMFI reads the NAV file: semicolon-separated rows "Scheme Code;ISIN
// Div Payout/ ISIN Growth;ISIN Div Reinvestment;Scheme Name;Net Asset
// Value;Date" under category headings and fund family headings, with blank
// lines between. Rows that do not parse are skipped and counted: one bad
// row must not hide thousands of good ones. A file without any scheme is
// ErrNoSchemes.
func ParseAMFI(r io.Reader) (schemes []Scheme, skipped int, err error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var typ, category, family string
	for sc.Scan() {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		switch {
		case line == "":
		case strings.HasPrefix(line, "Scheme Code;"):
			// the header
		case !strings.Contains(line, ";"):
			if m := categoryHeading.FindStringSubmatch(line); m != nil {
				typ, category, family = strings.TrimSpace(m[1]), strings.TrimSpace(m[2]), ""
			} else {
				family = line
			}
		default:
			s, err := amfiRow(line)
			if err != nil {
				skipped++
				continue
			}
			s.Type, s.Category, s.Family = typ, category, family
			schemes = append(schemes, s)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, skipped, fmt.Errorf("%w: read: %w", ErrUpstream, err)
	}
	if len(schemes) == 0 {
		return nil, skipped, ErrNoSchemes
	}
	return schemes, skipped, nil
}

func amfiRow(line string) (Scheme, error) {
	f := strings.Split(line, ";")
	if len(f) != 6 {
		return Scheme{}, fmt.Errorf("%d fields, want 6", len(f))
	}
	s, err := newScheme(f[0], f[3], f[4], f[5])
	if err != nil {
		return Scheme{}, err
	}
	s.ISINGrowth, s.ISINReinvestment = isin(f[1]), isin(f[2])
	return s, nil
}
