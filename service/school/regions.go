package school

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
)

// Regions form a tree (a city, its districts): an inspector of a region reads every school in it and below
// it. The tree is small (a province has a few hundred bureaus), so it is read whole and walked here.

// Tree is the region tree as read from the database.
type Tree struct {
	byID     map[string]model.Region
	children map[string][]string
}

// LoadTree reads every region.
func LoadTree(db *gorm.DB) (*Tree, error) {
	var rows []model.Region
	if err := db.Order("name, id").Find(&rows).Error; err != nil {
		return nil, service.WrapDB(err)
	}
	t := &Tree{byID: make(map[string]model.Region, len(rows)), children: map[string][]string{}}
	for _, r := range rows {
		t.byID[r.ID] = r
		t.children[r.ParentID] = append(t.children[r.ParentID], r.ID)
	}
	return t, nil
}

// Region is the region with the id (ok false for none).
func (t *Tree) Region(id string) (model.Region, bool) {
	r, ok := t.byID[id]
	return r, ok
}

// Children are a region's direct sub-regions, by name.
func (t *Tree) Children(id string) []model.Region {
	out := make([]model.Region, 0, len(t.children[id]))
	for _, c := range t.children[id] {
		out = append(out, t.byID[c])
	}
	return out
}

// Subtree lists the region and every region below it (the region first; empty for an unknown id). A cycle
// in the data cannot loop it.
func (t *Tree) Subtree(id string) []string {
	if _, ok := t.byID[id]; !ok {
		return nil
	}
	out, queue := []string{}, []string{id}
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		if slices.Contains(out, r) {
			continue
		}
		out = append(out, r)
		queue = append(queue, t.children[r]...)
	}
	return out
}

// Within reports whether region is root or below it.
func (t *Tree) Within(root, region string) bool {
	if root == "" || region == "" {
		return false
	}
	for seen := 0; region != "" && seen <= len(t.byID); seen++ {
		if region == root {
			return true
		}
		region = t.byID[region].ParentID
	}
	return false
}

// InSubtree reports whether a school's region is the inspector's region or below it.
func InSubtree(db *gorm.DB, inspectorRegion, schoolRegion string) (bool, error) {
	if inspectorRegion == "" || schoolRegion == "" {
		return false, nil
	}
	if inspectorRegion == schoolRegion {
		return true, nil
	}
	t, err := LoadTree(db)
	if err != nil {
		return false, err
	}
	return t.Within(inspectorRegion, schoolRegion), nil
}

// AddRegion creates (or finds) a region under a parent region (empty for a root), for the operator command
// `schoolcheck region add`. A region that exists keeps its place unless a parent is named, which moves it
// there; a parent that does not exist, or one below the region itself, is refused. Safe to repeat.
func (s *Service) AddRegion(ctx context.Context, name, parent string) (model.Region, error) {
	v := service.Invalid{}
	name = operatorName(v, "name", name, 30)
	if parent != "" {
		parent = operatorName(v, "parent", parent, 30)
	}
	if err := v.Err(); err != nil {
		return model.Region{}, err
	}
	var out model.Region
	err := s.Tx(ctx, func(tx *service.Tx) error {
		parentID := ""
		if parent != "" {
			var p model.Region
			if err := tx.Where("name = ?", parent).Take(&p).Error; err != nil {
				if model.IsNotFound(err) {
					return service.Invalid{"parent": "no region named " + parent + " (add it first)"}.Err()
				}
				return err
			}
			parentID = p.ID
		}
		r, err := ensureRegion(tx.DB, name)
		if err != nil {
			return err
		}
		if parent != "" && r.ParentID != parentID {
			t, err := LoadTree(tx.DB)
			if err != nil {
				return err
			}
			if t.Within(r.ID, parentID) {
				return service.Invalid{"parent": parent + " is " + name + " or below it"}.Err()
			}
			if err := tx.Model(&model.Region{}).Where("id = ?", r.ID).Update("parent_id", parentID).Error; err != nil {
				return err
			}
			r.ParentID = parentID
		}
		out = r
		return nil
	})
	return out, err
}
