-- Changes of administrative units (merges, transfers, reclassifications, renames): which unit
-- versions closed and which opened on a date, and on what legal basis. admin_units alone holds the
-- versions but not which ones followed which, and a report or a map of "what became of commune X"
-- needs that link. One row per (predecessor, successor) pair.

create table admin_unit_changes (
    id             bigint generated always as identity primary key,
    changed_on     date not null,
    predecessor_id bigint not null references admin_units (id) on delete cascade,
    successor_id   bigint not null references admin_units (id) on delete cascade,
    -- merge: several units became one; transfer: moved to another parent; reclassify: its kind
    -- changed (xã -> phường); rename; continue: a new version only because its parent changed.
    change         text not null check (change in ('merge', 'transfer', 'reclassify', 'rename', 'continue')),
    basis          text,
    constraint admin_unit_changes_pair unique (predecessor_id, successor_id),
    constraint admin_unit_changes_distinct check (predecessor_id <> successor_id)
);

create index admin_unit_changes_successor_idx on admin_unit_changes (successor_id);
