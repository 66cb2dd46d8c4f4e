-- Failed sign-ins, counted per key ('user:<lower name>' or 'addr:<ip>'), so that guessing is
-- slowed down for a name and for an address alike. Unknown names are counted too: the answer must
-- not tell whether a name exists. A success clears the name's counter, never the address's.

create table login_failures (
    key             text primary key,
    failures        integer not null check (failures > 0),
    last_failure_at timestamptz not null default now()
);

-- Tokens are looked up by hash only; listing a user's tokens (antq token list) goes by user.
create index api_tokens_user_idx on api_tokens (user_id);
