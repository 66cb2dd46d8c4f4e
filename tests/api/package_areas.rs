//! The area of an offline package (`layers/packages.rs` `plan`, `db/packages.rs`): the tiles
//! that meet the chosen area itself, not its box. Over the Lào Cai demo (`fixtures/laocai`):
//! Xã Pha Long (02752) is a small commune of Mường Khương in 2020 and, from 1/7/2025 (NQ 1673),
//! the larger merged commune of the same code, so the same request covers other tiles on either
//! side of the date.

use antq_atlas::auth::Role;
use axum::http::StatusCode;
use sqlx::PgPool;

use crate::support::{app, as_user, get_json, get_raw, loaded_db, token};

/// The tiles of zooms `min..=max` over the box of the communes `codes` at `on`, and those of
/// them that meet the communes' union, counted by brute force over the box (not the way the
/// service searches), as `(box, meeting)`.
async fn brute_force(pool: &PgPool, codes: &[&str], on: &str, min: i32, max: i32) -> (i64, i64) {
    sqlx::query_as(
        "with a as (select ST_Union(geom) g from admin_units
                    where level = 'commune' and code = any($1) and validity @> $2::date),
         z as (select generate_series($3::int, $4::int) z),
         b as (select z.z, a.g,
                 floor((ST_XMin(a.g) + 180) / 360 * 2 ^ z.z)::int x0,
                 floor((ST_XMax(a.g) + 180) / 360 * 2 ^ z.z)::int x1,
                 floor((1 - ln(tan(radians(ST_YMax(a.g))) + 1 / cos(radians(ST_YMax(a.g)))) / pi()) / 2 * 2 ^ z.z)::int y0,
                 floor((1 - ln(tan(radians(ST_YMin(a.g))) + 1 / cos(radians(ST_YMin(a.g)))) / pi()) / 2 * 2 ^ z.z)::int y1
               from a, z)
         select count(*), count(*) filter (where ST_Intersects(ST_Transform(ST_TileEnvelope(b.z, x, y), 4326), b.g))
         from b, generate_series(b.x0, b.x1) x, generate_series(b.y0, b.y1) y",
    )
    .bind(codes)
    .bind(on)
    .bind(min)
    .bind(max)
    .fetch_one(pool)
    .await
    .expect("brute force")
}

#[tokio::test]
async fn a_communes_package_holds_only_the_tiles_meeting_it_on_either_side_of_the_reorganisation() {
    let db = loaded_db().await;
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let mut counts = Vec::new();
    for on in ["2020-06-01", "2026-06-01"] {
        let (boxed, meeting) = brute_force(&db.pool, &["02752"], on, 10, 16).await;
        let (status, body) =
            get_json(&analyst, &format!("/api/v1/packages/estimate?communes=02752&as_of={on}")).await;
        assert_eq!(status, StatusCode::OK, "{on}: {body}");
        assert_eq!(body["tiles"].as_i64(), Some(meeting), "{on}: {body}");
        assert!(meeting < boxed, "{on}: the commune's {meeting} tiles are fewer than its box's {boxed}");
        counts.push(meeting);
    }
    // Pha Long grew in the merge: 2026's package is not 2020's.
    assert!(counts[0] < counts[1], "{counts:?}");

    // Every tile built meets the commune of the date.
    let uri = "/api/v1/packages/area.mbtiles?communes=02752&as_of=2026-06-01&minzoom=12&maxzoom=14";
    let (status, _, body) = get_raw(&analyst, uri, &[]).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("p.mbtiles");
    std::fs::write(&path, &body).expect("write");
    let tiles: Vec<(i32, i32, i32)> = {
        let conn = rusqlite::Connection::open(&path).expect("sqlite");
        let mut s = conn.prepare("select zoom_level, tile_column, tile_row from tiles").expect("prepare");
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .map(|t| t.expect("row"))
            .collect()
    };
    let (_, meeting) = brute_force(&db.pool, &["02752"], "2026-06-01", 12, 14).await;
    assert!(
        !tiles.is_empty() && i64::try_from(tiles.len()).expect("count") <= meeting,
        "{} tiles of {meeting}",
        tiles.len()
    );
    let (zs, xs, ys): (Vec<i32>, Vec<i32>, Vec<i32>) = tiles
        .iter()
        .map(|&(z, x, row)| (z, x, (1 << z) - 1 - row))
        .fold(Default::default(), |mut a, (z, x, y)| {
            a.0.push(z);
            a.1.push(x);
            a.2.push(y);
            a
        });
    let outside: i64 = sqlx::query_scalar(
        "select count(*) from unnest($1::int[], $2::int[], $3::int[]) t(z, x, y)
         where not ST_Intersects(ST_Transform(ST_TileEnvelope(t.z, t.x, t.y), 4326),
               (select geom from admin_units where code = '02752' and validity @> date '2026-06-01'))",
    )
    .bind(&zs)
    .bind(&xs)
    .bind(&ys)
    .fetch_one(&db.pool)
    .await
    .expect("outside");
    assert_eq!(outside, 0, "every stored tile meets Xã Pha Long of 2026");
}

#[tokio::test]
async fn a_stretch_of_border_reaches_the_communes_of_its_date_and_the_jurisdiction_of_that_date() {
    let db = loaded_db().await;
    let analyst = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    // BG-06 runs along Xã Pha Long; 2 km in, it reaches Tả Ngải Chồ and Dìn Chin of 2020, which
    // NQ 1673 khoản 76 merged into Pha Long from 1/7/2025.
    for (on, expected) in [("2020-06-01", &["02752", "02755", "02764"][..]), ("2026-06-01", &["02752"][..])] {
        let (status, body) =
            get_json(&analyst, &format!("/api/v1/packages/estimate?segments=BG-06&as_of={on}")).await;
        assert_eq!(status, StatusCode::OK, "{on}: {body}");
        let communes: Vec<&str> = body["communes"]
            .as_array()
            .expect("communes")
            .iter()
            .filter_map(|c| c["code"].as_str())
            .collect();
        assert_eq!(communes, expected, "{on}");
    }
    // A patrol user of Dìn Chin: BG-06 does not touch it in 2020; from 1/7/2025 the jurisdiction
    // is Dìn Chin's successor, Pha Long, which BG-06 runs along.
    let patrol = as_user(app(db.pool.clone()), &token(&db.pool, Role::Patrol, &["02764"]).await);
    let (status, body) = get_json(&patrol, "/api/v1/packages/estimate?segments=BG-06&as_of=2020-06-01").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body["description"].as_str().is_some_and(|d| d.contains("BG-06")), "{body}");
    let (status, body) = get_json(&patrol, "/api/v1/packages/estimate?segments=BG-06&as_of=2026-06-01").await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
