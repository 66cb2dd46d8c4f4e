-- Results of the analysis layers (hotspots, emerging hotspots). Gi* needs every cell of the
-- province, so the statistics are computed once per parameter set and version of the inputs,
-- stored here, and the layers' SQL sources read one run by id: items, tiles and exports of the
-- same map then cost no more than any other layer's.

-- The version of the analyses' inputs (key points; province boundaries). Every statement that
-- writes them bumps it in the same transaction, so a run keyed by the version it read can never
-- be served after a write it did not see.
create table analysis_inputs (
    only_row boolean primary key default true check (only_row),
    version  bigint not null default 0
);
insert into analysis_inputs default values;

create function analysis_inputs_bump() returns trigger
language plpgsql as $$
begin
    update analysis_inputs set version = version + 1;
    return null;
end
$$;

create trigger key_points_analysis_inputs after insert or update or delete or truncate on key_points
    for each statement execute function analysis_inputs_bump();
create trigger admin_units_analysis_inputs after insert or update or delete or truncate on admin_units
    for each statement execute function analysis_inputs_bump();

create table analysis_runs (
    id             bigint generated always as identity primary key,
    layer          text not null,
    -- The request's parameters, canonical (see layers::prepare): one run per parameter set.
    key            text not null,
    inputs_version bigint not null,
    -- The edge (m) and KDE radius (m) actually used, defaults resolved.
    cell           float8 not null,
    radius         float8,
    points         bigint not null,
    created_at     timestamptz not null default now(),
    used_at        timestamptz not null default now(),
    unique (layer, key, inputs_version)
);

create table analysis_cells (
    run_id  bigint not null references analysis_runs (id) on delete cascade,
    -- Feature id: i·1,000,000 + j (j stays below a million for any cell the layers accept).
    id      bigint not null,
    i       integer not null,
    j       integer not null,
    count   integer not null,
    gi_z    float8,
    gi_p    float8,
    gi_bin  smallint,
    density float8,
    pattern text,
    trend_z float8,
    trend_p float8,
    area_m2 float8 not null,
    geom    geometry(MultiPolygon, 4326) not null,
    primary key (run_id, id)
);

-- A tile filters by run and envelope together (btree_gist is installed by 0001).
create index analysis_cells_run_geom_idx on analysis_cells using gist (run_id, geom);
