//! `GET /api/v1/forms/{kind}`: the edit forms of the web map take their fields, choices and the
//! status workflow from here. Expected values come from the migrations (`0004_key_points.sql`:
//! 11 categories, the `key_point_status` enum; `0005_models.sql`: the host and rating checks).

use antq_atlas::auth::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::support::{app, as_user, get_json, test_db, token};

fn field<'a>(form: &'a Value, name: &str) -> &'a Value {
    form["fields"].as_array().expect("fields").iter().find(|f| f["name"] == name).expect(name)
}

#[tokio::test]
async fn writers_get_the_forms_with_choices_from_the_database_and_the_workflow() {
    let db = test_db().await;
    let editor = as_user(app(db.pool.clone()), &token(&db.pool, Role::Editor, &["080"]).await);

    let (status, kp) = get_json(&editor, "/api/v1/forms/key-points").await;
    let (site_status, site) = get_json(&editor, "/api/v1/forms/model-sites").await;
    let (other, why) = get_json(&editor, "/api/v1/forms/users").await;

    assert_eq!(status, StatusCode::OK, "{kp}");
    let categories = field(&kp, "category")["choices"].as_array().expect("choices");
    assert_eq!(categories.len(), 11);
    assert!(categories.contains(&json!({ "value": "drugs", "title_vi": "Ma túy", "title_en": "Drugs" })));
    assert_eq!(field(&kp, "code")["create_only"], true);
    assert_eq!(
        (field(&kp, "severity")["minimum"].clone(), field(&kp, "severity")["maximum"].clone()),
        (json!(1), json!(5))
    );
    let next = &kp["workflow"]["next"];
    assert_eq!(
        next,
        &json!({ "reported": ["verified"], "verified": ["active"], "active": ["resolved"], "resolved": [] })
    );
    assert_eq!(site_status, StatusCode::OK, "{site}");
    let hosts: Vec<&str> = field(&site, "host_kind")["choices"]
        .as_array()
        .expect("hosts")
        .iter()
        .filter_map(|c| c["value"].as_str())
        .collect();
    assert_eq!(hosts, ["village", "residential_group", "agency", "enterprise", "school", "parish", "clan"]);
    assert_eq!(field(&site, "effectiveness")["default"], "unrated");
    assert_eq!(other, StatusCode::NOT_FOUND, "{why}");
    assert_eq!(why["code"], "not_found");
}

#[tokio::test]
async fn readers_do_not_get_the_forms() {
    let db = test_db().await;
    let viewer = as_user(app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);

    let (status, body) = get_json(&viewer, "/api/v1/forms/key-points").await;

    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
}
