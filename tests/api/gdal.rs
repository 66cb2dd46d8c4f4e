//! Interoperability with a real GIS client: GDAL's OGC API – Features driver (Debian gdal-bin).

use std::process::Command;

use antq_atlas::auth::Role;

use crate::support::{app, seed_small, serve, test_db, token};

/// Runs a GDAL program and returns its standard output, failing the test with its error output.
async fn gdal(program: &'static str, args: Vec<String>, token: &str) -> String {
    let auth = format!("Authorization: Bearer {token}");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(program)
            .args(&args)
            // No proxy, no cache, no retries: each request is this test's.
            .env("GDAL_HTTP_TIMEOUT", "30")
            .env("GDAL_HTTP_HEADERS", auth)
            .env("CPL_VSIL_CURL_USE_CACHE", "NO")
            .env_remove("http_proxy")
            .env_remove("https_proxy")
            .output()
    })
    .await
    .expect("join")
    .unwrap_or_else(|e| panic!("{program} is not installed (make test installs gdal-bin): {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{program} failed: {}\n{stdout}", String::from_utf8_lossy(&out.stderr));
    stdout
}

#[tokio::test]
async fn ogrinfo_lists_the_collections_and_ogr2ogr_copies_a_whole_layer() {
    let db = test_db().await;
    seed_small(&db.pool).await;
    let token = token(&db.pool, Role::Analyst, &[]).await;
    let addr = serve(app(db.pool.clone())).await;
    let source = format!("OAPIF:http://{addr}/api/v1");

    let listing = gdal("ogrinfo", vec!["-ro".into(), "-q".into(), source.clone()], &token).await;
    for id in ["communes", "border_segments", "key_points", "patrol_tracks"] {
        assert!(listing.lines().any(|l| l.contains(&format!(": {id} "))), "ogrinfo lists {id}:\n{listing}");
    }

    // A page size below the layer's size makes GDAL follow the `next` links.
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("key_points.gpkg");
    gdal(
        "ogr2ogr",
        vec![
            "-f".into(),
            "GPKG".into(),
            out.display().to_string(),
            source.clone(),
            "key_points".into(),
            "-oo".into(),
            "PAGE_SIZE=15".into(),
        ],
        &token,
    )
    .await;
    let summary = gdal(
        "ogrinfo",
        vec!["-ro".into(), "-so".into(), out.display().to_string(), "key_points".into()],
        &token,
    )
    .await;
    assert!(summary.contains("Feature Count: 40"), "{summary}");
}
