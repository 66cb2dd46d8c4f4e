//! The schema's constraints refuse bad rows with a reason a person can act on.
//!
//! Fixtures are tiny hand-made squares around Lào Cai city (lon 103.9-104.1, lat 22.4-22.6).

use antq_atlas::db::admin_units::{self, UnitLevel};
use chrono::NaiveDate;
use sqlx::PgPool;

use crate::support::test_db;

const SQUARE: &str = "MULTIPOLYGON(((103.9 22.4,104.1 22.4,104.1 22.6,103.9 22.6,103.9 22.4)))";
/// A bow-tie: its two edges cross at (104, 22.5).
const BOWTIE: &str = "MULTIPOLYGON(((103.9 22.4,104.1 22.6,104.1 22.4,103.9 22.6,103.9 22.4)))";

fn date(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

async fn insert_unit(
    pool: &PgPool,
    code: &str,
    level: &str,
    kind: &str,
    parent: Option<&str>,
    from: &str,
    to: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "insert into admin_units (code, level, kind, name, parent_id, valid_from, valid_to, geom)
         values ($1, $2::unit_level, $3, $1, (select id from admin_units where code = $4 order by valid_from desc limit 1),
                 $5::date, $6::date, ST_GeomFromText($7, 4326))",
    )
    .bind(code)
    .bind(level)
    .bind(kind)
    .bind(parent)
    .bind(from)
    .bind(to)
    .bind(SQUARE)
    .execute(pool)
    .await
    .map(drop)
}

async fn province_and_district(pool: &PgPool) {
    insert_unit(pool, "10", "province", "tỉnh", None, "2004-01-01", None).await.expect("province");
    insert_unit(pool, "080", "district", "thành phố", Some("10"), "2004-01-01", None)
        .await
        .expect("district");
}

fn db_error(e: &sqlx::Error) -> (String, String, String) {
    let db = e.as_database_error().unwrap_or_else(|| panic!("not a database error: {e}"));
    (
        db.code().map(std::borrow::Cow::into_owned).unwrap_or_default(),
        db.constraint().unwrap_or_default().to_owned(),
        db.message().to_owned(),
    )
}

#[tokio::test]
async fn invalid_polygon_is_refused_with_postgis_reason() {
    let db = test_db().await;
    province_and_district(&db.pool).await;

    let err = sqlx::query(
        "insert into admin_units (code, level, kind, name, parent_id, valid_from, geom)
         values ('02635', 'commune', 'phường', 'Phường Duyên Hải', (select id from admin_units where code = '080'),
                 '2010-01-01', ST_GeomFromText($1, 4326))",
    )
    .bind(BOWTIE)
    .execute(&db.pool)
    .await
    .expect_err("a self-intersecting polygon must be refused");

    let (code, constraint, message) = db_error(&err);
    assert_eq!(code, "23514");
    assert_eq!(constraint, "admin_units_geom_valid");
    assert!(message.contains("02635"), "names the unit: {message}");
    assert!(message.contains("Self-intersection"), "gives PostGIS's reason: {message}");
    let count: i64 = sqlx::query_scalar("select count(*) from admin_units where code = '02635'")
        .fetch_one(&db.pool)
        .await
        .expect("count");
    assert_eq!(count, 0);
}

#[tokio::test]
async fn same_code_cannot_have_overlapping_validity() {
    let db = test_db().await;
    province_and_district(&db.pool).await;
    insert_unit(&db.pool, "02641", "commune", "phường", Some("080"), "2004-01-01", Some("2020-02-01"))
        .await
        .expect("first version");
    // A successor starting the day the first ends is fine ...
    insert_unit(&db.pool, "02641", "commune", "phường", Some("080"), "2020-02-01", None)
        .await
        .expect("a following version");

    // ... one that overlaps is not.
    let err =
        insert_unit(&db.pool, "02641", "commune", "phường", Some("080"), "2019-06-01", Some("2019-07-01"))
            .await
            .expect_err("overlap must be refused");
    let (code, constraint, _) = db_error(&err);
    assert_eq!(code, "23P01");
    assert_eq!(constraint, "admin_units_code_no_overlap");
}

#[tokio::test]
async fn child_validity_must_lie_within_parent() {
    let db = test_db().await;
    insert_unit(&db.pool, "10", "province", "tỉnh", None, "2004-01-01", None).await.expect("province");
    insert_unit(&db.pool, "999", "district", "huyện", Some("10"), "2010-01-01", Some("2020-01-01"))
        .await
        .expect("district");

    let err = insert_unit(&db.pool, "99901", "commune", "xã", Some("999"), "2015-01-01", None)
        .await
        .expect_err("a commune outliving its district must be refused");
    let (code, constraint, message) = db_error(&err);
    assert_eq!(code, "23514");
    assert_eq!(constraint, "admin_units_within_parent");
    assert!(message.contains("99901") && message.contains("999"), "{message}");

    // Shortening a parent past its child is refused too.
    insert_unit(&db.pool, "99902", "commune", "xã", Some("999"), "2015-01-01", Some("2019-01-01"))
        .await
        .expect("a commune inside its district");
    let err = sqlx::query("update admin_units set valid_to = '2018-01-01' where code = '999'")
        .execute(&db.pool)
        .await
        .expect_err("the district would no longer cover its commune");
    assert_eq!(db_error(&err).1, "admin_units_within_parent");
}

#[tokio::test]
async fn a_commune_needs_a_higher_level_parent() {
    let db = test_db().await;
    let err = insert_unit(&db.pool, "77701", "commune", "xã", None, "2015-01-01", None)
        .await
        .expect_err("an orphan commune must be refused");
    assert_eq!(db_error(&err).1, "admin_units_parent");
}

#[tokio::test]
async fn as_of_returns_the_units_valid_on_a_date() {
    let db = test_db().await;
    province_and_district(&db.pool).await;
    // Phố Mới (02641) merged into Lào Cai ward in early 2020; Duyên Hải is unchanged.
    insert_unit(&db.pool, "02641", "commune", "phường", Some("080"), "2004-01-01", Some("2020-02-01"))
        .await
        .expect("Phố Mới");
    insert_unit(&db.pool, "02641b", "commune", "phường", Some("080"), "2020-02-01", None)
        .await
        .expect("Lào Cai ward");
    insert_unit(&db.pool, "02635", "commune", "phường", Some("080"), "2004-01-01", None)
        .await
        .expect("Duyên Hải");

    let codes = |units: Vec<admin_units::Unit>| units.into_iter().map(|u| u.code).collect::<Vec<_>>();
    let before =
        admin_units::as_of(&db.pool, date("2019-12-31"), Some(UnitLevel::Commune)).await.expect("query");
    let after =
        admin_units::as_of(&db.pool, date("2020-02-01"), Some(UnitLevel::Commune)).await.expect("query");
    let all = admin_units::as_of(&db.pool, date("2020-02-01"), None).await.expect("query");

    assert_eq!(codes(before), ["02635", "02641"]);
    assert_eq!(codes(after), ["02635", "02641b"]);
    assert_eq!(codes(all), ["10", "080", "02635", "02641b"]);
}

#[tokio::test]
async fn vn2000_lao_cai_tm3_is_known_to_postgis() {
    let db = test_db().await;
    let (lon, lat): (f64, f64) = sqlx::query_as(
        "select ST_X(p), ST_Y(p) from (select ST_Transform(ST_SetSRID(ST_Point(500000, 2490000), 9208), 4326) p) t",
    )
    .fetch_one(&db.pool)
    .await
    .expect("transform from EPSG:9208");
    // Known answer from pyproj 3.7.2 / PROJ 9.5.1 with its own EPSG:9208 -> EPSG:4326 pipeline:
    // Transformer.from_crs("EPSG:9208", "EPSG:4326", always_xy=True).transform(500000, 2490000)
    // = (104.751904590, 22.508802075). 1e-6 degree is about 0.1 m.
    assert!((lon - 104.751_904_590).abs() < 1e-6, "lon {lon}");
    assert!((lat - 22.508_802_075).abs() < 1e-6, "lat {lat}");
}

#[tokio::test]
async fn key_points_derive_their_commune_and_keep_history() {
    let db = test_db().await;
    province_and_district(&db.pool).await;
    insert_unit(&db.pool, "02635", "commune", "phường", Some("080"), "2004-01-01", None)
        .await
        .expect("commune");

    sqlx::query(
        "insert into key_points (code, category, observed_at, location, description)
         values ('KP-1', 'smuggling', '2020-03-01T10:00:00+07', ST_SetSRID(ST_Point(104.0, 22.5), 4326), 'first')",
    )
    .execute(&db.pool)
    .await
    .expect("insert");
    sqlx::query("update key_points set status = 'verified', description = 'second' where code = 'KP-1'")
        .execute(&db.pool)
        .await
        .expect("update");

    let (commune, version): (String, i32) = sqlx::query_as(
        "select u.code, k.version from key_points k join admin_units u on u.id = k.commune_id where k.code = 'KP-1'",
    )
    .fetch_one(&db.pool)
    .await
    .expect("key point");
    assert_eq!((commune.as_str(), version), ("02635", 2));
    let history: Vec<(i32, String)> =
        sqlx::query_as("select version, data->>'description' from key_point_history order by version")
            .fetch_all(&db.pool)
            .await
            .expect("history");
    assert_eq!(history, [(1, "first".to_owned()), (2, "second".to_owned())]);
}

#[tokio::test]
async fn track_times_must_match_its_points() {
    let db = test_db().await;
    sqlx::query("insert into patrols (code, kind) values ('P-1', 'joint')")
        .execute(&db.pool)
        .await
        .expect("patrol");
    let err = sqlx::query(
        "insert into patrol_tracks (patrol_id, geom, point_times)
         values ((select id from patrols), ST_GeomFromText('LINESTRING(104 22.5, 104.01 22.51, 104.02 22.52)', 4326),
                 array['2020-01-01T08:00:00Z'::timestamptz, '2020-01-01T08:10:00Z'])",
    )
    .execute(&db.pool)
    .await
    .expect_err("two times for three points");
    assert_eq!(db_error(&err).1, "patrol_tracks_times_match");
}

#[tokio::test]
async fn audit_log_is_append_only() {
    let db = test_db().await;
    sqlx::query("insert into audit_log (action, target) values ('export', 'key_points')")
        .execute(&db.pool)
        .await
        .expect("append");
    let err = sqlx::query("delete from audit_log").execute(&db.pool).await.expect_err("no deletes");
    assert!(db_error(&err).2.contains("append-only"));
}
