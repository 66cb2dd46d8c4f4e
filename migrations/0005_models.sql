-- Self-management security models (mô hình tự quản về ANTT): 43 types at hundreds of sites.

create table model_types (
    code        text primary key,
    name_vi     text not null,
    name_en     text not null,
    description text
);

create table model_sites (
    id            bigint generated always as identity primary key,
    code          text not null unique,
    type_code     text not null references model_types (code),
    name          text not null check (length(name) between 1 and 300),
    host_kind     text not null check (host_kind in
                      ('village', 'residential_group', 'agency', 'enterprise', 'school', 'parish', 'clan')),
    host_name     text,
    commune_id    bigint references admin_units (id),
    village_id    bigint references admin_units (id),
    started_on    date,
    effectiveness text not null default 'unrated' check (effectiveness in
                      ('effective', 'fair', 'ineffective', 'unrated')),
    rated_year    smallint check (rated_year between 1990 and 2100),
    geom          geometry(Point, 4326) not null,
    version       integer not null default 1,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now()
);

create index model_sites_geom_idx on model_sites using gist (geom);
create index model_sites_commune_idx on model_sites (commune_id);

create trigger model_sites_geom_valid before insert or update of geom on model_sites
    for each row execute function atlas_check_geometry('geom', 'code');
create trigger model_sites_version before update on model_sites
    for each row execute function atlas_bump_version();
