//! Search as Vietnamese users type, over the loaded Lao Cai demo.

use antq_atlas::auth::Role;
use axum::http::StatusCode;
use serde_json::Value;

use crate::support::{as_user, get_json, loaded_db, token};

fn first(body: &Value) -> (String, String) {
    let hit = &body["results"][0];
    (
        hit["layer"].as_str().unwrap_or_default().to_owned(),
        hit["label"].as_str().unwrap_or_default().to_owned(),
    )
}

fn url(q: &str) -> String {
    format!(
        "/api/v1/search?as_of=2020-04-15&q={}",
        serde_urlencoded::to_string([("x", q)]).expect("enc").trim_start_matches("x=")
    )
}

#[tokio::test]
async fn queries_find_what_a_user_means() {
    let db = loaded_db().await;
    let analyst = as_user(crate::support::app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    // (query, expected first layer, expected first label)
    let table = [
        ("Bản Vược", "communes", "Xã Bản Vược, Huyện Bát Xát"),
        ("ban vuoc", "communes", "Xã Bản Vược, Huyện Bát Xát"),
        ("BAN VUOC", "communes", "Xã Bản Vược, Huyện Bát Xát"),
        ("ban vu", "communes", "Xã Bản Vược, Huyện Bát Xát"),
        ("Ban Vuoc, Bat Xat", "communes", "Xã Bản Vược, Huyện Bát Xát"),
        ("bat xat ban vuoc", "communes", "Xã Bản Vược, Huyện Bát Xát"),
        ("xã bản vược", "communes", "Xã Bản Vược, Huyện Bát Xát"),
        ("ban vouc", "communes", "Xã Bản Vược, Huyện Bát Xát"),
        ("dong tuyen", "communes", "Xã Đồng Tuyển, Thành phố Lào Cai"),
        ("Đồng Tuyển", "communes", "Xã Đồng Tuyển, Thành phố Lào Cai"),
        ("y ty", "communes", "Xã Y Tý, Huyện Bát Xát"),
        ("huyen bat xat", "districts", "Huyện Bát Xát"),
        ("tp lao cai", "districts", "Thành phố Lào Cai"),
        ("coc leu", "communes", "Phường Cốc Lếu, Thành phố Lào Cai"),
        ("mốc 92", "border_markers", "Cột mốc 92"),
        ("don bien phong si ma cai", "border_posts", "Đồn Biên phòng Si Ma Cai"),
        ("KP-2019-00001", "key_points", "KP-2019-00001"),
    ];
    let mut wrong = Vec::new();
    for (q, layer, label) in table {
        let (status, body) = get_json(&analyst, &url(q)).await;
        assert_eq!(status, StatusCode::OK, "{q}: {body}");
        if first(&body) != (layer.to_owned(), label.to_owned()) {
            wrong.push(format!("{q:?}: got {:?}, expected ({layer}, {label})", first(&body)));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // A name shared by two communes in different districts: both, told apart by district.
    let (_, body) = get_json(&analyst, &url("thanh binh")).await;
    let labels: Vec<&str> =
        body["results"].as_array().expect("results").iter().filter_map(|h| h["label"].as_str()).collect();
    assert!(labels[..2].contains(&"Xã Thanh Bình, Huyện Mường Khương"), "{labels:?}");
    assert!(labels[..2].contains(&"Xã Thanh Bình, Thị xã Sa Pa"), "{labels:?}");
    let bbox = body["results"][0]["bbox"].as_array().expect("bbox");
    assert_eq!(bbox.len(), 4);
}

#[tokio::test]
async fn a_restricted_key_point_is_invisible_to_a_viewer_and_bad_queries_are_400() {
    let db = loaded_db().await;
    let viewer = as_user(crate::support::app(db.pool.clone()), &token(&db.pool, Role::Viewer, &[]).await);
    let (status, body) = get_json(&viewer, &url("KP-2019-00001")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body["results"].as_array().expect("results").iter().all(|h| h["layer"] != "key_points"),
        "{body}"
    );
    for bad in
        ["/api/v1/search", "/api/v1/search?q=", "/api/v1/search?q=x&limit=0", "/api/v1/search?q=x&colour=red"]
    {
        assert_eq!(get_json(&viewer, bad).await.0, StatusCode::BAD_REQUEST, "{bad}");
    }
}

/// Words naming a parent find the child: "Thôn Sì Khe" of Xã Bản Vược (fixtures/laocai/villages.geojson,
/// parent 02710), not the Sì Khe of other communes, nor the commune itself first.
#[tokio::test]
async fn words_of_a_parent_find_its_child() {
    let db = loaded_db().await;
    let viewer = as_user(crate::support::app(db.pool.clone()), &token(&db.pool, Role::Viewer, &[]).await);
    let (status, body) = get_json(&viewer, &url("si khe ban vuoc")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(first(&body), ("villages".into(), "Thôn Sì Khe, Xã Bản Vược, Huyện Bát Xát".into()), "{body}");
}

/// A crowded set in the manner of bench/national.sql (names sharing nearly all their trigrams,
/// the same village name in every commune): each source of candidates is cut early, and the
/// exact name, the prefixes, a village named with its commune and a typo still come first.
#[tokio::test]
async fn a_crowded_set_keeps_its_ranking() {
    let db = loaded_db().await;
    sqlx::raw_sql(
        r"
        insert into admin_units (code, level, kind, name, valid_from, geom)
        values ('SP', 'province', 'tỉnh', 'Tỉnh thử nghiệm', '2000-01-01', ST_Multi(ST_MakeEnvelope(102, 8, 103, 9, 4326)));
        insert into admin_units (code, level, kind, name, parent_id, valid_from, geom)
        select 'SD', 'district', 'huyện', 'Huyện thử', id, '2000-01-01', geom from admin_units where code = 'SP';
        insert into admin_units (code, level, kind, name, parent_id, valid_from, geom)
        select 'SC' || n, 'commune', 'xã', 'Xã thử ' || n, d.id, '2000-01-01',
               ST_Multi(ST_MakeEnvelope(102 + n * 0.003, 8, 102 + (n + 1) * 0.003, 9, 4326))
        from generate_series(0, 299) n, admin_units d where d.code = 'SD';
        insert into admin_units (code, level, kind, name, parent_id, valid_from, geom)
        select c.code || '-' || v, 'village', 'thôn', 'Thôn thử ' || v, c.id, '2000-01-01', c.geom
        from admin_units c, generate_series(0, 9) v where c.code like 'SC%' and c.level = 'commune';
        ",
    )
    .execute(&db.pool)
    .await
    .expect("crowded set");
    let analyst = as_user(crate::support::app(db.pool.clone()), &token(&db.pool, Role::Analyst, &[]).await);
    let table = [
        ("xa thu 1", "communes", "Xã thử 1, Huyện thử"),
        ("Xã Thử 12", "communes", "Xã thử 12, Huyện thử"),
        ("thu 123", "communes", "Xã thử 123, Huyện thử"),
        ("thon thu 5 xa thu 123", "villages", "Thôn thử 5, Xã thử 123, Huyện thử"),
        ("xa thu 123 thon thu 5", "villages", "Thôn thử 5, Xã thử 123, Huyện thử"),
        ("xa thuu 123", "communes", "Xã thử 123, Huyện thử"),
        ("ban vuoc", "communes", "Xã Bản Vược, Huyện Bát Xát"),
    ];
    let mut wrong = Vec::new();
    for (q, layer, label) in table {
        let (status, body) = get_json(&analyst, &url(q)).await;
        assert_eq!(status, StatusCode::OK, "{q}: {body}");
        if first(&body) != (layer.to_owned(), label.to_owned()) {
            wrong.push(format!("{q:?}: got {:?}, expected ({layer}, {label})", first(&body)));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // Prefixes are ranges a B-tree serves in generic plans too: the same answers after the
    // fifth execution of the prepared statements, when PostgreSQL may switch to a generic plan.
    for _ in 0..7 {
        let (_, body) = get_json(&analyst, &url("thu 12")).await;
        assert_eq!(first(&body), ("communes".into(), "Xã thử 12, Huyện thử".into()), "{body}");
        // Codes by prefix: the three KP-2019-0000x of fixtures/laocai/key_points.geojson.
        let (_, body) = get_json(&analyst, &url("kp-2019-0000")).await;
        assert_eq!(body["results"].as_array().map(Vec::len), Some(3), "{body}");
    }
    // A prefix: after the exact name, the names that go on from it ("Xã thử 12x").
    let (_, body) = get_json(&analyst, &url("xa thu 12")).await;
    let labels: Vec<&str> =
        body["results"].as_array().expect("results").iter().filter_map(|h| h["label"].as_str()).collect();
    assert_eq!(labels.len(), 10, "{labels:?}");
    assert!(labels[1..].iter().all(|l| l.starts_with("Xã thử 12")), "{labels:?}");
}

/// The hits for `q` at `as_of`, as (label, former, id).
async fn hits_at(app: &axum::Router, q: &str, as_of: &str) -> Vec<(String, bool, i64)> {
    let uri = url(q).replace("as_of=2020-04-15", &format!("as_of={as_of}"));
    let (status, body) = get_json(app, &uri).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|h| {
            let label = h["label"].as_str().unwrap_or_default().to_owned();
            (label, h["former"].as_bool().unwrap_or_default(), h["id"].as_i64().unwrap_or_default())
        })
        .collect()
}

#[tokio::test]
async fn a_former_name_finds_its_successor_labelled_with_the_chain_of_changes() {
    let db = loaded_db().await;
    let viewer = as_user(crate::support::app(db.pool.clone()), &token(&db.pool, Role::Viewer, &[]).await);
    // Before Nghị quyết 1197/NQ-UBTVQH15: Xã Tà Chải is a commune of its own.
    let before = hits_at(&viewer, "Tà Chải", "2024-10-31").await;
    assert_eq!(
        before.first().map(|h| (h.0.as_str(), h.1)),
        Some(("Xã Tà Chải, Huyện Bắc Hà", false)),
        "{before:?}"
    );
    // Between the two resolutions: merged into Thị trấn Bắc Hà.
    let between = hits_at(&viewer, "ta chai", "2024-12-01").await;
    assert!(between.iter().any(|h| h.0 == "Xã Tà Chải → Thị trấn Bắc Hà (01/11/2024)" && h.1), "{between:?}");
    // Today: and with Thị trấn Bắc Hà into Xã Bắc Hà (Nghị quyết 1673/NQ-UBTVQH15, khoản 73).
    let today = hits_at(&viewer, "Tà Chải", "2026-12-02").await;
    let chain = "Xã Tà Chải → Thị trấn Bắc Hà (01/11/2024) → Xã Bắc Hà (01/07/2025)";
    let hit = today.iter().find(|h| h.0 == chain).unwrap_or_else(|| panic!("{today:?}"));
    assert!(hit.1, "labelled former");
    let (_, bac_ha) =
        get_json(&viewer, "/api/v1/collections/communes/items?as_of=2026-12-02&code=02839").await;
    assert_eq!(bac_ha["features"][0]["id"].as_i64(), Some(hit.2), "the hit opens Xã Bắc Hà");
    // A name still borne by a unit of the date is that unit, not a former one.
    let current = hits_at(&viewer, "Bản Liền", "2026-12-02").await;
    assert!(current.iter().all(|h| !h.1 || !h.0.starts_with("Xã Bản Liền")), "{current:?}");
}
