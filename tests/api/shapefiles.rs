//! Zipped Shapefile boundary imports. The Shapefiles are made by GDAL's `ogr2ogr` (Debian
//! gdal-bin) from the GeoJSON the other boundary tests use, reprojected with `-t_srs` so the
//! `.prj` is GDAL's own ESRI WKT, then zipped here. The GeoJSON import of the same units is the
//! reference: the Shapefile's units must land within a metre of it.
//!
//! Fixture: `boundaries::four_communes` (communes 00001 ... 00004 in strips 0.05° wide).

use std::io::Write as _;
use std::process::Command;

use antq_atlas::imports::ImportError;
use antq_atlas::imports::boundaries::{Options, import};
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::boundaries::{communes, file, four_communes, operator, options, strip, unit};
use crate::support::test_db;
use crate::writes::fingerprint;

/// `features` as a zipped Shapefile in EPSG:`srid` (UTF-8 attributes), leaving out the files
/// whose extension is in `leave_out`, and applying `mangle` to each file's bytes by extension.
fn zipped(
    features: &[Value],
    srid: i32,
    leave_out: &[&str],
    mangle: impl Fn(&str, Vec<u8>) -> Vec<u8>,
) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tempdir");
    let source = dir.path().join("units.geojson");
    std::fs::write(&source, file(features)).expect("geojson");
    let out = dir.path().join("don_vi.shp");
    let status = Command::new("ogr2ogr")
        .args(["-f", "ESRI Shapefile", "-t_srs", &format!("EPSG:{srid}"), "-lco", "ENCODING=UTF-8"])
        .arg(&out)
        .arg(&source)
        .status()
        .expect("ogr2ogr is installed (make test installs gdal-bin)");
    assert!(status.success(), "ogr2ogr failed");
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for ext in ["shp", "shx", "dbf", "prj", "cpg"] {
        let path = out.with_extension(ext);
        if leave_out.contains(&ext) || !path.exists() {
            continue;
        }
        zip.start_file(format!("ranh_gioi/don_vi.{ext}"), zip::write::SimpleFileOptions::default())
            .expect("entry");
        zip.write_all(&mangle(ext, std::fs::read(&path).expect("read"))).expect("write");
    }
    zip.finish().expect("zip").into_inner()
}

fn as_is(_: &str, bytes: Vec<u8>) -> Vec<u8> {
    bytes
}

async fn geometry_wkt(pool: &PgPool, code: &str) -> String {
    sqlx::query_scalar("select ST_AsText(geom) from admin_units where code = $1 and upper_inf(validity)")
        .bind(code)
        .fetch_one(pool)
        .await
        .expect("unit")
}

fn merged() -> Vec<Value> {
    // A notch in the east edge gives a vertex that is not on a round degree.
    let notched = json!({ "type": "Polygon", "coordinates": [[[103.9, 22.4], [104.05, 22.4], [104.05, 22.5],
        [104.0437, 22.5123], [104.05, 22.52], [104.05, 22.6], [103.9, 22.6], [103.9, 22.4]]] });
    vec![unit("00010", "Xã Hợp Thành", &notched), unit("00004", "Xã 4", &strip(104.05, 104.1))]
}

#[tokio::test]
async fn a_tm3_shapefile_imports_the_same_units_as_the_geojson_within_a_metre() {
    let reference = test_db().await;
    four_communes(&reference.pool).await;
    import(&reference.pool, &file(&merged()), &options("2025-07-01"), &operator()).await.expect("geojson");
    let db = test_db().await;
    four_communes(&db.pool).await;

    let report = import(&db.pool, &zipped(&merged(), 9208, &[], as_is), &options("2025-07-01"), &operator())
        .await
        .expect("shapefile");

    assert_eq!(report["srid"], 9208, "from GDAL's .prj");
    assert_eq!(report["applied"]["new"], json!(["00010"]));
    assert_eq!(report["applied"]["closed"], json!(["00001", "00002", "00003"]));
    assert_eq!(report["features"][0]["clockwise"], false, "Shapefile rings are not reported as a fault");
    assert_eq!(communes(&db.pool, "2025-07-01").await, ["00004", "00010"]);
    let name: String = sqlx::query_scalar("select name from admin_units where code = '00010'")
        .fetch_one(&db.pool)
        .await
        .expect("name");
    assert_eq!(name, "Xã Hợp Thành");
    let metres: f64 = sqlx::query_scalar(
        "select ST_HausdorffDistance(ST_Transform(ST_GeomFromText($1, 4326), 9208), ST_Transform(geom, 9208))
         from admin_units where code = '00010'",
    )
    .bind(geometry_wkt(&reference.pool, "00010").await)
    .fetch_one(&db.pool)
    .await
    .expect("distance");
    assert!(metres < 1.0, "{metres} m from the GeoJSON import");
}

#[tokio::test]
async fn without_a_prj_the_srid_is_given_or_the_file_is_refused() {
    let db = test_db().await;
    four_communes(&db.pool).await;
    let bytes = zipped(&merged(), 3405, &["prj"], as_is);
    let before = fingerprint(&db.pool).await;

    let refused = import(&db.pool, &bytes, &options("2025-07-01"), &operator()).await.expect_err("no prj");
    assert!(matches!(refused, ImportError::Malformed(_)), "{refused}");
    assert!(refused.to_string().contains("no .prj"), "{refused}");
    assert_eq!(fingerprint(&db.pool).await, before);
    let given = Options { srid: Some(3405), ..options("2025-07-01") };
    let report = import(&db.pool, &bytes, &given, &operator()).await.expect("with --srid");
    assert_eq!(report["srid"], 3405);
    assert_eq!(communes(&db.pool, "2025-07-01").await, ["00004", "00010"]);
}

#[tokio::test]
async fn a_missing_dbf_a_truncated_shp_and_an_unknown_prj_are_refused_naming_the_file() {
    let db = test_db().await;
    four_communes(&db.pool).await;
    let before = fingerprint(&db.pool).await;
    let truncate = |ext: &str, mut bytes: Vec<u8>| {
        if ext == "shp" {
            bytes.truncate(bytes.len() - 20);
        }
        bytes
    };
    let mercator = |ext: &str, bytes: Vec<u8>| {
        if ext == "prj" {
            String::from_utf8(bytes).expect("wkt").replace("104.75", "111").into_bytes()
        } else {
            bytes
        }
    };
    let cases = [
        (zipped(&merged(), 4326, &["dbf"], as_is), "ranh_gioi/don_vi.dbf is missing"),
        (zipped(&merged(), 4326, &[], truncate), "ranh_gioi/don_vi.shp: record 1 is truncated"),
        (zipped(&merged(), 9208, &[], mercator), "ranh_gioi/don_vi.prj: unknown coordinate system"),
        (b"PK\x03\x04garbage".to_vec(), "not a readable zip"),
    ];

    for (bytes, expected) in cases {
        let refused =
            import(&db.pool, &bytes, &options("2025-07-01"), &operator()).await.expect_err(expected);
        assert!(matches!(refused, ImportError::Malformed(_)), "{refused}");
        assert!(refused.to_string().starts_with(expected), "{refused}\nexpected: {expected}");
        assert_eq!(fingerprint(&db.pool).await, before, "{expected}: nothing written");
    }
}

#[tokio::test]
async fn admins_send_a_zip_over_http_and_a_bomb_is_refused_naming_the_limit() {
    let db = test_db().await;
    four_communes(&db.pool).await;
    let admin = crate::support::as_user(
        crate::support::app(db.pool.clone()),
        &crate::support::token(&db.pool, antq_atlas::auth::Role::Admin, &[]).await,
    );
    let uri = "/api/v1/admin/boundaries/import?level=commune&valid_from=2025-07-01";
    // 200 MiB of zeros deflate to about 200 kB: over the limit once inflated.
    let mut bomb = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    bomb.start_file("zeros.shp", zip::write::SimpleFileOptions::default()).expect("entry");
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..200 {
        bomb.write_all(&zeros).expect("write");
    }
    let bomb = bomb.finish().expect("zip").into_inner();
    let before = fingerprint(&db.pool).await;

    let (status, why) = crate::imports::post(&admin, uri, "application/zip", bomb).await;
    assert_eq!(status, axum::http::StatusCode::PAYLOAD_TOO_LARGE, "{why}");
    assert!(why["description"].as_str().expect("text").contains("limit of 128 MiB"), "{why}");
    assert_eq!(fingerprint(&db.pool).await, before);
    let (status, report) =
        crate::imports::post(&admin, uri, "application/zip", zipped(&merged(), 4756, &[], as_is)).await;
    assert_eq!(status, axum::http::StatusCode::CREATED, "{report}");
    assert_eq!(report["srid"], 4756);
    assert_eq!(communes(&db.pool, "2025-07-01").await, ["00004", "00010"]);
}
