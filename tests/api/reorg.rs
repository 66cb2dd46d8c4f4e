//! Lào Cai through the 2024 and 2025 reorganisations in the demo data (`fixtures/gen/reorg.py`):
//! the unions have no slivers, the lineage function follows the changes, and the new units are the
//! ones Nghị quyết 1673/NQ-UBTVQH15 made (the clause is named beside each known answer; the clauses
//! are in `fixtures/sources/reorg2025/successors_2025.csv`, checked against the resolution's text).

use sqlx::PgPool;

use axum::http::StatusCode;

use crate::support::{get_json, loaded_db};

/// The four dates of issue #16 and the provinces valid on each (old Lào Cai alone in 2019; old
/// Lào Cai and old Yên Bái from 2020-03-01; the new province alone from 2025-07-01).
pub const DATES: [(&str, i64); 4] =
    [("2019-12-31", 1), ("2020-04-15", 2), ("2024-12-01", 2), ("2026-12-02", 1)];

/// The interior rings of provinces and districts valid at `date` that no other unit of the same
/// level fills: a hole that is not an enclave is a sliver left where unions do not quite meet.
async fn holes(pool: &PgPool, date: &str) -> Vec<(String, f64)> {
    sqlx::query_as(
        "with u as (select * from admin_units where validity @> $1::date and level in ('province', 'district')),
              h as (select u.code, u.level, u.id, ST_MakePolygon(ST_InteriorRingN(d.geom, n)) as ring
                    from u, ST_Dump(u.geom) d, generate_series(1, ST_NumInteriorRings(d.geom)) n)
         select h.code, ST_Area(h.ring::geography) from h
         where not exists (select 1 from u o where o.level = h.level and o.id <> h.id
                           and ST_Covers(o.geom, ST_PointOnSurface(h.ring)))",
    )
    .bind(date)
    .fetch_all(pool)
    .await
    .expect("holes")
}

#[tokio::test]
async fn no_province_or_district_has_a_hole_that_is_not_an_enclave() {
    let db = loaded_db().await;
    for (date, _) in DATES {
        assert_eq!(holes(&db.pool, date).await, vec![], "as of {date}");
    }
}

#[tokio::test]
async fn the_provinces_meet_with_no_gap_and_no_overlap() {
    let db = loaded_db().await;
    // Old Lào Cai and old Yên Bái on 2025-06-30 against the new province of 2025-07-01.
    let (overlap, difference): (f64, f64) = sqlx::query_as(
        "with a as (select geom from admin_units where code = '10' and validity @> '2025-06-30'::date),
              b as (select geom from admin_units where code = '15' and validity @> '2025-06-30'::date),
              n as (select geom from admin_units where code = '15' and validity @> '2025-07-01'::date)
         select ST_Area(ST_Intersection(a.geom, b.geom)::geography),
                ST_Area(ST_SymDifference(n.geom, ST_Union(a.geom, b.geom))::geography) from a, b, n",
    )
    .fetch_one(&db.pool)
    .await
    .expect("provinces");
    assert!(overlap < 1.0, "overlap {overlap} m²");
    assert!(difference < 1.0, "new province differs from the old two by {difference} m²");
}

/// Codes and names of what a code names at a date, through `admin_unit_resolve`.
async fn resolve(pool: &PgPool, code: &str, date: &str) -> Vec<(String, String)> {
    sqlx::query_as("select code, name from admin_unit_resolve($1, $2::date) order by code")
        .bind(code)
        .bind(date)
        .fetch_all(pool)
        .await
        .expect("resolve")
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

#[tokio::test]
async fn a_code_is_read_through_its_successors_and_predecessors_at_the_date() {
    let db = loaded_db().await;
    let p = &db.pool;
    // Nghị quyết 1197/NQ-UBTVQH15: Xã Tà Chải into Thị trấn Bắc Hà from 2024-11-01.
    assert_eq!(resolve(p, "02872", "2024-10-31").await, pairs(&[("02872", "Xã Tà Chải")]));
    assert_eq!(resolve(p, "02872", "2024-11-01").await, pairs(&[("02839", "Thị trấn Bắc Hà")]));
    // Nghị quyết 1673/NQ-UBTVQH15, khoản 73: Thị trấn Bắc Hà and five xã form Xã Bắc Hà.
    assert_eq!(resolve(p, "02872", "2026-12-02").await, pairs(&[("02839", "Xã Bắc Hà")]));
    // A district ended without successors: read through its communes (the city of Lào Cai went
    // into five units: khoản 90 and the units of khoản 87-91 that took its communes).
    let city = resolve(p, "080", "2026-12-02").await;
    assert!(city.contains(&("02647".to_owned(), "Phường Lào Cai".to_owned())), "{city:?}");
    assert!(city.iter().all(|(c, _)| c.len() == 5), "{city:?}");
    // A reused code names the unit of the date: 02647 was Phường Kim Tân.
    assert_eq!(resolve(p, "02647", "2020-04-15").await, pairs(&[("02647", "Phường Kim Tân")]));
    // Every 2025 code reuses a predecessor's, so a 2025 code read in 2024 names that predecessor
    // (khoản 1: Xã Khao Mang of 2025 kept the code of Xã Khao Mang, beside Xã Hồ Bốn).
    assert_eq!(resolve(p, "04465", "2024-06-01").await, pairs(&[("04465", "Xã Khao Mang")]));
    // The province: old Lào Cai (10) became the new Lào Cai (15).
    assert_eq!(resolve(p, "10", "2026-12-02").await, pairs(&[("15", "Tỉnh Lào Cai")]));
    // Nothing of old Yên Bái is in the demo before 2020-03-01.
    assert_eq!(resolve(p, "04465", "2019-06-01").await, vec![]);
}

/// Three new units against Nghị quyết 1673/NQ-UBTVQH15: (clause, code, name, the predecessors
/// the clause names, with their codes in the code list of 2025-03-01).
const CLAUSES: [(u32, &str, &str, &[&str]); 3] = [
    (1, "04465", "Xã Khao Mang", &["04459 Xã Hồ Bốn", "04465 Xã Khao Mang"]),
    (
        73,
        "02839",
        "Xã Bắc Hà",
        &[
            "02839 Thị trấn Bắc Hà",
            "02857 Xã Thải Giàng Phố",
            "02863 Xã Hoàng Thu Phố",
            "02866 Xã Bản Phố",
            "02875 Xã Na Hối",
            "02881 Xã Nậm Mòn",
        ],
    ),
    (
        90,
        "02647",
        "Phường Lào Cai",
        &[
            "02635 Phường Duyên Hải",
            "02641 Phường Lào Cai",
            "02644 Phường Cốc Lếu",
            "02647 Phường Kim Tân",
            "02665 Xã Vạn Hoà",
            "02911 Xã Bản Phiệt",
        ],
    ),
];

#[tokio::test]
async fn three_new_units_are_the_exact_union_of_the_predecessors_of_their_clause() {
    let db = loaded_db().await;
    for (clause, code, name, expected) in CLAUSES {
        let rows: Vec<(String, String, String, f64, f64)> = sqlx::query_as(
            "select s.name, p.code || ' ' || p.name, ch.basis,
                    ST_Area(s.geom::geography) / 1e6, ST_Area(p.geom::geography) / 1e6
             from admin_units s join admin_unit_changes ch on ch.successor_id = s.id
             join admin_units p on p.id = ch.predecessor_id
             where s.code = $1 and s.valid_from = '2025-07-01' order by p.code",
        )
        .bind(code)
        .fetch_all(&db.pool)
        .await
        .expect("predecessors");
        let preds: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
        assert_eq!(preds, expected, "khoản {clause}");
        assert!(rows.iter().all(|r| r.0 == name), "khoản {clause}: {rows:?}");
        let basis = format!("Nghị quyết 1673/NQ-UBTVQH15, khoản {clause}");
        assert!(rows.iter().all(|r| r.2 == basis), "khoản {clause}: {rows:?}");
        // Each predecessor is named once: the successor of each is this unit alone.
        let area = rows[0].3;
        let sum: f64 = rows.iter().map(|r| r.4).sum();
        assert!((area - sum).abs() < 0.001, "khoản {clause}: {area} km² against {sum} km²");
    }
}

#[tokio::test]
async fn every_unit_in_force_on_2025_06_30_has_one_successor_on_2025_07_01() {
    let db = loaded_db().await;
    let (units, with_one, successors): (i64, i64, i64) = sqlx::query_as(
        "with old as (select id from admin_units where level = 'commune' and valid_to = '2025-07-01'),
              n as (select o.id, count(ch.*) as k from old o left join admin_unit_changes ch on ch.predecessor_id = o.id
                    group by o.id)
         select (select count(*) from old), count(*) filter (where k = 1),
                (select count(distinct successor_id) from admin_unit_changes where changed_on = '2025-07-01'
                 and successor_id in (select id from admin_units where level = 'commune'))
         from n",
    )
    .fetch_one(&db.pool)
    .await
    .expect("successors");
    // Nghị quyết 1673 khoản 92: 319 units (151 of old Lào Cai, 168 of old Yên Bái) into 99.
    assert_eq!((units, with_one, successors), (319, 319, 99));
}

#[tokio::test]
async fn the_lineage_of_a_former_commune_names_its_successors_with_dates_and_basis() {
    let db = loaded_db().await;
    let token = crate::support::token(&db.pool, antq_atlas::auth::Role::Viewer, &[]).await;
    let app = crate::support::as_user(crate::support::app(db.pool.clone()), &token);
    let (status, r) = get_json(&app, "/api/v1/units/02872/lineage").await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let chain: Vec<(&str, &str, &str, &str)> = r["successors"]
        .as_array()
        .expect("successors")
        .iter()
        .map(|s| {
            let f = |k: &str| s[k].as_str().unwrap_or_default();
            (f("name"), f("changed_on"), f("basis"), f("from_name"))
        })
        .collect();
    assert_eq!(
        chain,
        vec![
            ("Thị trấn Bắc Hà", "2024-11-01", "Nghị quyết 1197/NQ-UBTVQH15", "Xã Tà Chải"),
            ("Xã Bắc Hà", "2025-07-01", "Nghị quyết 1673/NQ-UBTVQH15, khoản 73", "Thị trấn Bắc Hà"),
        ]
    );
    assert_eq!(r["versions"][0]["valid_to"], "2024-11-01");
    // The other way: the 2025 unit's predecessors include Tà Chải, two changes back.
    let (_, back) = get_json(&app, "/api/v1/units/02839/lineage").await;
    let ta_chai =
        back["predecessors"].as_array().expect("predecessors").iter().find(|p| p["code"] == "02872");
    assert_eq!(ta_chai.map(|p| p["into_name"].clone()), Some("Thị trấn Bắc Hà".into()), "{back}");
    let (status, body) = get_json(&app, "/api/v1/units/99999/lineage").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
