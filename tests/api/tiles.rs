//! The layers' vector tiles and what feeds them (issue #17), on the Lao Cai demo.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;

use antq_atlas::auth::Role;

use crate::imports::post;
use crate::support::{app, as_user, get_json, get_raw, loaded_db, seed_small, test_db, token};

/// Every unit of `layer` on `date` with the given flag properties, as the API serves them.
async fn flags(app: &axum::Router, layer: &str, date: &str, names: &[&str]) -> BTreeMap<String, Vec<Value>> {
    let (status, body) =
        get_json(app, &format!("/api/v1/collections/{layer}/items?as_of={date}&limit=10000")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["features"]
        .as_array()
        .expect("features")
        .iter()
        .map(|f| {
            let p = &f["properties"];
            let code = p["code"].as_str().expect("code").to_owned();
            (code, names.iter().map(|n| p[*n].clone()).collect())
        })
        .collect()
}

#[tokio::test]
async fn unit_designations_on_a_date_are_those_of_any_version_of_the_unit() {
    let db = loaded_db().await;
    let app = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    // The oracle: the designations of any version of the unit (same code), valid on the date,
    // asked one kind at a time.
    let oracle = "select u.code,
            exists (select 1 from designations d join admin_units v on v.id = d.unit_id
                    where v.code = u.code and d.kind = k.kind and d.validity @> $1::date)
         from admin_units u cross join unnest($3::text[]) with ordinality k(kind, n)
         where u.level = $2::unit_level and u.validity @> $1::date order by u.code, k.n";
    let kinds = ["key_security", "border_commune", "program_135", "safe_security"];
    for date in ["2019-12-31", "2020-04-15", "2026-01-01"] {
        let served = flags(&app, "communes", date, &kinds).await;
        let rows: Vec<(String, bool)> = sqlx::query_as(oracle)
            .bind(date.parse::<chrono::NaiveDate>().expect("date"))
            .bind("commune")
            .bind(kinds.to_vec())
            .fetch_all(&db.pool)
            .await
            .expect("oracle");
        let mut expected: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for (code, flag) in rows {
            expected.entry(code).or_default().push(Value::Bool(flag));
        }
        assert!(!served.is_empty(), "{date}: communes served");
        assert_eq!(served, expected, "{date}: commune flags");
        // Decisions name the units of their day: after 2025-07-01 none of them is in force.
        let key: usize = served.values().filter(|f| f[0] == Value::Bool(true)).count();
        assert_eq!(key > 0, date < "2025-07-01", "{date}: {key} key security communes");
    }
    let regions: BTreeMap<String, Vec<Value>> = flags(&app, "communes", "2020-04-15", &["region"]).await;
    let oracle_regions: Vec<(String, Option<String>)> = sqlx::query_as(
        "select u.code, (select d.value from designations d join admin_units v on v.id = d.unit_id
                         where v.code = u.code and d.kind = 'ethnic_region' and d.validity @> date '2020-04-15')
         from admin_units u where u.level = 'commune' and u.validity @> date '2020-04-15'",
    )
    .fetch_all(&db.pool)
    .await
    .expect("regions");
    for (code, region) in oracle_regions {
        assert_eq!(regions[&code], vec![region.map_or(Value::Null, Value::String)], "region of {code}");
    }
    let villages = flags(&app, "villages", "2020-04-15", &["especially_difficult"]).await;
    let difficult = villages.values().filter(|f| f[0] == Value::Bool(true)).count();
    assert_eq!(difficult, 1007, "the seed's especially difficult villages on 15/4/2020");
}

/// An integer property of a tile's feature.
pub fn int(props: &std::collections::HashMap<String, mvt_reader::feature::Value>, name: &str) -> i64 {
    use mvt_reader::feature::Value::{Int, SInt, UInt};
    match props.get(name) {
        Some(Int(n) | SInt(n)) => *n,
        Some(UInt(n)) => i64::try_from(*n).expect("small"),
        other => panic!("{name}: {other:?}"),
    }
}

/// Tile 6/27/50 of the key points (the whole of `seed_small`'s grid, aggregated at this zoom) as
/// `app` serves it: the status, the entity tag, and the counts summed over its cells
/// (`count`, then `count_drugs`, `count_smuggling`).
async fn key_point_tile(app: &axum::Router, if_none_match: Option<&str>) -> (StatusCode, String, [i64; 3]) {
    let headers: Vec<(&str, &str)> = if_none_match.map(|t| ("if-none-match", t)).into_iter().collect();
    let (status, h, bytes) =
        get_raw(app, "/api/v1/collections/key_points/tiles/WebMercatorQuad/6/27/50", &headers).await;
    let tag = h.get("etag").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let mut sums = [0; 3];
    if status == StatusCode::OK {
        for f in mvt_reader::Reader::new(bytes).expect("a valid MVT").get_features(0).expect("features") {
            let props = f.properties.expect("properties");
            for (sum, name) in sums.iter_mut().zip(["count", "count_drugs", "count_smuggling"]) {
                *sum += if props.contains_key(name) { int(&props, name) } else { 0 };
            }
        }
    }
    (status, tag, sums)
}

#[tokio::test]
async fn a_cached_tile_changes_after_a_write_and_its_etag_with_it() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let editor = as_user(app(db.pool.clone()), &token(&db.pool, Role::Editor, &["02644"]).await);
    let (status, tag, before) = key_point_tile(&editor, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(before, [20, 10, 10], "the editor's commune holds half the grid");
    assert_eq!(key_point_tile(&editor, Some(&tag)).await.0, StatusCode::NOT_MODIFIED, "nothing changed");
    assert_eq!(key_point_tile(&editor, None).await.2, before, "the cached tile");

    let body = json!({ "code": "KP-NEW", "category": "drugs", "observed_at": "2026-01-02T03:04:05Z",
                       "lon": 104.05, "lat": 22.5 });
    let (status, answer) =
        post(&editor, "/api/v1/key-points", "application/json", body.to_string().into_bytes()).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");

    let (status, after_tag, after) = key_point_tile(&editor, Some(&tag)).await;
    assert_eq!(status, StatusCode::OK, "the client's copy is stale after the write: no 304");
    assert_ne!(after_tag, tag);
    assert_eq!(after, [21, 11, 10], "one more drugs point");
}

#[tokio::test]
async fn cached_tiles_are_kept_apart_by_the_callers_visibility() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    // One service, so one cache, for both callers.
    let shared = app(db.pool.clone());
    let analyst = as_user(shared.clone(), &token(&db.pool, Role::Analyst, &[]).await);
    let editor = as_user(shared, &token(&db.pool, Role::Editor, &["02635"]).await);
    let (_, analyst_tag, everywhere) = key_point_tile(&analyst, None).await;
    let (_, editor_tag, west) = key_point_tile(&editor, None).await;
    assert_eq!((everywhere[0], west[0]), (40, 20));
    assert_ne!(analyst_tag, editor_tag);
    assert_eq!(
        key_point_tile(&editor, Some(&analyst_tag)).await.0,
        StatusCode::OK,
        "not another caller's 304"
    );
}

#[tokio::test]
async fn a_cached_tile_shows_an_import_by_another_antq_process_and_a_write_from_another_connection() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let (_, first_tag, first) = key_point_tile(&analyst, None).await;
    assert_eq!(first, [40, 20, 20]);

    // A second process: `antq import points` on the same database.
    let dir = tempfile::tempdir().expect("dir");
    let csv = dir.path().join("points.csv");
    std::fs::write(&csv, "code,category,observed_at,lon,lat\nCLI-1,drugs,2026-02-01,103.95,22.5\n")
        .expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_antq"))
        .args(["import", "points"])
        .arg(&csv)
        .args(["--layer", "key_points"])
        .env("DATABASE_URL", &db.url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run antq");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (_, second_tag, second) = key_point_tile(&analyst, Some(&first_tag)).await;
    assert_eq!(second, [41, 21, 20], "the import (a drugs point) is in the next tile");

    // Another connection, plain SQL: archiving takes a point off the layer.
    let mut other = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    sqlx::query("update key_points set archived_at = now() where code = 'KP-2'")
        .execute(&mut other)
        .await
        .expect("archive");
    let (status, _, third) = key_point_tile(&analyst, Some(&second_tag)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(third, [40, 21, 19], "KP-2 (smuggling) is gone");

    // A write to a table the layer does not read keeps its tiles (and their tags).
    sqlx::query("update border_posts set name = name || ' (mới)'").execute(&mut other).await.expect("rename");
    let (status, _, _) = key_point_tile(&analyst, Some(&key_point_tile(&analyst, None).await.1)).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
}

/// The tables named in `sql` among `tables`, and the `atlas_*` functions it calls.
fn named(sql: &str, tables: &[String]) -> (Vec<String>, Vec<String>) {
    let words: std::collections::BTreeSet<&str> =
        sql.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).filter(|w| !w.is_empty()).collect();
    let found = tables.iter().filter(|t| words.contains(t.as_str())).cloned().collect();
    let calls = words.iter().filter(|w| w.starts_with("atlas_")).map(|w| (*w).to_owned()).collect();
    (found, calls)
}

#[tokio::test]
async fn every_table_a_layer_reads_is_versioned_and_listed_in_its_reads() {
    let db = test_db().await;
    let versioned: Vec<String> =
        sqlx::query_scalar("select name from data_versions").fetch_all(&db.pool).await.expect("versions");
    let tables: Vec<String> =
        sqlx::query_scalar("select tablename::text from pg_tables where schemaname = 'public'")
            .fetch_all(&db.pool)
            .await
            .expect("tables");
    for layer in &antq_atlas::layers::LAYERS {
        for t in layer.reads {
            assert!(versioned.iter().any(|v| v == t), "{}: '{t}' has no data version", layer.id);
        }
        // The source, then the bodies of the functions it calls, and theirs.
        let (mut read, mut calls) = named(layer.source, &tables);
        let mut seen = std::collections::BTreeSet::new();
        while let Some(f) = calls.pop() {
            if !seen.insert(f.clone()) {
                continue;
            }
            let bodies: Vec<String> = sqlx::query_scalar("select prosrc from pg_proc where proname = $1")
                .bind(&f)
                .fetch_all(&db.pool)
                .await
                .expect("function");
            for body in bodies {
                let (more, further) = named(&body, &tables);
                read.extend(more);
                calls.extend(further);
            }
        }
        assert!(!read.is_empty(), "{}: the scan found no table", layer.id);
        if layer.id == "border_coverage" {
            assert!(read.iter().any(|t| t == "patrol_tracks"), "the scan follows the functions: {read:?}");
        }
        let unversioned: Vec<&String> = read.iter().filter(|t| !layer.reads.contains(&t.as_str())).collect();
        assert!(
            unversioned.is_empty(),
            "{} reads {unversioned:?} but does not list them in `reads`",
            layer.id
        );
    }
}
