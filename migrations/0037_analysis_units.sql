-- Stored analysis runs (migration 0011) are filed under the version of their inputs, which every
-- write to key points or admin_units bumps. A reorganisation also writes admin_unit_changes (the
-- lineage through which analyses, rates and border responsibility read units across
-- 2025-07-01, issue 16 item 7): recording or correcting a change without touching a unit must
-- retire the runs too, so a run can never be served after a change of units it did not see.
create trigger admin_unit_changes_analysis_inputs after insert or update or delete or truncate on admin_unit_changes
    for each statement execute function analysis_inputs_bump();
