//! Loading a data set (the Lao Cai demo) into the database: one transaction, idempotent.
//!
//! Each file is bound whole as one `jsonb` parameter (a GeoJSON `FeatureCollection`, or a CSV
//! file turned into an array of objects) and inserted set-wise by one statement. References
//! between files are by natural key (unit code and a date, post code, patrol code), resolved here.
//! Rows whose natural key already exists are skipped (`on conflict do nothing`), so loading the
//! same data twice changes nothing; a failure anywhere rolls everything back.

use sqlx::PgPool;

/// How a file is turned into the JSON bound to its statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A GeoJSON `FeatureCollection`, bound as it is.
    GeoJson,
    /// A CSV file with a header, bound as an array of objects (empty fields are `null`).
    Csv,
}

/// One file of a data set and the statement that loads it.
#[derive(Debug)]
pub struct Step {
    /// File name inside the data set's directory.
    pub file: &'static str,
    /// How the file is bound.
    pub format: Format,
    sql: &'static str,
}

const UNITS: &str = "
insert into admin_units (code, level, kind, name, parent_id, valid_from, valid_to, population, ethnic_shares, geom)
select p->>'code', (p->>'level')::unit_level, p->>'kind', p->>'name',
       (select u.id from admin_units u where u.code = p->>'parent_code' and u.validity @> (p->>'valid_from')::date),
       (p->>'valid_from')::date, (p->>'valid_to')::date, (p->>'population')::int,
       nullif(p->'ethnic_shares', 'null'::jsonb), ST_Multi(ST_GeomFromGeoJSON(f->'geometry'))
from jsonb_array_elements($1::jsonb -> 'features') f cross join lateral (select f->'properties' as p) x
on conflict do nothing";

/// The files of a data set, in loading order (parents before children).
pub const STEPS: &[Step] = &[
    Step { file: "province.geojson", format: Format::GeoJson, sql: UNITS },
    Step { file: "districts.geojson", format: Format::GeoJson, sql: UNITS },
    Step { file: "communes.geojson", format: Format::GeoJson, sql: UNITS },
    Step { file: "villages.geojson", format: Format::GeoJson, sql: UNITS },
    Step {
        file: "unit_changes.csv",
        format: Format::Csv,
        sql: "
insert into admin_unit_changes (changed_on, predecessor_id, successor_id, change, basis)
select (r->>'changed_on')::date,
       (select u.id from admin_units u where u.code = r->>'predecessor_code' and u.valid_to = (r->>'changed_on')::date),
       (select u.id from admin_units u where u.code = r->>'successor_code' and u.valid_from = (r->>'changed_on')::date),
       r->>'change', r->>'basis'
from jsonb_array_elements($1::jsonb) r
on conflict do nothing",
    },
    Step {
        file: "official_unit_names.csv",
        format: Format::Csv,
        sql: "
insert into official_unit_names (code, level, name, valid_from, valid_to, basis)
select r->>'code', (r->>'level')::unit_level, r->>'name', (r->>'valid_from')::date, (r->>'valid_to')::date, r->>'basis'
from jsonb_array_elements($1::jsonb) r
on conflict do nothing",
    },
    Step {
        file: "designations.csv",
        format: Format::Csv,
        sql: "
insert into designations (unit_id, kind, value, decision, decided_on, valid_from, valid_to, note)
select (select u.id from admin_units u where u.code = r->>'unit_code' and u.validity @> (r->>'valid_from')::date),
       r->>'kind', r->>'value', r->>'decision', (r->>'decided_on')::date,
       (r->>'valid_from')::date, (r->>'valid_to')::date, r->>'note'
from jsonb_array_elements($1::jsonb) r
on conflict do nothing",
    },
    Step {
        file: "grassroots_profiles.csv",
        format: Format::Csv,
        sql: "
insert into grassroots_profiles (unit_id, year, commune_cadres, commune_civil_servants, commune_nonspecialised,
                                 village_nonspecialised, police_trained, steering_committee, security_resolution)
select (select u.id from admin_units u where u.code = r->>'unit_code' and u.validity @> (r->>'unit_on')::date),
       (r->>'year')::smallint, (r->>'commune_cadres')::int, (r->>'commune_civil_servants')::int,
       (r->>'commune_nonspecialised')::int, (r->>'village_nonspecialised')::int, (r->>'police_trained')::int,
       (r->>'steering_committee')::boolean, (r->>'security_resolution')::boolean
from jsonb_array_elements($1::jsonb) r
on conflict do nothing",
    },
    Step {
        file: "border_posts.geojson",
        format: Format::GeoJson,
        sql: "
insert into border_posts (code, name, commune_id, geom)
select p->>'code', p->>'name',
       (select u.id from admin_units u where u.code = p->>'commune_code'
            and u.validity @> coalesce((p->>'units_on')::date, current_date)),
       ST_GeomFromGeoJSON(f->'geometry')
from jsonb_array_elements($1::jsonb -> 'features') f cross join lateral (select f->'properties' as p) x
on conflict do nothing",
    },
    Step {
        file: "border_segments.geojson",
        format: Format::GeoJson,
        sql: "
insert into border_segments (code, name, post_id, commune_id, official_length_m, geom)
select p->>'code', p->>'name', (select b.id from border_posts b where b.code = p->>'post_code'),
       (select u.id from admin_units u where u.code = p->>'commune_code'
            and u.validity @> coalesce((p->>'units_on')::date, current_date)),
       (p->>'official_length_m')::numeric, ST_GeomFromGeoJSON(f->'geometry')
from jsonb_array_elements($1::jsonb -> 'features') f cross join lateral (select f->'properties' as p) x
on conflict do nothing",
    },
    Step {
        file: "border_markers.geojson",
        format: Format::GeoJson,
        sql: "
insert into border_markers (number, segment_id, geom)
select p->>'number', (select s.id from border_segments s where s.code = p->>'segment_code'),
       ST_GeomFromGeoJSON(f->'geometry')
from jsonb_array_elements($1::jsonb -> 'features') f cross join lateral (select f->'properties' as p) x
on conflict do nothing",
    },
    Step {
        file: "key_points.geojson",
        format: Format::GeoJson,
        sql: "
insert into key_points (code, category, severity, status, observed_at, location, description)
select p->>'code', p->>'category', (p->>'severity')::smallint, (p->>'status')::key_point_status,
       (p->>'observed_at')::timestamptz, ST_GeomFromGeoJSON(f->'geometry'), p->>'description'
from jsonb_array_elements($1::jsonb -> 'features') f cross join lateral (select f->'properties' as p) x
on conflict do nothing",
    },
    Step {
        file: "model_types.csv",
        format: Format::Csv,
        sql: "
insert into model_types (code, name_vi, name_en)
select r->>'code', r->>'name_vi', r->>'name_en' from jsonb_array_elements($1::jsonb) r
on conflict do nothing",
    },
    Step {
        file: "model_sites.geojson",
        format: Format::GeoJson,
        sql: "
insert into model_sites (code, type_code, name, host_kind, host_name, commune_id, village_id, started_on,
                         effectiveness, rated_year, geom)
select p->>'code', p->>'type_code', p->>'name', p->>'host_kind', p->>'host_name',
       (select u.id from admin_units u where u.code = p->>'commune_code'
            and u.validity @> coalesce((p->>'units_on')::date, current_date)),
       (select u.id from admin_units u where u.code = p->>'village_code'
            and u.validity @> coalesce((p->>'units_on')::date, current_date)),
       (p->>'started_on')::date, p->>'effectiveness', (p->>'rated_year')::smallint, ST_GeomFromGeoJSON(f->'geometry')
from jsonb_array_elements($1::jsonb -> 'features') f cross join lateral (select f->'properties' as p) x
on conflict do nothing",
    },
    Step {
        file: "patrols.csv",
        format: Format::Csv,
        sql: "
insert into patrols (code, kind, units, planned_start, planned_end, started_at, ended_at, note)
select r->>'code', r->>'kind', (r->>'units')::text[], (r->>'planned_start')::timestamptz,
       (r->>'planned_end')::timestamptz, (r->>'started_at')::timestamptz, (r->>'ended_at')::timestamptz, r->>'note'
from jsonb_array_elements($1::jsonb) r
on conflict do nothing",
    },
    // Plans of the coming weeks, so the planning view shows something: their days count from the
    // day the data is loaded (Vietnam), their routes are stretches of border segments. Loading
    // again, on any day, finds the codes and changes nothing.
    Step {
        file: "planned_patrols.csv",
        format: Format::Csv,
        sql: "
insert into patrols (code, kind, units, members, planned_route, planned_start, planned_end, note)
select r->>'code', r->>'kind', (r->>'units')::text[], (r->>'members')::text[],
       ST_LineSubstring(s.geom, (r->>'from_fraction')::float8, (r->>'to_fraction')::float8), x.t0,
       x.t0 + make_interval(hours => (r->>'hours')::int), r->>'note'
from jsonb_array_elements($1::jsonb) r
join border_segments s on s.code = r->>'segment'
cross join lateral (
    select (((now() at time zone 'Asia/Ho_Chi_Minh')::date + (r->>'day')::int) + (r->>'start')::time)
               at time zone 'Asia/Ho_Chi_Minh' as t0) x
on conflict do nothing",
    },
    // Tracks have no natural key of their own: a patrol's track is known by its name.
    Step {
        file: "patrol_tracks.geojson",
        format: Format::GeoJson,
        sql: "
insert into patrol_tracks (patrol_id, name, geom, point_times, started_at, ended_at)
select pt.id, p->>'name', ST_GeomFromGeoJSON(f->'geometry'), t.times, t.times[1], t.times[cardinality(t.times)]
from jsonb_array_elements($1::jsonb -> 'features') f
cross join lateral (select f->'properties' as p) x
join patrols pt on pt.code = p->>'patrol_code'
cross join lateral (
    select array_agg((p->>'start')::timestamptz + make_interval(secs => o.s::double precision) order by o.n) as times
    from jsonb_array_elements_text(p->'offsets_s') with ordinality o(s, n)) t
where not exists (select 1 from patrol_tracks e where e.patrol_id = pt.id and e.name = p->>'name')",
    },
];

/// The first row inserted by this transaction (`xmin` is our transaction) whose reference by
/// code found nothing; rows written before, by people, may leave such references empty.
const DANGLING: &str = "
with mine as (select pg_current_xact_id()::xid as x)
select what from (
    select 'border post ' || code || ': no current commune with its commune_code' as what
    from border_posts, mine where xmin = mine.x and commune_id is null
    union all
    select 'border segment ' || code || ': unknown post_code or commune_code'
    from border_segments, mine where xmin = mine.x and (post_id is null or commune_id is null)
    union all
    select 'border marker ' || number || ': unknown segment_code'
    from border_markers, mine where xmin = mine.x and segment_id is null
    union all
    select 'model site ' || code || ': no current commune or village with its codes'
    from model_sites, mine where xmin = mine.x and (commune_id is null or village_id is null)
) problems limit 1";

/// Rows inserted from one file.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepOutcome {
    /// The file.
    pub file: &'static str,
    /// New rows (0 when the data was already there).
    pub inserted: u64,
}

/// A failure while loading.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The database refused a file's rows (or the transaction around them).
    #[error("loading {file} failed: {source}")]
    Refused {
        /// The file being loaded.
        file: &'static str,
        /// The database's refusal.
        #[source]
        source: sqlx::Error,
    },
    /// A row names, by code, something that does not exist.
    #[error("loading failed: {0}")]
    Dangling(String),
}

/// Loads `inputs` (each step with its file's JSON text) in one transaction; concurrent loaders
/// wait for each other. Nothing is written unless every step succeeds.
///
/// # Errors
/// The first step the database refuses, with the file's name; the transaction is rolled back.
#[tracing::instrument(skip_all, err)]
pub async fn load(pool: &PgPool, inputs: &[(&'static Step, String)]) -> Result<Vec<StepOutcome>, LoadError> {
    let begin = |source| LoadError::Refused { file: "(transaction)", source };
    let mut tx = pool.begin().await.map_err(begin)?;
    // One loader at a time: two at once would both see a row missing and one would fail.
    sqlx::query("select pg_advisory_xact_lock(727275)").execute(&mut *tx).await.map_err(begin)?;
    let mut outcomes = Vec::with_capacity(inputs.len());
    for (step, json) in inputs {
        let done = sqlx::query(step.sql)
            .bind(json.as_str())
            .execute(&mut *tx)
            .await
            .map_err(|source| LoadError::Refused { file: step.file, source })?;
        tracing::debug!(file = step.file, inserted = done.rows_affected(), "loaded");
        outcomes.push(StepOutcome { file: step.file, inserted: done.rows_affected() });
    }
    // A code that names nothing would leave a nullable reference empty without a word.
    let dangling: Option<String> = sqlx::query_scalar(DANGLING)
        .fetch_optional(&mut *tx)
        .await
        .map_err(|source| LoadError::Refused { file: "(references)", source })?;
    if let Some(what) = dangling {
        return Err(LoadError::Dangling(what));
    }
    // Deferred checks (the unit hierarchy) run here.
    tx.commit().await.map_err(|source| LoadError::Refused { file: "(commit)", source })?;
    Ok(outcomes)
}

/// Whether the database holds no administrative units yet (`antq demo` then loads the demo).
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip_all, err)]
pub async fn is_empty(pool: &PgPool) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("select not exists (select 1 from admin_units)").fetch_one(pool).await
}
