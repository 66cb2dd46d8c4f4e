//! The layers' vector tiles and what feeds them (issue #17), on the Lao Cai demo.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::Value;

use antq_atlas::auth::Role;

use crate::support::{app, as_user, get_json, loaded_db, token};

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
        let key: usize = served.values().filter(|f| f[0] == Value::Bool(true)).count();
        assert!(key > 0, "{date}: some key security communes");
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
