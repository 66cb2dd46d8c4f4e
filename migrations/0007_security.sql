-- Users, roles, jurisdictions, sessions, API tokens and the audit log.

create type user_role as enum ('viewer', 'analyst', 'editor', 'patrol', 'admin');

create table users (
    id            bigint generated always as identity primary key,
    username      text not null check (username ~ '^[A-Za-z0-9._-]{2,64}$'),
    display_name  text,
    role          user_role not null,
    -- Argon2id PHC string; never the password.
    password_hash text not null,
    -- The patrol user's own unit (a border-guard post or police unit code).
    unit          text,
    disabled_at   timestamptz,
    created_at    timestamptz not null default now()
);

create unique index users_username_key on users (lower(username));

-- A jurisdiction is a set of admin unit codes (province, district or commune), resolved to the
-- units valid on the day of each request.
create table user_jurisdictions (
    user_id   bigint not null references users (id) on delete cascade,
    unit_code text not null,
    primary key (user_id, unit_code)
);

-- Session ids and tokens are stored only as hashes: a leaked table opens no session.
create table sessions (
    id_hash      bytea primary key,
    user_id      bigint not null references users (id) on delete cascade,
    created_at   timestamptz not null default now(),
    last_seen_at timestamptz not null default now(),
    expires_at   timestamptz not null
);

create index sessions_user_idx on sessions (user_id);

create table api_tokens (
    id           bigint generated always as identity primary key,
    user_id      bigint not null references users (id) on delete cascade,
    name         text not null,
    token_hash   bytea not null unique,
    created_at   timestamptz not null default now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz
);

alter table key_points add constraint key_points_created_by_fkey foreign key (created_by) references users (id);
alter table key_points add constraint key_points_updated_by_fkey foreign key (updated_by) references users (id);
alter table patrols add constraint patrols_created_by_fkey foreign key (created_by) references users (id);

-- Every write, export, sign-in and refusal.
create table audit_log (
    id       bigint generated always as identity primary key,
    at       timestamptz not null default now(),
    user_id  bigint references users (id) on delete set null,
    username text,
    action   text not null,
    target   text,
    outcome  text not null default 'ok' check (outcome in ('ok', 'denied', 'failed')),
    before   jsonb,
    after    jsonb,
    details  jsonb,
    address  inet
);

create index audit_log_at_idx on audit_log (at);
create index audit_log_user_idx on audit_log (user_id, at);
create index audit_log_action_idx on audit_log (action, at);

-- The audit log is append-only for the service.
create function audit_log_append_only() returns trigger
language plpgsql as $$
begin
    raise exception using errcode = '42501', message = 'the audit log is append-only';
end
$$;

create trigger audit_log_no_change before update or delete on audit_log
    for each row execute function audit_log_append_only();
