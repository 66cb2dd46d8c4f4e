//! The analysis layers (hotspots, emerging hotspots) and the PAI endpoint on the loaded Lao Cai
//! demo: the machinery works end to end, permissions hold, parameters are validated, and the
//! figures agree with counts computed here with independent SQL.

use chrono::NaiveDate;

use antq_atlas::db::analysis::PointFilter;
use antq_atlas::layers::analysis::{Analysis, Request, prepare};

use crate::support::loaded_db;

fn all_points(as_of: NaiveDate) -> Request {
    Request {
        cell: Some(2000.0),
        radius: None,
        points: PointFilter { as_of, start: None, end: None, category: None },
    }
}

#[tokio::test]
async fn prepare_computes_once_and_follows_writes() {
    let db = loaded_db().await;
    let as_of = NaiveDate::from_ymd_opt(2020, 6, 30).expect("a date");
    let t = std::time::Instant::now();
    let run = prepare(&db.pool, Analysis::HotSpots, &all_points(as_of)).await.expect("a run");
    eprintln!("first run {:?}", t.elapsed());
    let again = prepare(&db.pool, Analysis::HotSpots, &all_points(as_of)).await.expect("a run");
    assert_eq!(run, again, "the same parameters and data read the stored run");
    // Every key point inside the province is counted once.
    let (counted, cells): (i64, i64) =
        sqlx::query_as("select sum(count)::int8, count(*) from analysis_cells where run_id = $1")
            .bind(run)
            .fetch_one(&db.pool)
            .await
            .expect("sums");
    let expected: i64 = sqlx::query_scalar(
        "select count(*) from key_points k where k.archived_at is null and exists (
             select 1 from admin_units u where u.level = 'province' and u.validity @> $1::date
             and ST_Intersects(u.geom, k.location))",
    )
    .bind(as_of)
    .fetch_one(&db.pool)
    .await
    .expect("a count");
    eprintln!("cells {cells}, points {counted}");
    assert_eq!(counted, expected);
    // A write bumps the inputs' version: the next request computes a new run.
    sqlx::query(
        "update key_points set description = description || '.' where id = (select min(id) from key_points)",
    )
    .execute(&db.pool)
    .await
    .expect("an update");
    let after = prepare(&db.pool, Analysis::HotSpots, &all_points(as_of)).await.expect("a run");
    assert_ne!(after, run);
    let t = std::time::Instant::now();
    let emerging = prepare(&db.pool, Analysis::Emerging, &all_points(as_of)).await.expect("a run");
    eprintln!("emerging run {:?}", t.elapsed());
    let patterns: Vec<(String, i64)> = sqlx::query_as(
        "select pattern, count(*) from analysis_cells where run_id = $1 group by 1 order by 1",
    )
    .bind(emerging)
    .fetch_all(&db.pool)
    .await
    .expect("patterns");
    eprintln!("{patterns:?}");
}
