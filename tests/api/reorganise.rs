//! Importing a reorganisation (issue 16, item 8): `antq import boundaries --successors` closes
//! exactly the named predecessors, records each change with its basis, moves the villages, closes
//! the district left empty, and reports each new unit's area against its predecessors'; a file
//! whose dates collide with a unit's version is refused naming the unit, its dates and what to do.
//!
//! Fixture (`boundaries::four_communes`): province "10", district "080", communes 00001 … 00004
//! in strips 0.05° wide from west to east; here a village in 00001. The new units are drawn the
//! way Nghị quyết 1673/NQ-UBTVQH15 made them, whole communes merged and placed under the province.

use antq_atlas::imports::ImportError;
use antq_atlas::imports::boundaries::{Options, import};
use antq_atlas::imports::successions::read_csv;
use serde_json::{Value, json};
use sqlx::PgPool;

use crate::boundaries::{communes, file, four_communes, operator, options, strip, unit};
use crate::support::test_db;
use crate::writes::fingerprint;

/// As `successors_2025.csv` of the resolution's tables: more columns than the import reads.
const SUCCESSORS: &str = "old_code,old_name,new_code,new_name,share,clause
00001,Xã 1,00010,Xã Hợp Thành,whole,90
00002,Xã 2,00010,Xã Hợp Thành,whole,90
00003,Xã 3,00011,Xã Đồng Tâm,whole,91
00004,Xã 4,00011,Xã Đồng Tâm,whole,91
";

fn new_unit(code: &str, name: &str, west: f64, east: f64) -> Value {
    let mut u = unit(code, name, &strip(west, east));
    u["properties"]["parent_code"] = json!("10");
    u
}

fn reorganisation(successors: &str) -> Options {
    Options {
        successors: read_csv(successors.as_bytes(), Some("Nghị quyết thử")).expect("csv"),
        ..options("2025-07-01")
    }
}

async fn with_village(pool: &PgPool) {
    four_communes(pool).await;
    sqlx::query(
        "insert into admin_units (code, level, kind, name, parent_id, valid_from, geom)
         select 'T0001', 'village', 'thôn', 'Thôn Một', id, '2004-01-01',
                ST_Multi(ST_MakeEnvelope(103.91, 22.45, 103.92, 22.46, 4326)) from admin_units where code = '00001'",
    )
    .execute(pool)
    .await
    .expect("village");
}

async fn rows(pool: &PgPool, sql: &'static str) -> Vec<String> {
    sqlx::query_scalar(sql).fetch_all(pool).await.expect(sql)
}

#[tokio::test]
async fn successors_close_exactly_the_named_units_record_the_changes_and_move_villages_and_the_district() {
    let db = test_db().await;
    with_village(&db.pool).await;
    // 00011 is drawn 0.01° short of its predecessors: merges by geometry would leave 00004 open.
    let bytes = file(&[
        new_unit("00010", "Xã Hợp Thành", 103.9, 104.0),
        new_unit("00011", "Xã Đồng Tâm", 104.0, 104.09),
    ]);

    let report = import(&db.pool, &bytes, &reorganisation(SUCCESSORS), &operator()).await.expect("import");

    assert_eq!(report["applied"]["new"], json!(["00010", "00011"]), "{report}");
    assert_eq!(report["applied"]["closed"], json!(["00001", "00002", "00003", "00004"]), "{report}");
    assert_eq!(report["applied"]["closed_parents"], json!(["080"]), "{report}");
    assert_eq!(communes(&db.pool, "2025-06-30").await, ["00001", "00002", "00003", "00004"]);
    assert_eq!(communes(&db.pool, "2025-07-01").await, ["00010", "00011"]);
    assert_eq!(
        rows(
            &db.pool,
            "select p.code || '>' || s.code || ' ' || c.change || ' ' || coalesce(c.basis, '-')
                        from admin_unit_changes c join admin_units p on p.id = c.predecessor_id
                        join admin_units s on s.id = c.successor_id order by 1"
        )
        .await,
        [
            "00001>00010 merge Nghị quyết thử, khoản 90",
            "00002>00010 merge Nghị quyết thử, khoản 90",
            "00003>00011 merge Nghị quyết thử, khoản 91",
            "00004>00011 merge Nghị quyết thử, khoản 91",
            "T0001>T0001 continue Nghị quyết thử, khoản 90",
        ]
    );
    // The village's new version lies under the new commune, whose parent is the province.
    assert_eq!(
        rows(
            &db.pool,
            "select v.valid_from || ' ' || c.code || ' ' || p.code from admin_units v
                        join admin_units c on c.id = v.parent_id join admin_units p on p.id = c.parent_id
                        where v.code = 'T0001' order by v.valid_from"
        )
        .await,
        ["2004-01-01 00001 080", "2025-07-01 00010 10"]
    );
    // The lineage reads a 2020 code as the unit it became.
    assert_eq!(rows(&db.pool, "select code from admin_unit_resolve('00004', '2026-12-02')").await, ["00011"]);
    let areas = &report["successors"];
    assert_eq!(areas[0]["code"], "00010");
    assert_eq!(areas[0]["difference_km2"].as_f64(), Some(0.0), "{areas}");
    let short = areas[1]["difference_km2"].as_f64().expect("a difference");
    // 0.01° × 0.2° at latitude 22.5°: about 1.03 km × 22.1 km.
    assert!((-23.5..-22.0).contains(&short), "{short} km² short of the predecessors' union");
}

#[tokio::test]
async fn the_dry_run_reports_splits_units_without_predecessors_and_units_left_without_a_successor() {
    let db = test_db().await;
    with_village(&db.pool).await;
    let before = fingerprint(&db.pool).await;
    // 00002 named twice; 00004 named never; 00012 has no predecessor.
    let successors = "old_code,new_code,basis
00001,00010,NQ thử
00002,00010,NQ thử
00002,00011,NQ thử
00003,00011,NQ thử
";
    let bytes = file(&[
        new_unit("00010", "Xã Hợp Thành", 103.9, 103.975),
        new_unit("00011", "Xã Đồng Tâm", 103.975, 104.05),
        new_unit("00012", "Xã Mới", 104.05, 104.1),
    ]);
    let dry = Options { dry_run: true, ..reorganisation(successors) };

    let report = import(&db.pool, &bytes, &dry, &operator()).await.expect("a dry run");

    assert_eq!(fingerprint(&db.pool).await, before, "a dry run writes nothing");
    let reasons: Vec<&str> = report["notes"]
        .as_array()
        .expect("notes")
        .iter()
        .filter(|n| n["field"] == "successors")
        .filter_map(|n| n["reason"].as_str())
        .collect();
    assert_eq!(
        reasons,
        [
            "the new unit 00012 names no predecessor",
            "the predecessor 00002 is named for 2 new units (00010, 00011): it closes whole",
            "00004 Xã 4 is left without a successor: it stays open",
        ],
        "{report}"
    );
}

#[tokio::test]
async fn a_succession_naming_no_unit_is_refused_by_line_and_nothing_changes() {
    let db = test_db().await;
    with_village(&db.pool).await;
    let before = fingerprint(&db.pool).await;
    let successors = "old_code,new_code,clause
00001,00010,90
00009,00010,90
00002,00099,90
";
    let bytes = file(&[new_unit("00010", "Xã Hợp Thành", 103.9, 104.0)]);

    let refused =
        import(&db.pool, &bytes, &reorganisation(successors), &operator()).await.expect_err("refused");

    let ImportError::Invalid { problems, .. } = &refused else { panic!("{refused}") };
    let listed: Vec<(Option<u64>, &str)> = problems.iter().map(|p| (p.line, p.reason.as_str())).collect();
    assert_eq!(
        listed,
        [
            (Some(3), "the predecessor 00009 is no commune valid on 2025-06-30, the day before the change"),
            (Some(4), "the new unit 00099 is not in the file"),
        ]
    );
    assert_eq!(fingerprint(&db.pool).await, before);
    let bad = read_csv(b"old,new\n1,2\n", None).expect_err("no such columns");
    assert!(bad.to_string().contains("old_code and new_code"), "{bad}");
    let nul = read_csv(b"old_code,new_code\n0\x0001,00010\n", None).expect_err("a NUL");
    let ImportError::Invalid { problems, .. } = &nul else { panic!("{nul}") };
    assert_eq!((problems[0].line, problems[0].field.as_str()), (Some(2), "old_code"));
}

#[tokio::test]
async fn a_version_already_beginning_that_day_or_later_is_named_with_its_dates_even_in_a_dry_run() {
    let db = test_db().await;
    four_communes(&db.pool).await;
    let first = file(&[unit("00010", "Xã Hợp Thành", &strip(103.9, 104.05))]);
    import(&db.pool, &first, &options("2025-07-01"), &operator()).await.expect("the first import");
    let before = fingerprint(&db.pool).await;
    let redrawn = file(&[unit("00010", "Xã Hợp Thành", &strip(103.9, 104.04))]);

    for dry_run in [true, false] {
        for day in ["2025-07-01", "2025-06-01"] {
            let refused = import(&db.pool, &redrawn, &Options { dry_run, ..options(day) }, &operator())
                .await
                .expect_err("a collision");
            let ImportError::Invalid { problems, .. } = &refused else { panic!("{refused}") };
            let p = problems.iter().find(|p| p.field == "valid_from").expect("the date named");
            assert_eq!(p.id.as_deref(), Some("00010"));
            assert!(
                p.reason.starts_with("00010 Xã Hợp Thành already has a version from 01/07/2025 (still valid); a new version must begin after 01/07/2025"),
                "{}",
                p.reason
            );
            assert!(!p.reason.contains("exclusion"), "{}", p.reason);
        }
    }
    assert_eq!(fingerprint(&db.pool).await, before);
    // The same file again, the same day: nothing to do, nothing refused.
    let again = import(&db.pool, &first, &options("2025-07-01"), &operator()).await.expect("idempotent");
    assert_eq!(again["applied"]["unchanged"], json!(["00010"]));
}

#[tokio::test]
async fn the_admin_route_reads_successions_from_the_features_and_answers_a_collision_with_422() {
    let db = test_db().await;
    with_village(&db.pool).await;
    let admin = crate::support::as_user(
        crate::support::app(db.pool.clone()),
        &crate::support::token(&db.pool, antq_atlas::auth::Role::Admin, &[]).await,
    );
    let mut merged = new_unit("00010", "Xã Hợp Thành", 103.9, 104.0);
    merged["properties"]["predecessors"] = json!(["00001", "00002"]);
    merged["properties"]["basis"] = json!("Nghị quyết thử, khoản 90");
    let uri = "/api/v1/admin/boundaries/import?level=commune&valid_from=2025-07-01";

    let (written, report) = crate::imports::post(&admin, uri, "application/geo+json", file(&[merged])).await;
    let (again, why) = crate::imports::post(
        &admin,
        uri,
        "application/geo+json",
        file(&[new_unit("00010", "Xã Hợp Thành", 103.9, 103.99)]),
    )
    .await;

    assert_eq!(written, axum::http::StatusCode::CREATED, "{report}");
    assert_eq!(report["applied"]["closed"], json!(["00001", "00002"]));
    assert_eq!(report["applied"]["closed_parents"], json!([]), "080 keeps 00003 and 00004");
    assert_eq!(communes(&db.pool, "2025-07-01").await, ["00003", "00004", "00010"]);
    assert_eq!(again, axum::http::StatusCode::UNPROCESSABLE_ENTITY, "{why}");
    assert!(why.to_string().contains("already has a version from 01/07/2025"), "{why}");
}
