-- Idempotency keys (the IETF httpapi draft's `Idempotency-Key` header): a client that lost the
-- answer to a write sends it again with the same key and gets the first answer back, so a retry
-- after a dropped connection (a phone syncing its outbox in the mountains) never creates a second
-- record. Keyed by user and key: two users' keys never meet.
create table idempotency_keys (
    user_id     bigint not null references users (id) on delete cascade,
    key         text not null check (length(key) between 1 and 255),
    -- sha-256 of the method, path, If-Match and the JSON body: the same key with another
    -- request is refused (422) instead of answered with an unrelated record.
    fingerprint bytea not null,
    -- The first answer. The row is inserted and answered in the write's own transaction, so a
    -- committed row always has them; null only inside that transaction.
    status      smallint,
    headers     jsonb,
    body        bytea,
    created_at  timestamptz not null default now(),
    -- An outbox may replay days later (no signal for a week on patrol), so keys live long;
    -- expired ones are removed as their user makes new ones.
    expires_at  timestamptz not null,
    primary key (user_id, key)
);

create index idempotency_keys_expiry on idempotency_keys (expires_at);
