//! The base map cut to a package (`http/package_basemap.rs`, `tilesets::Basemap::extract`): a
//! vector MBTiles base map made here (one point per tile, its address as its name, each tile
//! from PostGIS's `ST_AsMVT`, gzipped as MBTiles stores vector tiles) over zooms 10-12 around
//! `seed_small`; the package of commune 02644 holds exactly its tiles that meet the commune,
//! and GDAL's `ogrinfo` reads it.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use antq_atlas::auth::Role;
use antq_atlas::http::HttpSettings;
use antq_atlas::spatial::{BBox, TileCoord};
use antq_atlas::tilesets::Basemap;
use axum::http::StatusCode;
use sqlx::PgPool;

use crate::basemap::write_mbtiles;
use crate::support::{app_with, as_user, get_json, get_raw, seed_small, test_db, token};

/// Writes the base map to `path`: every tile of zooms 10-12 over 103.8-104.2 E, 22.3-22.7 N.
/// Returns each tile as (z, x, TMS row) with its size.
async fn write_basemap(pool: &PgPool, path: &Path) -> Vec<((u8, u32, u32), usize)> {
    let area = BBox { min_x: 103.8, min_y: 22.3, max_x: 104.2, max_y: 22.7, srid: 4326 };
    let mut tiles = Vec::new();
    for z in 10..=12 {
        for t in TileCoord::covering(&area, z).expect("tiles") {
            let mvt: Vec<u8> = sqlx::query_scalar(
                "select ST_AsMVT(q, 'places', 4096, 'g') from (
                     select ST_AsMVTGeom(ST_Centroid(ST_TileEnvelope($1, $2, $3)), ST_TileEnvelope($1, $2, $3)) g,
                            format('%s/%s/%s', $1, $2, $3) as name) q",
            )
            .bind(i32::from(z))
            .bind(i32::try_from(t.x).expect("x"))
            .bind(i32::try_from(t.y).expect("y"))
            .fetch_one(pool)
            .await
            .expect("mvt");
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            gz.write_all(&mvt).expect("gzip");
            tiles.push((z, t.x, (1 << z) - 1 - t.y, gz.finish().expect("gzip")));
        }
    }
    let json = r#"{"vector_layers":[{"id":"places","fields":{"name":"String"}}]}"#;
    write_mbtiles(path, "pbf", &[("json", json)], &tiles);
    tiles.into_iter().map(|(z, x, row, bytes)| ((z, x, row), bytes.len())).collect()
}

/// The tiles (z, x, TMS row) among `tiles` whose envelope meets commune `code`, by PostGIS.
async fn meeting(pool: &PgPool, tiles: &[((u8, u32, u32), usize)], code: &str) -> BTreeSet<(u8, u32, u32)> {
    let mut out = BTreeSet::new();
    for &((z, x, row), _) in tiles {
        let y = (1u32 << z) - 1 - row;
        let meets: bool = sqlx::query_scalar(
            "select ST_Intersects(ST_Transform(ST_TileEnvelope($1, $2, $3), 4326), geom)
             from admin_units where code = $4",
        )
        .bind(i32::from(z))
        .bind(i32::try_from(x).expect("x"))
        .bind(i32::try_from(y).expect("y"))
        .bind(code)
        .fetch_one(pool)
        .await
        .expect("meets");
        if meets {
            out.insert((z, x, row));
        }
    }
    out
}

#[tokio::test]
async fn the_base_map_of_a_package_is_its_tiles_meeting_the_area_and_ogrinfo_reads_it() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let source = dir.path().join("base.mbtiles");
    let all = write_basemap(&db.pool, &source).await;
    let expected = meeting(&db.pool, &all, "02644").await;
    assert!(!expected.is_empty() && expected.len() < all.len(), "{} of {}", expected.len(), all.len());
    let settings = HttpSettings {
        basemap_file: Some(Arc::new(Basemap::open(&source).expect("opens"))),
        ..HttpSettings::default()
    };
    let analyst =
        as_user(app_with(db.pool.clone(), settings.clone()), &token(&db.pool, Role::Analyst, &[]).await);

    let query = "communes=02644&minzoom=10&maxzoom=14";
    let (status, body) = get_json(&analyst, &format!("/api/v1/packages/estimate?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let bytes: usize = all.iter().filter(|(t, _)| expected.contains(t)).map(|(_, n)| n).sum();
    assert_eq!(body["basemap"]["tiles"].as_u64(), Some(expected.len() as u64), "{body}");
    assert_eq!(body["basemap"]["bytes"].as_u64(), Some(bytes as u64), "{body}");
    assert_eq!(body["basemap"]["format"], "pbf");

    let (status, headers, file) =
        get_raw(&analyst, &format!("/api/v1/packages/basemap.mbtiles?{query}"), &[]).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&file));
    assert!(
        headers["content-disposition"]
            .to_str()
            .is_ok_and(|d| d.contains("antq_basemap_02644_z10-12.mbtiles"))
    );
    let path = dir.path().join("package.mbtiles");
    std::fs::write(&path, &file).expect("write");
    let (stored, meta) = {
        let conn = rusqlite::Connection::open(&path).expect("sqlite");
        let mut s = conn.prepare("select zoom_level, tile_column, tile_row from tiles").expect("prepare");
        let stored: BTreeSet<(u8, u32, u32)> = s
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("query")
            .map(|t| t.expect("row"))
            .collect();
        let meta = |n: &str| -> String {
            conn.query_row("select value from metadata where name = ?1", [n], |r| r.get(0)).expect(n)
        };
        (stored, [meta("format"), meta("minzoom"), meta("maxzoom"), meta("expires")])
    };
    assert_eq!(stored, expected, "exactly the base map's tiles that meet the commune");
    assert_eq!(meta[..3], ["pbf", "10", "12"]);
    assert!(!meta[3].is_empty());

    let out = Command::new("ogrinfo")
        .args(["-ro", "-so", "-al"])
        .arg(&path)
        .output()
        .expect("ogrinfo is installed");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("Layer name: places"),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let logged: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'export' and target = 'package.basemap'
           and (details->>'tiles_stored')::int = $1",
    )
    .bind(i32::try_from(expected.len()).expect("count"))
    .fetch_one(&db.pool)
    .await
    .expect("audit");
    assert_eq!(logged, 1);

    let (status, body) =
        get_json(&analyst, "/api/v1/packages/basemap.mbtiles?communes=02644&minzoom=13&maxzoom=14").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["description"].as_str().is_some_and(|d| d.contains("the base map has zooms 10..=12")),
        "{body}"
    );
    let editor =
        as_user(app_with(db.pool.clone(), settings), &token(&db.pool, Role::Editor, &["02635"]).await);
    let (status, body) = get_json(&editor, &format!("/api/v1/packages/basemap.mbtiles?{query}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}
