-- Patrols: planned (route, time span, units) and recorded (GPS tracks with per-point times).

create table patrols (
    id            bigint generated always as identity primary key,
    code          text not null unique,
    kind          text not null check (kind in ('border', 'joint', 'commune')),
    -- Units taking part, e.g. a border-guard post code, 'CA xã Bản Vược'.
    units         text[] not null default '{}',
    members       text[] not null default '{}',
    planned_route geometry(LineString, 4326),
    planned_start timestamptz,
    planned_end   timestamptz,
    started_at    timestamptz,
    ended_at      timestamptz,
    note          text,
    version       integer not null default 1,
    created_by    bigint,
    created_at    timestamptz not null default now(),
    updated_at    timestamptz not null default now(),
    constraint patrols_planned_order check (planned_end is null or planned_start is null or planned_end > planned_start),
    constraint patrols_actual_order check (ended_at is null or started_at is null or ended_at >= started_at)
);

create index patrols_route_idx on patrols using gist (planned_route);
create index patrols_time_idx on patrols (planned_start);

create trigger patrols_route_valid before insert or update of planned_route on patrols
    for each row execute function atlas_check_geometry('planned_route', 'code');
create trigger patrols_version before update on patrols
    for each row execute function atlas_bump_version();

-- One recorded track (a GPX track segment). point_times[i] is the time of the i-th vertex, or the
-- whole array is null when the device recorded no times.
create table patrol_tracks (
    id          bigint generated always as identity primary key,
    patrol_id   bigint not null references patrols (id) on delete cascade,
    name        text,
    geom        geometry(LineString, 4326) not null,
    point_times timestamptz[],
    started_at  timestamptz,
    ended_at    timestamptz,
    created_at  timestamptz not null default now(),
    constraint patrol_tracks_times_match check (
        point_times is null or cardinality(point_times) = ST_NPoints(geom)),
    constraint patrol_tracks_time_order check (ended_at is null or started_at is null or ended_at >= started_at)
);

create index patrol_tracks_geom_idx on patrol_tracks using gist (geom);
create index patrol_tracks_patrol_idx on patrol_tracks (patrol_id);
create index patrol_tracks_time_idx on patrol_tracks (started_at);

create trigger patrol_tracks_geom_valid before insert or update of geom on patrol_tracks
    for each row execute function atlas_check_geometry('geom', 'id');
