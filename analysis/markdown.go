package analysis

import (
	"fmt"
	"strings"
)

// markdown builds a markdown document.
type markdown struct{ strings.Builder }

func (b *markdown) heading(level int, title string) {
	fmt.Fprintf(b, "%s %s\n\n", strings.Repeat("#", level), title)
}

// paragraph writes sentences as one paragraph, skipping empty ones.
func (b *markdown) paragraph(sentences ...string) {
	var kept []string
	for _, s := range sentences {
		if s != "" {
			kept = append(kept, s)
		}
	}
	if len(kept) == 0 {
		return
	}
	b.WriteString(strings.Join(kept, " ") + "\n\n")
}

func (b *markdown) bullets(items []string) {
	if len(items) == 0 {
		return
	}
	for _, item := range items {
		b.WriteString("- " + item + "\n")
	}
	b.WriteString("\n")
}

func (b *markdown) numbered(items []string) {
	if len(items) == 0 {
		return
	}
	for i, item := range items {
		fmt.Fprintf(b, "%d. %s\n", i+1, item)
	}
	b.WriteString("\n")
}

// table writes a table; align has one letter per column, l(eft) for text
// and r(ight) for numbers.
func (b *markdown) table(align string, header []string, rows [][]string) {
	b.WriteString("| " + strings.Join(header, " | ") + " |\n")
	for _, a := range align {
		if a == 'r' {
			b.WriteString("|---:")
		} else {
			b.WriteString("|---")
		}
	}
	b.WriteString("|\n")
	for _, row := range rows {
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	b.WriteString("\n")
}
