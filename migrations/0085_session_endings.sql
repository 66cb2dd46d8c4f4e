-- A session that ends is kept, with why, instead of being deleted. A phone that comes back after
-- days in the field presents its old cookie; only the reason tells the web map whether to wipe
-- the police data it holds (an admin revoked the sessions, or disabled the user) or merely to ask
-- for the password again (an idle session that expired: the outbox then still sends). A deleted
-- row and an expired one looked alike, so no wipe was possible.
--
-- Ended and expired rows are forgotten 180 days after they ended or expired (db::sessions::RETENTION):
-- long past any patrol away from signal, and a device silent for longer still keeps its data
-- until its area packages expire or the browser is cleared (README).
alter table sessions
    add column ended_at timestamptz,
    add column end_reason text check (end_reason in ('signed_out', 'revoked', 'user_disabled')),
    add constraint sessions_ended_with_reason check ((ended_at is null) = (end_reason is null));

-- Revoking ends a user's sessions that have not ended, expired ones included (see above).
create index sessions_open_idx on sessions (user_id) where ended_at is null;
