package resolve

import (
	"fmt"
	"sort"
	"strings"
)

// UnsatisfiableError reports a dependency, include or pin that nothing in
// the archive meets, with the chain of packages that needed it:
//
//	libfoo1 (>= 2.1) needed by bar 1.0-1 (needed by seed baz), but the archive has libfoo1 2.0-3 (bookworm)
type UnsatisfiableError struct {
	// Dep is the relation as written: "libfoo1 (>= 2.1)", "a | b".
	Dep string
	// Chain is who needed it, nearest first: "bar 1.0-1", ..., "seed baz";
	// "include" for an Include entry; empty for a pin.
	Chain []string
	// Have lists what the archive offers under the names, "name version (suite)".
	Have []string
	// Reason says why none of it will do, when Have alone does not.
	Reason string
}

// Error renders the dependency, its chain and what the archive offers.
func (e *UnsatisfiableError) Error() string {
	var b strings.Builder
	b.WriteString(e.Dep)
	if len(e.Chain) > 0 {
		b.WriteString(" needed by ")
		b.WriteString(e.Chain[0])
		for _, c := range e.Chain[1:] {
			b.WriteString(" (needed by ")
			b.WriteString(c)
		}
		b.WriteString(strings.Repeat(")", len(e.Chain)-1))
	}
	var tail []string
	if len(e.Have) > 0 {
		tail = append(tail, "the archive has "+strings.Join(e.Have, ", "))
	}
	if e.Reason != "" {
		tail = append(tail, e.Reason)
	}
	if len(tail) == 0 {
		tail = append(tail, "nothing in the archive meets it")
	}
	b.WriteString(", but ")
	b.WriteString(strings.Join(tail, "; "))
	return b.String()
}

// ConflictError reports two packages the plan needs that cannot be
// installed together, when no alternative avoids one of them.
type ConflictError struct {
	// A is the package whose Field names B, as "name version".
	A string
	// B is the package A's relation matches, as "name version".
	B string
	// Field is "Conflicts" or "Breaks".
	Field string
	// Dep is the entry of A's Field that B matches: "y (<< 2)".
	Dep string
	// WhyA and WhyB say why each is in the plan ("seed: include",
	// "Depends of x 1.0").
	WhyA, WhyB string

	// movable names the package chosen first when it was not a seed: the
	// one a new pass may avoid.
	movable string
}

// Error names both packages, the relation and why each is in the plan.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %s: %s, so it cannot be installed with %s (%s: %s; %s: %s); exclude one of them or include another alternative",
		e.A, e.Field, e.Dep, e.B, e.A, e.WhyA, e.B, e.WhyB)
}

// NotFoundError reports an Include (or FilesOnly) name that is neither a
// package nor provided by one.
type NotFoundError struct {
	Name string
	// Arch is the architecture searched.
	Arch string
	// Suggestions are close names the archive has, best first.
	Suggestions []string
}

// Error names the package and the close names the archive has.
func (e *NotFoundError) Error() string {
	msg := fmt.Sprintf("package %s not found in the archive for %s", e.Name, e.Arch)
	if len(e.Suggestions) > 0 {
		msg += "; did you mean " + strings.Join(e.Suggestions, ", ") + "?"
	} else {
		msg += "; check the name and the recipe's suites and components"
	}
	return msg
}

// maxSuggestions bounds NotFoundError.Suggestions.
const maxSuggestions = 5

// suggest returns up to maxSuggestions names close to name: those it is a
// prefix of, and those within a small edit distance, nearest first.
func suggest(name string, idx *index) []string {
	type scored struct {
		name string
		dist int
	}
	limit := 1
	if len(name) >= 5 {
		limit = 2
	}
	var found []scored
	for _, n := range idx.names {
		if len(name) >= 3 && strings.HasPrefix(n, name) {
			found = append(found, scored{n, len(n) - len(name)})
			continue
		}
		if diff := len(n) - len(name); diff > limit || -diff > limit {
			continue
		}
		if d := editDistance(name, n); d <= limit {
			found = append(found, scored{n, d})
		}
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].dist != found[j].dist {
			return found[i].dist < found[j].dist
		}
		return found[i].name < found[j].name
	})
	var out []string
	for i := 0; i < len(found) && i < maxSuggestions; i++ {
		out = append(out, found[i].name)
	}
	return out
}

// editDistance is the Levenshtein distance of two byte strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// TooComplexError reports a search given up after Attempts tries to add a
// package: alternatives that keep failing deep down multiply the work.
type TooComplexError struct {
	Attempts int
	// First is the failure of the first pass when it ended before the
	// search gave up, else nil.
	First error
}

// Error says how far the search went, with the first failure when known.
func (e *TooComplexError) Error() string {
	msg := fmt.Sprintf("resolving: gave up after %d attempts to add a package; exclude, include or pin packages to narrow the choice", e.Attempts)
	if e.First != nil {
		msg += " (first failure: " + e.First.Error() + ")"
	}
	return msg
}

// Unwrap returns First.
func (e *TooComplexError) Unwrap() error { return e.First }
