//! Writes of model sites (reads go through the layer registry). Each function takes the write's
//! transaction, so the caller records the audit row in the same transaction.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::Value;
use sqlx::PgConnection;

/// A model site as the audit log and the API show it after a write.
macro_rules! site_json {
    () => {
        "jsonb_build_object('id', s.id, 'code', s.code, 'type_code', s.type_code, 'name', s.name,
            'host_kind', s.host_kind, 'host_name', s.host_name, 'started_on', s.started_on,
            'effectiveness', s.effectiveness, 'rated_year', s.rated_year, 'commune_id', s.commune_id,
            'village_id', s.village_id, 'lon', ST_X(s.geom), 'lat', ST_Y(s.geom), 'archived_at', s.archived_at,
            'version', s.version)"
    };
}

/// The commune and village (valid today) covering the point `$lon, $lat`: model sites take their
/// units from where they are, never from the client.
macro_rules! unit_at {
    ($level:literal, $lon:literal, $lat:literal) => {
        concat!(
            "(select u.id from admin_units u where u.level = '",
            $level,
            "' and u.validity @> current_date and ST_Covers(u.geom, ST_SetSRID(ST_MakePoint(",
            $lon,
            ", ",
            $lat,
            "), 4326)) order by u.id limit 1)"
        )
    };
}

/// A new model site, as a client sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewModelSite {
    /// Unique code.
    pub code: String,
    /// A `model_types` code.
    pub type_code: String,
    /// The model's name.
    pub name: String,
    /// `village`, `residential_group`, `agency`, `enterprise`, `school`, `parish` or `clan`.
    pub host_kind: String,
    /// The host's name.
    pub host_name: Option<String>,
    /// When the model started.
    pub started_on: Option<NaiveDate>,
    /// `effective`, `fair`, `ineffective` or `unrated` (the default).
    pub effectiveness: Option<String>,
    /// The year of the rating.
    pub rated_year: Option<i16>,
    /// Longitude (WGS 84).
    pub lon: f64,
    /// Latitude (WGS 84).
    pub lat: f64,
}

/// The editable fields of a model site; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSitePatch {
    /// A `model_types` code.
    pub type_code: Option<String>,
    /// The model's name.
    pub name: Option<String>,
    /// Where it runs.
    pub host_kind: Option<String>,
    /// The host's name.
    pub host_name: Option<String>,
    /// When the model started.
    pub started_on: Option<NaiveDate>,
    /// The rating.
    pub effectiveness: Option<String>,
    /// The year of the rating.
    pub rated_year: Option<i16>,
    /// New longitude; with `lat`, moves the site.
    pub lon: Option<f64>,
    /// New latitude.
    pub lat: Option<f64>,
    /// Must equal the stored code when sent.
    pub code: Option<String>,
    #[serde(default, rename = "version")]
    _version: Option<Value>,
    #[serde(default, rename = "commune_id")]
    _commune_id: Option<Value>,
    #[serde(default, rename = "village_id")]
    _village_id: Option<Value>,
    #[serde(default, rename = "archived_at")]
    _archived_at: Option<Value>,
}

/// Inserts a model site by `user_id`; returns it as JSON.
///
/// # Errors
/// A constraint refuses it, or the database fails.
#[tracing::instrument(skip(conn, s), fields(code = %s.code), err)]
pub async fn insert(conn: &mut PgConnection, s: &NewModelSite, user_id: i64) -> Result<Value, sqlx::Error> {
    sqlx::query_scalar(concat!(
        "with s as (insert into model_sites (code, type_code, name, host_kind, host_name, started_on,
                        effectiveness, rated_year, geom, commune_id, village_id, created_by)
                    values ($1, $2, $3, $4, $5, $6, coalesce($7, 'unrated'), $8,
                            ST_SetSRID(ST_MakePoint($9, $10), 4326), ",
        unit_at!("commune", "$9", "$10"),
        ", ",
        unit_at!("village", "$9", "$10"),
        ", $11) returning *)
         select ",
        site_json!(),
        " from s"
    ))
    .bind(&s.code)
    .bind(&s.type_code)
    .bind(&s.name)
    .bind(&s.host_kind)
    .bind(&s.host_name)
    .bind(s.started_on)
    .bind(&s.effectiveness)
    .bind(s.rated_year)
    .bind(s.lon)
    .bind(s.lat)
    .bind(user_id)
    .fetch_one(conn)
    .await
}

/// Model site `id` as JSON with its location, locked for update when `conn` is a transaction's;
/// `None` when there is none.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(conn), err)]
pub async fn lock(conn: &mut PgConnection, id: i64) -> Result<Option<(Value, f64, f64)>, sqlx::Error> {
    sqlx::query_as(concat!(
        "select ",
        site_json!(),
        ", ST_X(s.geom), ST_Y(s.geom) from model_sites s where s.id = $1 for update"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Applies `p` to model site `id` by `user_id`; returns it as JSON.
///
/// # Errors
/// A constraint refuses it, or the database fails.
#[tracing::instrument(skip(conn, p), err)]
pub async fn update(
    conn: &mut PgConnection,
    id: i64,
    p: &ModelSitePatch,
    user_id: i64,
) -> Result<Value, sqlx::Error> {
    sqlx::query_scalar(concat!(
        "with s as (update model_sites set type_code = coalesce($2, type_code), name = coalesce($3, name),
                        host_kind = coalesce($4, host_kind), host_name = coalesce($5, host_name),
                        started_on = coalesce($6, started_on), effectiveness = coalesce($7, effectiveness),
                        rated_year = coalesce($8, rated_year),
                        geom = case when $9::float8 is null then geom else ST_SetSRID(ST_MakePoint($9, $10), 4326) end,
                        commune_id = case when $9::float8 is null then commune_id else ",
        unit_at!("commune", "$9", "$10"),
        " end, village_id = case when $9::float8 is null then village_id else ",
        unit_at!("village", "$9", "$10"),
        " end, updated_by = $11 where id = $1 returning *)
         select ",
        site_json!(),
        " from s"
    ))
    .bind(id)
    .bind(&p.type_code)
    .bind(&p.name)
    .bind(&p.host_kind)
    .bind(&p.host_name)
    .bind(p.started_on)
    .bind(&p.effectiveness)
    .bind(p.rated_year)
    .bind(p.lon)
    .bind(p.lat)
    .bind(user_id)
    .fetch_one(conn)
    .await
}

/// Archives model site `id` by `user_id`; returns it.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip(conn), err)]
pub async fn archive(conn: &mut PgConnection, id: i64, user_id: i64) -> Result<Value, sqlx::Error> {
    sqlx::query_scalar(concat!(
        "with s as (update model_sites set archived_at = now(), updated_by = $2 where id = $1 returning *)
         select ",
        site_json!(),
        " from s"
    ))
    .bind(id)
    .bind(user_id)
    .fetch_one(conn)
    .await
}
