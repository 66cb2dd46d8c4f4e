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
