//! The offline base map (`--basemap-file`, `http/basemap.rs`, `tilesets/`): an MBTiles file
//! written here with rusqlite as the MBTiles 1.3 spec lays it out (TMS rows), a PMTiles v3
//! file written here byte by byte as its spec lays it out, both served by address, and the
//! PMTiles file whole with Range.

use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use antq_atlas::http::HttpSettings;
use antq_atlas::tilesets::{Basemap, pmtiles};
use axum::http::StatusCode;

use crate::support::{app_with, get_json, get_raw, test_db};

/// A PNG's signature and a few bytes: enough for the server, which never decodes tiles.
fn png(tag: u8) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend([0, 0, 0, 13, b'I', b'H', b'D', b'R', tag]);
    b
}

/// An MBTiles file of `format` with `tiles` given as (z, x, TMS row, bytes), zooms 10-12 over
/// the province; `extra` metadata rows are added (`tests/api/package_basemap.rs`: `json`).
pub(crate) fn write_mbtiles(
    path: &Path,
    format: &str,
    extra: &[(&str, &str)],
    tiles: &[(u8, u32, u32, Vec<u8>)],
) {
    let conn = rusqlite::Connection::open(path).expect("create mbtiles");
    conn.execute_batch(
        "create table metadata (name text, value text);
         create table tiles (zoom_level integer, tile_column integer, tile_row integer, tile_data blob);
         create unique index tile_index on tiles (zoom_level, tile_column, tile_row);",
    )
    .expect("schema");
    let base = [
        ("name", "Lào Cai test"),
        ("format", format),
        ("minzoom", "10"),
        ("maxzoom", "12"),
        ("bounds", "103.5,21.8,104.7,22.9"),
        ("attribution", "© test"),
    ];
    for (name, value) in base.iter().chain(extra) {
        conn.execute("insert into metadata values (?1, ?2)", [name, value]).expect("metadata");
    }
    for (z, x, row, bytes) in tiles {
        conn.execute("insert into tiles values (?1, ?2, ?3, ?4)", rusqlite::params![z, x, row, bytes])
            .expect("tile");
    }
}

fn app_over(pool: sqlx::PgPool, path: &Path) -> axum::Router {
    let basemap = Basemap::open(path).expect("the base map opens");
    app_with(pool, HttpSettings { basemap_file: Some(Arc::new(basemap)), ..HttpSettings::default() })
}

#[tokio::test]
async fn an_mbtiles_raster_base_map_serves_tiles_by_xyz_address_with_the_tms_row_flipped() {
    let db = test_db().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("base.mbtiles");
    // Zoom 10 tile x 810, XYZ row 454 (over Lào Cai) is TMS row 2^10 - 1 - 454 = 569.
    write_mbtiles(&path, "png", &[], &[(10, 810, 569, png(1)), (11, 1620, 1139, png(2))]);
    let app = app_over(db.pool.clone(), &path);

    let (status, headers, body) = get_raw(&app, "/basemap/10/810/454", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "image/png");
    assert!(headers.get("content-encoding").is_none());
    assert_eq!(body, png(1));
    let (status, _, body) = get_raw(&app, "/basemap/11/1620/908", &[]).await;
    assert_eq!((status, body), (StatusCode::OK, png(2)), "2^11 - 1 - 1139 = 908");

    // The TMS row asked as an XYZ row is another tile, which the file lacks: 204.
    let (status, _, body) = get_raw(&app, "/basemap/10/810/569", &[]).await;
    assert_eq!((status, body.len()), (StatusCode::NO_CONTENT, 0));
    // A zoom the file does not have, a tile that cannot exist, a non-number.
    let (status, body) = get_json(&app, "/basemap/13/6480/3632").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["description"].as_str().is_some_and(|d| d.contains("zooms 10..=12")), "{body}");
    let (status, body) = get_json(&app, "/basemap/10/1024/0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = get_json(&app, "/basemap/10/x/0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["description"].as_str().is_some_and(|d| d.contains("'x'")), "{body}");
    // Not a PMTiles file: no whole file to range over.
    let (status, _) = get_json(&app, "/basemap.pmtiles").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The web map learns of it from /config.json.
    let (status, config) = get_json(&app, "/config.json").await;
    assert_eq!(status, StatusCode::OK);
    let b = &config["basemap"];
    assert_eq!(b["url"], "/basemap/{z}/{x}/{y}");
    assert_eq!((b["format"].as_str(), b["vector"].as_bool()), (Some("png"), Some(false)));
    assert_eq!((b["minzoom"].as_u64(), b["maxzoom"].as_u64()), (Some(10), Some(12)));
    assert_eq!(b["attribution"], "© test");
    assert_eq!(b["bounds"][0].as_f64(), Some(103.5));
}

#[tokio::test]
async fn a_vector_mbtiles_says_its_media_type_and_gzip_and_no_file_means_no_base_map() {
    let db = test_db().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("vector.mbtiles");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&[0x1a, 0x00]).expect("gzip");
    let tile = gz.finish().expect("gzip");
    write_mbtiles(&path, "pbf", &[], &[(12, 3240, 2278, tile.clone())]);
    let app = app_over(db.pool.clone(), &path);
    let (status, headers, body) = get_raw(&app, "/basemap/12/3240/1817", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "application/vnd.mapbox-vector-tile");
    assert_eq!(headers["content-encoding"], "gzip");
    assert_eq!(body, tile, "served as stored, not unpacked and not packed twice");
    let (_, config) = get_json(&app, "/config.json").await;
    assert_eq!(config["basemap"]["vector"], true);

    // The demo's default: no file, a plain background.
    let plain = app_with(db.pool.clone(), HttpSettings::default());
    let (_, config) = get_json(&plain, "/config.json").await;
    assert!(config["basemap"].is_null(), "{config}");
    let (status, body) = get_json(&plain, "/basemap/10/810/454").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body["description"].as_str().is_some_and(|d| d.contains("--basemap-file")), "{body}");

    // Anything else is refused at start, saying what the file is not.
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not tiles").expect("write");
    let err = Basemap::open(&text).expect_err("refused").to_string();
    assert!(err.contains("neither an MBTiles"), "{err}");
}

/// Varints of the PMTiles directory encoding.
fn varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

/// A PMTiles v3 file with uncompressed directories and PNG `tiles` (z, x, XYZ row, bytes),
/// laid out as the spec's chapter 2: header, root directory, metadata, no leaves, tile data.
fn write_pmtiles(path: &Path, tiles: &[(u8, u32, u32, Vec<u8>)]) -> Vec<u8> {
    let mut entries: Vec<(u64, &Vec<u8>)> =
        tiles.iter().map(|(z, x, y, b)| (pmtiles::tile_id(*z, *x, *y), b)).collect();
    entries.sort_by_key(|e| e.0);
    let mut dir = Vec::new();
    varint(&mut dir, entries.len() as u64);
    let mut last = 0;
    for (id, _) in &entries {
        varint(&mut dir, id - last);
        last = *id;
    }
    for _ in &entries {
        varint(&mut dir, 1);
    }
    for (_, b) in &entries {
        varint(&mut dir, b.len() as u64);
    }
    for i in 0..entries.len() {
        // Offset plus one for the first; 0 (right after the previous) for the rest.
        varint(&mut dir, u64::from(i == 0));
    }
    let metadata = br#"{"attribution":"(c) pmtiles test"}"#;
    let data: Vec<u8> = entries.iter().flat_map(|(_, b)| b.iter().copied()).collect();
    let mut h = vec![0u8; 127];
    h[..7].copy_from_slice(b"PMTiles");
    h[7] = 3;
    let put = |h: &mut Vec<u8>, at: usize, v: u64| h[at..at + 8].copy_from_slice(&v.to_le_bytes());
    let (root, meta) = (127u64, 127 + dir.len() as u64);
    let tiles_at = meta + metadata.len() as u64;
    for (at, v) in
        [(8, root), (16, dir.len() as u64), (24, meta), (32, metadata.len() as u64), (40, tiles_at), (48, 0)]
    {
        put(&mut h, at, v);
    }
    put(&mut h, 56, tiles_at);
    put(&mut h, 64, data.len() as u64);
    // Not clustered, internal and tile compression none, PNG, zooms 10..=12.
    h[97] = 1;
    h[98] = 1;
    h[99] = 2;
    h[100] = 10;
    h[101] = 12;
    for (at, e7) in [(102, 1_035_000_000i32), (106, 218_000_000), (110, 1_047_000_000), (114, 229_000_000)] {
        h[at..at + 4].copy_from_slice(&e7.to_le_bytes());
    }
    let file: Vec<u8> = [h, dir, metadata.to_vec(), data].concat();
    std::fs::write(path, &file).expect("write pmtiles");
    file
}

#[tokio::test]
async fn a_pmtiles_base_map_serves_tiles_and_the_file_with_range() {
    let db = test_db().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("base.pmtiles");
    let file =
        write_pmtiles(&path, &[(10, 810, 454, png(1)), (12, 3240, 1817, png(3)), (11, 1620, 908, png(2))]);
    let app = app_over(db.pool.clone(), &path);

    for (uri, tag) in [("/basemap/10/810/454", 1), ("/basemap/11/1620/908", 2), ("/basemap/12/3240/1817", 3)]
    {
        let (status, headers, body) = get_raw(&app, uri, &[]).await;
        assert_eq!((status, body), (StatusCode::OK, png(tag)), "{uri}");
        assert_eq!(headers["content-type"], "image/png");
    }
    let (status, _, _) = get_raw(&app, "/basemap/12/3240/1818", &[]).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, config) = get_json(&app, "/config.json").await;
    assert_eq!(config["basemap"]["pmtiles"], "/basemap.pmtiles");
    assert_eq!(config["basemap"]["attribution"], "(c) pmtiles test");

    // The header, as a PMTiles client reads it first.
    let size = file.len();
    let (status, headers, body) = get_raw(&app, "/basemap.pmtiles", &[("range", "bytes=0-126")]).await;
    assert_eq!(status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(headers["content-range"], format!("bytes 0-126/{size}").as_str());
    assert_eq!(body, file[..127]);
    let (status, _, body) = get_raw(&app, "/basemap.pmtiles", &[("range", "bytes=-5")]).await;
    assert_eq!((status, body), (StatusCode::PARTIAL_CONTENT, file[size - 5..].to_vec()));
    let (status, headers, body) = get_raw(&app, "/basemap.pmtiles", &[]).await;
    assert_eq!((status, body), (StatusCode::OK, file.clone()));
    assert_eq!(headers["content-type"], "application/vnd.pmtiles");

    for (range, why) in [
        (format!("bytes={size}-"), "after the end"),
        ("bytes=0-1,4-5".to_owned(), "one range"),
        ("bytes=9-3".to_owned(), "before the first"),
        ("lines=0-1".to_owned(), "only bytes"),
    ] {
        let (status, headers, body) = get_raw(&app, "/basemap.pmtiles", &[("range", &range)]).await;
        assert_eq!(status, StatusCode::RANGE_NOT_SATISFIABLE, "{range}");
        assert_eq!(headers["content-range"], format!("bytes */{size}").as_str());
        let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert!(body["description"].as_str().is_some_and(|d| d.contains(why)), "{range}: {body}");
    }
}
