-- Writes through the API: model sites and patrols are archived (never deleted) like key points,
-- and remember who last changed them, so the audit log and the rows agree.

alter table model_sites
    add column archived_at timestamptz,
    add column created_by  bigint,
    add column updated_by  bigint;

alter table patrols
    add column archived_at timestamptz,
    add column updated_by  bigint;
