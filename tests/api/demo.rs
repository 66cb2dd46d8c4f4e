//! The Lao Cai demo data: its boundaries tile, its merges are unions, and the loader is
//! idempotent and all-or-nothing.

use std::path::Path;

use antq_atlas::fixtures::load_dir;
use sqlx::PgPool;

use crate::support::{fixtures_dir, loaded_db, test_db};

use crate::reorg::DATES;

/// Parents whose children's union differs from them by more than 0.01 km².
async fn untiled_parents(pool: &PgPool, date: &str) -> Vec<(String, f64)> {
    sqlx::query_as(
        "with u as (select * from admin_units where validity @> $1::date),
              fam as (select p.code, p.geom, ST_Union(c.geom) as children
                      from u p join u c on c.parent_id = p.id
                      where p.level in ('province', 'district') group by p.id, p.code, p.geom)
         select code, ST_Area(ST_SymDifference(geom, children)::geography)
         from fam where ST_Area(ST_SymDifference(geom, children)::geography) > 10000",
    )
    .bind(date)
    .fetch_all(pool)
    .await
    .expect("tiling query")
}

#[tokio::test]
async fn communes_tile_districts_and_districts_tile_the_province() {
    let db = loaded_db().await;
    for (date, expected) in DATES {
        assert_eq!(untiled_parents(&db.pool, date).await, vec![], "as of {date}");
        let provinces: i64 = sqlx::query_scalar(
            "select count(*) from admin_units where level = 'province' and validity @> $1::date",
        )
        .bind(date)
        .fetch_one(&db.pool)
        .await
        .expect("count");
        assert_eq!(provinces, expected, "as of {date}");
    }
}

#[tokio::test]
async fn no_two_units_of_a_level_overlap() {
    let db = loaded_db().await;
    for (date, _) in DATES {
        let overlaps: Vec<(String, String, f64)> = sqlx::query_as(
            "with u as (select * from admin_units where validity @> $1::date and level in ('district', 'commune'))
             select a.code, b.code, ST_Area(ST_Intersection(a.geom, b.geom)::geography)
             from u a join u b on a.level = b.level and a.id < b.id and a.geom && b.geom
             where ST_Area(ST_Intersection(a.geom, b.geom)::geography) > 100",
        )
        .bind(date)
        .fetch_all(&db.pool)
        .await
        .expect("overlap query");
        assert_eq!(overlaps, vec![], "as of {date}");
    }
}

#[tokio::test]
async fn every_village_lies_inside_its_commune() {
    let db = loaded_db().await;
    let outside: Vec<(String, String, f64)> = sqlx::query_as(
        "select v.code, c.code, ST_Area(ST_Difference(v.geom, c.geom)::geography)
         from admin_units v join admin_units c on c.id = v.parent_id
         where v.level = 'village' and not ST_CoveredBy(v.geom, c.geom)",
    )
    .fetch_all(&db.pool)
    .await
    .expect("containment query");
    assert_eq!(outside, vec![]);
}

#[tokio::test]
async fn merged_units_are_the_union_of_their_predecessors() {
    let db = loaded_db().await;
    let rows: Vec<(String, i64, f64)> = sqlx::query_as(
        "select s.code, count(*), ST_Area(ST_SymDifference(s.geom, ST_Union(p.geom))::geography)
         from admin_unit_changes ch
         join admin_units s on s.id = ch.successor_id join admin_units p on p.id = ch.predecessor_id
         group by s.id, s.code, s.geom order by s.code",
    )
    .fetch_all(&db.pool)
    .await
    .expect("changes");
    let merges = rows.iter().filter(|(_, n, _)| *n > 1).count();
    assert!(merges >= 10, "{rows:?}");
    let bad: Vec<_> = rows.iter().filter(|(_, _, diff)| *diff > 10_000.0).collect();
    assert!(bad.is_empty(), "{bad:?}");
    // Every merged-away unit closed the day its successor opened.
    let dangling: i64 = sqlx::query_scalar(
        "select count(*) from admin_unit_changes ch join admin_units p on p.id = ch.predecessor_id
         join admin_units s on s.id = ch.successor_id where p.valid_to is distinct from s.valid_from",
    )
    .fetch_one(&db.pool)
    .await
    .expect("dates");
    assert_eq!(dangling, 0);
}

/// Row counts and a digest of the content of every table the loader writes.
async fn snapshot(pool: &PgPool) -> Vec<(String, i64, Option<String>)> {
    let mut out = Vec::new();
    for table in [
        "admin_units",
        "admin_unit_changes",
        "designations",
        "grassroots_profiles",
        "border_posts",
        "border_segments",
        "border_markers",
        "key_points",
        "key_point_history",
        "model_types",
        "model_sites",
        "patrols",
        "patrol_tracks",
    ] {
        // Table names come from the list above, never from input.
        let sql = format!("select count(*), md5(string_agg(t::text, '|' order by t::text)) from {table} t");
        let (n, digest): (i64, Option<String>) =
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_one(pool).await.expect("snapshot");
        out.push((table.to_owned(), n, digest));
    }
    out
}

#[tokio::test]
async fn loading_twice_changes_nothing() {
    let db = loaded_db().await;
    let before = snapshot(&db.pool).await;
    assert!(before.iter().all(|(_, n, _)| *n > 0), "{before:?}");
    let again = load_dir(&db.pool, &fixtures_dir()).await.expect("second load");
    assert_eq!(again.inserted(), 0, "{:?}", again.steps);
    assert_eq!(snapshot(&db.pool).await, before);
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("read fixtures") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, to.join(path.file_name().expect("name"))).expect("copy");
    }
}

#[tokio::test]
async fn a_failure_half_way_leaves_the_database_as_it_was() {
    let db = test_db().await;
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixtures_dir(), dir.path());
    // Key points load after units, designations, profiles and the border: break the first one.
    let file = dir.path().join("key_points.geojson");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, text.replacen("\"category\":\"", "\"category\":\"no_such_category_", 1))
        .expect("write");
    let before = snapshot(&db.pool).await;

    let err = load_dir(&db.pool, dir.path()).await.expect_err("the broken file is refused");

    assert!(format!("{err:#}").contains("key_points.geojson"), "{err:#}");
    assert_eq!(snapshot(&db.pool).await, before);
}

#[tokio::test]
async fn key_points_cover_2018_to_2026_and_cluster_where_trouble_concentrates() {
    let db = loaded_db().await;
    let (total, without_commune, categories, first, last): (i64, i64, i64, i32, i32) = sqlx::query_as(
        "select count(*), count(*) filter (where commune_id is null), count(distinct category),
                min(extract(year from observed_at at time zone 'Asia/Ho_Chi_Minh'))::int,
                max(extract(year from observed_at at time zone 'Asia/Ho_Chi_Minh'))::int
         from key_points",
    )
    .fetch_one(&db.pool)
    .await
    .expect("key points");
    assert!((3000..=5000).contains(&total), "{total}");
    assert_eq!(without_commune, 0);
    assert_eq!(categories, 11);
    // 2018-2020, then 2024-2026 (fixtures/README.md): windows across 2025-07-01 have data.
    assert_eq!((first, last), (2018, 2026));
    // Clustered: the busiest tenth of the communes hold far more than a tenth of the points.
    let top_share: f64 = sqlx::query_scalar(
        "select sum(n)::float8 / (select count(*) from key_points)
         from (select count(*) as n from key_points group by commune_id order by n desc limit 15) t",
    )
    .fetch_one(&db.pool)
    .await
    .expect("clustering");
    assert!(top_share > 0.3, "{top_share}");
}

#[tokio::test]
async fn some_border_segments_go_unpatrolled_for_weeks() {
    let db = loaded_db().await;
    // Each patrol walks its segment's middle; the longest wait between patrols of each segment.
    let gaps: Vec<(String, i32)> = sqlx::query_as(
        "with walks as (
             select s.code, t.started_at::date as day
             from border_segments s join patrol_tracks t
               on ST_DWithin(t.geom::geography, ST_LineInterpolatePoint(s.geom, 0.5)::geography, 600)
             where t.started_at < '2021-01-01'),
         waits as (select code, day - lag(day) over (partition by code order by day) as wait from walks)
         select code, max(wait)::int from waits group by code order by code",
    )
    .fetch_all(&db.pool)
    .await
    .expect("patrol gaps");
    assert!(gaps.len() >= 15, "{gaps:?}");
    let long: Vec<_> = gaps.iter().filter(|(_, wait)| *wait >= 35).collect();
    assert!((1..=5).contains(&long.len()), "{gaps:?}");
    assert!(gaps.iter().filter(|(_, wait)| *wait <= 21).count() >= gaps.len() - long.len(), "{gaps:?}");
}

#[tokio::test]
async fn demo_loads_only_into_a_database_without_units() {
    let empty = test_db().await;
    let loaded = loaded_db().await;
    assert!(antq_atlas::db::load::is_empty(&empty.pool).await.expect("empty"));
    assert!(!antq_atlas::db::load::is_empty(&loaded.pool).await.expect("loaded"));
}

#[tokio::test]
async fn a_code_that_names_nothing_is_refused() {
    let db = test_db().await;
    let dir = tempfile::tempdir().expect("tempdir");
    copy_dir(&fixtures_dir(), dir.path());
    let file = dir.path().join("model_sites.geojson");
    let text = std::fs::read_to_string(&file).expect("read");
    std::fs::write(&file, text.replacen("\"village_code\":\"", "\"village_code\":\"9", 1)).expect("write");

    let err = load_dir(&db.pool, dir.path()).await.expect_err("the unknown village is refused");

    assert!(format!("{err:#}").contains("model site MH-0001"), "{err:#}");
    assert!(antq_atlas::db::load::is_empty(&db.pool).await.expect("empty"));
}
