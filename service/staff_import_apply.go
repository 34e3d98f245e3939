package service

import (
	"slices"

	"gorm.io/gorm"

	"schoolcheck/model"
)

// applyRoster writes the checked entries in the caller's transaction: new phones are created, known ones
// updated and re-activated, each with its audit row, plus one row for the import itself.
func (s *Service) applyRoster(tx *gorm.DB, a *Actor, filename string, entries []rosterEntry, withSubjects bool,
	res *StaffImportResult) error {
	existing := map[string]model.Staff{}
	for chunk := range slices.Chunk(entries, 500) {
		phones := make([]string, len(chunk))
		for i, e := range chunk {
			phones[i] = *e.In.Phone
		}
		var found []model.Staff
		if err := tx.Scopes(a.scope()).Where("phone IN ?", phones).Find(&found).Error; err != nil {
			return err
		}
		for _, st := range found {
			existing[st.Phone] = st
		}
	}
	problems := map[int]string{}
	for _, e := range entries {
		if prev, ok := existing[*e.In.Phone]; ok && prev.ID == a.StaffID && !slices.Contains(*e.In.Roles, RolePrincipal) {
			problems[e.Line] = "不能取消自己的校长角色"
		}
	}
	if err := rowsError(problems); err != nil {
		return err
	}
	now := s.now().UTC()
	var created []model.Staff
	for _, e := range entries {
		in := e.In
		prev, ok := existing[*in.Phone]
		if !ok {
			created = append(created, model.Staff{ID: model.NewID(), SchoolID: a.SchoolID, Name: *in.Name, Phone: *in.Phone,
				Roles: rolesString(*in.Roles), Subjects: subjectsString(in.Subjects), Active: true, CreatedAt: now, UpdatedAt: now})
			continue
		}
		updates, changes := map[string]any{}, map[string]any{}
		if *in.Name != prev.Name {
			updates["name"], changes["name"] = *in.Name, *in.Name
		}
		if roles := rolesString(*in.Roles); roles != prev.Roles {
			updates["roles"], changes["roles"] = roles, roles
		}
		if subjects := subjectsString(in.Subjects); withSubjects && subjects != prev.Subjects {
			updates["subjects"], changes["subjects"] = subjects, *in.Subjects
		}
		if !prev.Active {
			updates["active"], changes["active"] = true, true
		}
		if len(updates) == 0 {
			res.Unchanged++
			continue
		}
		updates["updated_at"] = now
		if err := tx.Model(&model.Staff{}).Scopes(a.scope()).Where("id = ?", prev.ID).Updates(updates).Error; err != nil {
			return err
		}
		if err := s.audit(tx, a, a.SchoolID, ActionUpdate, "staff", prev.ID, changes); err != nil {
			return err
		}
		res.Updated++
	}
	if len(created) > 0 {
		if err := tx.CreateInBatches(&created, 200).Error; err != nil {
			if model.IsDuplicate(err) {
				return conflict("conflict", "导入期间教职工名单发生了变化，请重新导入")
			}
			return err
		}
	}
	for _, st := range created {
		if err := s.audit(tx, a, a.SchoolID, ActionCreate, "staff", st.ID,
			map[string]any{"name": st.Name, "phone": maskPhone(st.Phone), "roles": st.Roles}); err != nil {
			return err
		}
	}
	res.Created = len(created)
	return s.audit(tx, a, a.SchoolID, ActionCreate, "staff_import", model.NewID(), map[string]any{"file": filename,
		"created": res.Created, "updated": res.Updated, "unchanged": res.Unchanged})
}
