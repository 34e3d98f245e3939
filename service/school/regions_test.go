package school

import (
	"slices"
	"testing"

	"schoolcheck/model"
)

func tree(rows ...model.Region) *Tree {
	t := &Tree{byID: map[string]model.Region{}, children: map[string][]string{}}
	for _, r := range rows {
		t.byID[r.ID] = r
		t.children[r.ParentID] = append(t.children[r.ParentID], r.ID)
	}
	return t
}

// The walk over the tree: a subtree holds its root and everything below, Within follows parents up, and a
// cycle in the data (which AddRegion refuses to make) cannot loop either.
func TestTreeWalk(t *testing.T) {
	tr := tree(model.Region{ID: "city"}, model.Region{ID: "east", ParentID: "city"}, model.Region{ID: "west", ParentID: "city"},
		model.Region{ID: "town", ParentID: "east"}, model.Region{ID: "other"},
		model.Region{ID: "a", ParentID: "b"}, model.Region{ID: "b", ParentID: "a"})
	cases := []struct {
		root, region string
		within       bool
	}{
		{"city", "city", true}, {"city", "east", true}, {"city", "town", true}, {"east", "town", true},
		{"east", "west", false}, {"east", "city", false}, {"other", "town", false}, {"", "city", false},
		{"city", "", false}, {"city", "a", false}, {"a", "b", true},
	}
	for _, tc := range cases {
		t.Run(tc.root+" "+tc.region, func(t *testing.T) {
			if got := tr.Within(tc.root, tc.region); got != tc.within {
				t.Fatalf("Within(%q, %q) = %v", tc.root, tc.region, got)
			}
		})
	}
	if got := tr.Subtree("city"); !slices.Equal(got, []string{"city", "east", "west", "town"}) {
		t.Fatalf("subtree of the city %v", got)
	}
	if got := tr.Subtree("a"); len(got) != 2 {
		t.Fatalf("subtree through a cycle %v", got)
	}
	if got := tr.Subtree("nowhere"); got != nil {
		t.Fatalf("subtree of an unknown region %v", got)
	}
}
