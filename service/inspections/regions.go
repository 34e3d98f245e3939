package inspections

import (
	"context"

	"gorm.io/gorm"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/report"
	"schoolcheck/service/school"
)

// Scope is what an actor reads: for an inspector, the region (or the sub-region named) and every school in
// its subtree; for a principal or leader, their own school. Schools are in name order.
type Scope struct {
	// Region is the region read (nil for a school's leader).
	Region *service.Ref
	// Tree is the region tree (nil for a school's leader).
	Tree *school.Tree
	// Schools are the schools read, by id.
	Schools map[string]*school.Info
	// Order lists the schools' ids by region and name.
	Order []string
	// Inspector says the actor reads as an inspector.
	Inspector bool
}

// IDs are the schools' ids.
func (s *Scope) IDs() []string { return s.Order }

// isInspector is an inspector acting in a region.
func isInspector(a *service.Actor) bool {
	return a != nil && a.Has(service.RoleInspector) && a.RegionID != "" && a.StaffID != ""
}

// ReadScope resolves what the actor reads. An inspector reads their region's subtree, or the subtree of
// regionID when it names a region in it (another region is 404); a principal or leader reads their school
// (naming a region is 404: they have none); everyone else is 403.
func ReadScope(db *gorm.DB, a *service.Actor, regionID string) (*Scope, error) {
	switch {
	case isInspector(a):
		t, err := school.LoadTree(db)
		if err != nil {
			return nil, err
		}
		root := a.RegionID
		if regionID != "" {
			if !t.Within(a.RegionID, regionID) {
				return nil, service.NotFound("区域")
			}
			root = regionID
		}
		r, ok := t.Region(root)
		if !ok {
			return nil, service.NotFound("区域")
		}
		sc := &Scope{Region: &service.Ref{ID: r.ID, Name: r.Name}, Tree: t, Inspector: true}
		return sc, sc.load(db, model.CrossSchool(db).Where("region_id IN ?", t.Subtree(root)))
	case a.IsStaff() && a.IsLeader():
		if regionID != "" {
			return nil, service.NotFound("区域")
		}
		sc := &Scope{}
		return sc, sc.load(db, db.Where("id = ?", a.SchoolID))
	}
	return nil, service.Forbidden()
}

// load reads the scope's schools.
func (s *Scope) load(_ *gorm.DB, q *gorm.DB) error {
	var rows []model.School
	if err := q.Order("region_id, name, id").Find(&rows).Error; err != nil {
		return service.WrapDB(err)
	}
	s.Schools = make(map[string]*school.Info, len(rows))
	s.Order = make([]string, 0, len(rows))
	for _, r := range rows {
		si, err := school.InfoOf(r)
		if err != nil {
			return err
		}
		s.Schools[r.ID] = si
		s.Order = append(s.Order, r.ID)
	}
	return nil
}

// SchoolFor resolves one school the actor reads: an inspector's school of their subtree (another school is
// 404, none named 400), a leader's own school (another is 404); everyone else is 403. It is the rule every
// module report reads a school by (report.School).
func SchoolFor(db *gorm.DB, a *service.Actor, schoolID string) (*school.Info, error) {
	return report.School(db, a, schoolID)
}

// RegionNode is a region of the tree as GET /regions shows it: its schools and its sub-regions.
type RegionNode struct {
	ID       string        `json:"id"`
	Name     string        `json:"name"`
	Schools  []service.Ref `json:"schools"`
	Children []RegionNode  `json:"children"`
}

// Regions is the inspector's region tree with its schools (for choosing a region_id or school_id); a
// leader sees no tree (403), as everyone else.
func (s *Service) Regions(ctx context.Context, a *service.Actor) (RegionNode, error) {
	if !isInspector(a) {
		return RegionNode{}, service.Forbidden()
	}
	sc, err := ReadScope(s.Read(ctx), a, "")
	if err != nil {
		return RegionNode{}, err
	}
	bySchoolRegion := map[string][]service.Ref{}
	for _, id := range sc.Order {
		si := sc.Schools[id]
		bySchoolRegion[si.School.RegionID] = append(bySchoolRegion[si.School.RegionID], si.Ref())
	}
	var build func(id string, depth int) RegionNode
	build = func(id string, depth int) RegionNode {
		r, _ := sc.Tree.Region(id)
		n := RegionNode{ID: r.ID, Name: r.Name, Schools: bySchoolRegion[id], Children: []RegionNode{}}
		if n.Schools == nil {
			n.Schools = []service.Ref{}
		}
		if depth < 16 {
			for _, c := range sc.Tree.Children(id) {
				n.Children = append(n.Children, build(c.ID, depth+1))
			}
		}
		return n
	}
	return build(sc.Region.ID, 0), nil
}
