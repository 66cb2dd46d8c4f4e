-- Key points: what commune police record (crime, social evils, disputes, illegal crossings ...),
-- with a workflow status and a full history of every version.

create table key_point_categories (
    code    text primary key,
    name_vi text not null,
    name_en text not null
);

-- The concerns named in the Lao Cai police director's 2020 article (see shared/DOMAIN.md).
insert into key_point_categories (code, name_vi, name_en) values
    ('crime', 'Tội phạm', 'Crime'),
    ('drugs', 'Ma túy', 'Drugs'),
    ('gambling', 'Cờ bạc', 'Gambling'),
    ('trafficking', 'Mua bán người', 'Human trafficking'),
    ('religion', 'Phát triển tôn giáo trái pháp luật', 'Unlawful religious expansion'),
    ('separatism', 'Tuyên truyền thành lập "Nhà nước Mông"', 'Separatist "Mông state" propaganda'),
    ('migration', 'Bỏ địa phương, di cư tự do', 'Leaving home, free migration'),
    ('dispute', 'Mâu thuẫn, tranh chấp, khiếu kiện', 'Internal disputes and complaints'),
    ('land', 'Đất đai, đền bù giải phóng mặt bằng', 'Land and site-clearance compensation'),
    ('illegal_crossing', 'Xuất nhập cảnh trái phép', 'Illegal border crossing'),
    ('smuggling', 'Buôn lậu', 'Smuggling');

create type key_point_status as enum ('reported', 'verified', 'active', 'resolved');

create table key_points (
    id          bigint generated always as identity primary key,
    code        text not null unique check (length(code) between 1 and 40),
    category    text not null references key_point_categories (code),
    severity    smallint not null default 2 check (severity between 1 and 5),
    status      key_point_status not null default 'reported',
    observed_at timestamptz not null,
    location    geometry(Point, 4326) not null,
    -- Optional extent (a market, a disputed plot).
    area        geometry(MultiPolygon, 4326),
    -- Derived from the location (see key_points_derive_commune); never sent by clients.
    commune_id  bigint references admin_units (id),
    description text not null default '' check (length(description) <= 10000),
    archived_at timestamptz,
    version     integer not null default 1,
    created_by  bigint,
    updated_by  bigint,
    created_at  timestamptz not null default now(),
    updated_at  timestamptz not null default now()
);

create index key_points_location_idx on key_points using gist (location);
create index key_points_observed_idx on key_points (observed_at);
create index key_points_commune_idx on key_points (commune_id, category);

create trigger key_points_location_valid before insert or update of location on key_points
    for each row execute function atlas_check_geometry('location', 'code');
create trigger key_points_area_valid before insert or update of area on key_points
    for each row execute function atlas_check_geometry('area', 'code');
create trigger key_points_version before update on key_points
    for each row execute function atlas_bump_version();

-- The commune is the one whose boundary, valid on the day observed, covers the point.
create function key_points_derive_commune() returns trigger
language plpgsql as $$
begin
    new.commune_id := (
        select u.id from admin_units u
        where u.level = 'commune' and u.validity @> (new.observed_at at time zone 'Asia/Ho_Chi_Minh')::date
          and ST_Covers(u.geom, new.location)
        order by u.id limit 1);
    return new;
end
$$;

create trigger key_points_commune before insert or update of location, observed_at on key_points
    for each row execute function key_points_derive_commune();

create table key_point_history (
    id           bigint generated always as identity primary key,
    key_point_id bigint not null references key_points (id) on delete cascade,
    version      integer not null,
    changed_at   timestamptz not null default now(),
    changed_by   bigint,
    -- The whole row as it was after the change (geometry as GeoJSON).
    data         jsonb not null,
    unique (key_point_id, version)
);

-- History is written by the database itself, so no code path can forget it.
create function key_points_record_history() returns trigger
language plpgsql as $$
begin
    insert into key_point_history (key_point_id, version, changed_by, data)
    values (new.id, new.version, coalesce(new.updated_by, new.created_by), to_jsonb(new));
    return null;
end
$$;

create trigger key_points_history after insert or update on key_points
    for each row execute function key_points_record_history();
