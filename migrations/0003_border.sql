-- The national border: border-guard posts, the border line cut into segments each watched by a
-- post, and the border markers along it.

create table border_posts (
    id         bigint generated always as identity primary key,
    code       text not null unique,
    name       text not null,
    commune_id bigint references admin_units (id),
    geom       geometry(Point, 4326) not null
);

create table border_segments (
    id                bigint generated always as identity primary key,
    code              text not null unique,
    name              text not null,
    post_id           bigint references border_posts (id),
    commune_id        bigint references admin_units (id),
    -- The length in the official border description; the drawn line is often generalised.
    official_length_m numeric(10, 1) check (official_length_m > 0),
    geom              geometry(LineString, 4326) not null
);

create table border_markers (
    id         bigint generated always as identity primary key,
    -- Marker numbers such as '92', '92(2)', '103/1' are text.
    number     text not null unique,
    segment_id bigint references border_segments (id),
    geom       geometry(Point, 4326) not null
);

create index border_posts_geom_idx on border_posts using gist (geom);
create index border_segments_geom_idx on border_segments using gist (geom);
create index border_markers_geom_idx on border_markers using gist (geom);

create trigger border_posts_geom_valid before insert or update of geom on border_posts
    for each row execute function atlas_check_geometry('geom', 'code');
create trigger border_segments_geom_valid before insert or update of geom on border_segments
    for each row execute function atlas_check_geometry('geom', 'code');
create trigger border_markers_geom_valid before insert or update of geom on border_markers
    for each row execute function atlas_check_geometry('geom', 'number');
