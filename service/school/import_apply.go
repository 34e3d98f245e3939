package school

import (
	"slices"

	"schoolcheck/model"
	"schoolcheck/service"
	"schoolcheck/service/evidence"
)

// applyRoster writes the checked entries in the caller's transaction: new phones are created, known ones
// updated and re-activated, each with its audit row, plus one row for the import itself.
func applyRoster(tx *service.Tx, a *service.Actor, filename string, entries []rosterEntry, withSubjects bool,
	res *StaffImportResult) error {
	existing := map[string]model.Staff{}
	for chunk := range slices.Chunk(entries, 500) {
		phones := make([]string, len(chunk))
		for i, e := range chunk {
			phones[i] = *e.In.Phone
		}
		var found []model.Staff
		if err := tx.Scopes(a.Scope()).Where("phone IN ?", phones).Find(&found).Error; err != nil {
			return err
		}
		for _, st := range found {
			existing[st.Phone] = st
		}
	}
	problems := map[int]string{}
	for _, e := range entries {
		if prev, ok := existing[*e.In.Phone]; ok && prev.ID == a.StaffID && !slices.Contains(*e.In.Roles, service.RolePrincipal) {
			problems[e.Line] = "不能取消自己的校长角色"
		}
	}
	if err := rowsError(problems); err != nil {
		return err
	}
	if err := lockPrincipals(tx, a.SchoolID); err != nil {
		return err
	}
	now := tx.Now
	var created []model.Staff
	for _, e := range entries {
		in := e.In
		prev, ok := existing[*in.Phone]
		if !ok {
			created = append(created, model.Staff{ID: model.NewID(), SchoolID: a.SchoolID, Name: *in.Name, Phone: *in.Phone,
				Roles: RolesString(*in.Roles), Subjects: subjectsString(in.Subjects), Active: true, CreatedAt: now, UpdatedAt: now})
			continue
		}
		updates := map[string]any{}
		after := prev
		if *in.Name != prev.Name {
			updates["name"], after.Name = *in.Name, *in.Name
		}
		if roles := RolesString(*in.Roles); roles != prev.Roles {
			updates["roles"], after.Roles = roles, roles
		}
		if subjects := subjectsString(in.Subjects); withSubjects && subjects != prev.Subjects {
			updates["subjects"], after.Subjects = subjects, subjects
		}
		if !prev.Active { // re-added after deactivation: the person binds again
			updates["active"], after.Active = true, true
			unbind(updates)
			after.AccountID, after.BoundAt = nil, nil
		}
		if len(updates) == 0 {
			res.Unchanged++
			continue
		}
		updates["updated_at"] = now
		if err := tx.Model(&model.Staff{}).Scopes(a.Scope()).Where("id = ?", prev.ID).Updates(updates).Error; err != nil {
			return err
		}
		if _, err := evidence.Updated(tx, a, a.SchoolID, evidence.Staff, prev.ID, auditView(prev), auditView(after)); err != nil {
			return err
		}
		res.Updated++
	}
	if len(created) > 0 {
		if err := tx.CreateInBatches(&created, 200).Error; err != nil {
			if model.IsDuplicate(err) {
				return service.Conflict("conflict", "导入期间教职工名单发生了变化，请重新导入")
			}
			return err
		}
	}
	for _, st := range created {
		if err := evidence.Created(tx, a, a.SchoolID, evidence.Staff, st.ID, auditView(st)); err != nil {
			return err
		}
	}
	res.Created = len(created)
	if err := keepAPrincipal(tx, a.SchoolID); err != nil {
		return err
	}
	return evidence.Created(tx, a, a.SchoolID, evidence.StaffImport, model.NewID(), map[string]any{"file": filename,
		"created": res.Created, "updated": res.Updated, "unchanged": res.Unchanged})
}
