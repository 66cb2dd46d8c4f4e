-- Administrative units over time: province > district > commune > village. Units merge and
-- split (Lao Cai in early 2020, the whole country in 2025), so each row is one version of a unit,
-- valid over [valid_from, valid_to); "as of" a date means validity @> that date.

create type unit_level as enum ('province', 'district', 'commune', 'village');

-- Which kinds belong to which level (xã, phường and thị trấn are all commune-level).
create table unit_kinds (
    kind    text primary key,
    level   unit_level not null,
    name_en text not null,
    unique (kind, level)
);

insert into unit_kinds (kind, level, name_en) values
    ('tỉnh', 'province', 'province'),
    ('thành phố trực thuộc trung ương', 'province', 'centrally-run city'),
    ('huyện', 'district', 'district'),
    ('thị xã', 'district', 'town'),
    ('thành phố', 'district', 'city'),
    ('quận', 'district', 'urban district'),
    ('xã', 'commune', 'commune'),
    ('phường', 'commune', 'ward'),
    ('thị trấn', 'commune', 'township'),
    ('đặc khu', 'commune', 'special zone'),
    ('thôn', 'village', 'village'),
    ('bản', 'village', 'hamlet'),
    ('làng', 'village', 'village'),
    ('xóm', 'village', 'hamlet'),
    ('tổ dân phố', 'village', 'residential group');

create table admin_units (
    id            bigint generated always as identity primary key,
    -- GSO code (5 digits for communes); village codes are provincial.
    code          text not null check (code ~ '^[0-9A-Za-z._-]{1,32}$'),
    level         unit_level not null,
    kind          text not null,
    name          text not null check (length(name) between 1 and 200),
    parent_id     bigint references admin_units (id),
    valid_from    date not null,
    valid_to      date,
    validity      daterange not null generated always as (daterange(valid_from, valid_to, '[)')) stored,
    population    integer check (population >= 0),
    -- Ethnic group -> share of the population (0..1).
    ethnic_shares jsonb check (ethnic_shares is null or jsonb_typeof(ethnic_shares) = 'object'),
    geom          geometry(MultiPolygon, 4326),
    constraint admin_units_kind_fkey foreign key (kind, level) references unit_kinds (kind, level),
    constraint admin_units_validity_order check (valid_to is null or valid_to > valid_from),
    -- One code names one unit at any moment: its versions may follow each other, never overlap.
    constraint admin_units_code_no_overlap exclude using gist (code with =, validity with &&)
);

create index admin_units_geom_idx on admin_units using gist (geom);
create index admin_units_validity_idx on admin_units using gist (validity);
create index admin_units_parent_idx on admin_units (parent_id);
create index admin_units_level_idx on admin_units (level, code);

create trigger admin_units_geom_valid before insert or update of geom on admin_units
    for each row execute function atlas_check_geometry('geom', 'code');

-- A unit's parent is of a higher level and valid over the whole life of the child; a parent
-- cannot be shortened past its children. Deferred to commit, so a merge may close parents and
-- children in any order inside one transaction; rows are re-read because NEW may be stale by then.
create function admin_units_check_hierarchy() returns trigger
language plpgsql as $$
declare
    child admin_units;
    parent admin_units;
begin
    select * into child from admin_units where id = new.id;
    if not found then
        return null;
    end if;
    if child.parent_id is null then
        if child.level <> 'province' then
            raise exception using errcode = '23514', constraint = 'admin_units_parent',
                message = format('admin unit %s (%s %s) needs a parent unit', child.code, child.kind, child.name);
        end if;
    else
        select * into parent from admin_units where id = child.parent_id;
        if parent.level >= child.level then
            raise exception using errcode = '23514', constraint = 'admin_units_parent',
                message = format('admin unit %s is a %s; its parent %s is a %s, not a higher level',
                                 child.code, child.level, parent.code, parent.level);
        end if;
        if not parent.validity @> child.validity then
            raise exception using errcode = '23514', constraint = 'admin_units_within_parent',
                message = format('admin unit %s is valid %s, outside its parent %s (valid %s)',
                                 child.code, child.validity, parent.code, parent.validity);
        end if;
    end if;
    select * into child from admin_units c
    where c.parent_id = new.id and not (select validity from admin_units where id = new.id) @> c.validity
    limit 1;
    if found then
        raise exception using errcode = '23514', constraint = 'admin_units_within_parent',
            message = format('admin unit %s would no longer cover its child %s (valid %s)',
                             new.code, child.code, child.validity);
    end if;
    return null;
end
$$;

create constraint trigger admin_units_hierarchy
    after insert or update of parent_id, valid_from, valid_to, level on admin_units
    deferrable initially deferred
    for each row execute function admin_units_check_hierarchy();

-- Designations of a unit over a date range, each with its legal basis.
create table designation_kinds (
    code    text primary key,
    name_vi text not null,
    name_en text not null
);

insert into designation_kinds (code, name_vi, name_en) values
    ('key_security', 'Xã trọng điểm, phức tạp về ANTT', 'Key / complex commune for security and order'),
    ('border_commune', 'Xã biên giới', 'Border commune'),
    ('ethnic_region', 'Khu vực vùng DTTS (I/II/III)', 'Ethnic-minority area region (I/II/III)'),
    ('program_135', 'Chương trình 135', 'Program 135'),
    ('especially_difficult_village', 'Thôn đặc biệt khó khăn', 'Especially difficult village'),
    ('safe_security', 'Đạt tiêu chuẩn an toàn về ANTT', 'Recognised safe for security and order'),
    ('regular_police_chief', 'Trưởng Công an xã chính quy', 'Regular police officer as commune police chief');

create table designations (
    id          bigint generated always as identity primary key,
    unit_id     bigint not null references admin_units (id) on delete cascade,
    kind        text not null references designation_kinds (code),
    -- The class where the kind has one: 'I', 'II' or 'III' for ethnic_region.
    value       text,
    decision    text,
    decided_on  date,
    valid_from  date not null,
    valid_to    date,
    validity    daterange not null generated always as (daterange(valid_from, valid_to, '[)')) stored,
    note        text,
    constraint designations_validity_order check (valid_to is null or valid_to > valid_from),
    constraint designations_region_value check (kind <> 'ethnic_region' or value in ('I', 'II', 'III')),
    constraint designations_no_overlap exclude using gist (unit_id with =, kind with =, validity with &&)
);

create index designations_unit_idx on designations (unit_id, kind);

-- The grassroots profile of a commune for a year (staff at 31 December).
create table grassroots_profiles (
    unit_id                 bigint not null references admin_units (id) on delete cascade,
    year                    smallint not null check (year between 1990 and 2100),
    commune_cadres          integer not null default 0 check (commune_cadres >= 0),
    commune_civil_servants  integer not null default 0 check (commune_civil_servants >= 0),
    commune_nonspecialised  integer not null default 0 check (commune_nonspecialised >= 0),
    village_nonspecialised  integer not null default 0 check (village_nonspecialised >= 0),
    police_trained          integer not null default 0 check (police_trained >= 0),
    steering_committee      boolean not null default false,
    security_resolution     boolean not null default false,
    primary key (unit_id, year)
);
