//! `GET /api/v1/forms/{kind}`: what the web map's edit forms need to build themselves (fields,
//! types, limits, coded choices with Vietnamese and English labels, and the key point status
//! workflow), so no field list or choice is hard-coded in the browser. `kind` is `key-points`
//! or `model-sites`, the write routes' own names.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::extract::Path;
use super::routes::Route;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::db::forms::{self, CodeList};
use crate::db::key_points::STATUSES;

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    // Only writers fill forms; readers get the layers' queryables.
    vec![Route::get("/api/v1/forms/{kind}", Permission::Write, form)]
}

/// The labels of the key point workflow's steps, in `STATUSES` order.
const STATUS_TITLES: [(&str, &str); 4] = [
    ("Mới tiếp nhận", "Reported"),
    ("Đã xác minh", "Verified"),
    ("Đang theo dõi, xử lý", "Active"),
    ("Đã giải quyết", "Resolved"),
];

/// The hosts of a model site (the `model_sites.host_kind` check).
const HOST_KINDS: [(&str, &str, &str); 7] = [
    ("village", "Thôn, bản", "Village"),
    ("residential_group", "Tổ dân phố", "Residential group"),
    ("agency", "Cơ quan", "Agency"),
    ("enterprise", "Doanh nghiệp", "Enterprise"),
    ("school", "Trường học", "School"),
    ("parish", "Giáo xứ", "Parish"),
    ("clan", "Dòng họ", "Clan"),
];

/// A model site's rating (the `model_sites.effectiveness` check).
const EFFECTIVENESS: [(&str, &str, &str); 4] = [
    ("effective", "Hiệu quả", "Effective"),
    ("fair", "Trung bình", "Fair"),
    ("ineffective", "Chưa hiệu quả", "Ineffective"),
    ("unrated", "Chưa đánh giá", "Not rated"),
];

fn choices(list: &[(&str, &str, &str)]) -> Value {
    list.iter().map(|(value, vi, en)| json!({ "value": value, "title_vi": vi, "title_en": en })).collect()
}

/// One field: `create_only` fields (the code) are fixed once created.
fn field(name: &str, ty: &str, vi: &str, en: &str) -> Value {
    json!({ "name": name, "type": ty, "title_vi": vi, "title_en": en,
        "required": false, "create_only": false })
}

fn with(mut field: Value, extra: &Value) -> Value {
    if let (Some(f), Some(e)) = (field.as_object_mut(), extra.as_object()) {
        f.extend(e.clone());
    }
    field
}

/// The key point workflow: every status, and the one step each may take (none after the last).
fn workflow() -> Value {
    let states: Vec<Value> = STATUSES
        .iter()
        .zip(STATUS_TITLES)
        .map(|(value, (vi, en))| json!({ "value": value, "title_vi": vi, "title_en": en }))
        .collect();
    let next: serde_json::Map<String, Value> = STATUSES
        .iter()
        .enumerate()
        .map(|(i, s)| ((*s).to_owned(), STATUSES.get(i + 1).map_or(json!([]), |n| json!([n]))))
        .collect();
    json!({ "field": "status", "initial": STATUSES[0], "choices": states, "next": next })
}

/// The unique code: required on create, fixed after.
fn code() -> Value {
    let limits = json!({ "required": true, "create_only": true, "max_length": 40 });
    with(field("code", "string", "Mã", "Code"), &limits)
}

fn key_point_fields(categories: &Value) -> Value {
    let category = json!({ "required": true, "choices": categories });
    let severity = json!({ "minimum": 1, "maximum": 5, "default": 2 });
    let required = json!({ "required": true });
    json!([
        code(),
        with(field("category", "string", "Loại", "Category"), &category),
        with(field("severity", "integer", "Mức độ", "Severity"), &severity),
        with(field("observed_at", "date-time", "Thời điểm", "Observed at"), &required),
        field("description", "text", "Mô tả", "Description"),
    ])
}

fn model_site_fields(types: &Value) -> Value {
    let kind = json!({ "required": true, "choices": types });
    let hosts = json!({ "required": true, "choices": choices(&HOST_KINDS) });
    let rating = json!({ "choices": choices(&EFFECTIVENESS), "default": "unrated" });
    let year = json!({ "minimum": 1990, "maximum": 2100 });
    json!([
        code(),
        with(field("type_code", "string", "Loại mô hình", "Model type"), &kind),
        with(field("name", "string", "Tên", "Name"), &json!({ "required": true, "max_length": 300 })),
        with(field("host_kind", "string", "Nơi triển khai", "Host"), &hosts),
        field("host_name", "string", "Tên nơi triển khai", "Host name"),
        field("started_on", "date", "Ngày bắt đầu", "Started on"),
        with(field("effectiveness", "string", "Hiệu quả", "Effectiveness"), &rating),
        with(field("rated_year", "integer", "Năm đánh giá", "Rated in"), &year),
    ])
}

/// 200 with the form of `kind`; 404 for another kind.
async fn form(State(state): State<AppState>, Path(kind): Path<String>) -> Result<Response> {
    let body = match kind.as_str() {
        "key-points" => json!({
            "kind": kind, "title_vi": "Điểm trọng điểm", "title_en": "Key point",
            "fields": key_point_fields(&forms::choices(&state.pool, CodeList::KeyPointCategories).await?),
            "workflow": workflow(),
        }),
        "model-sites" => json!({
            "kind": kind, "title_vi": "Mô hình tự quản về ANTT", "title_en": "Self-management model",
            "fields": model_site_fields(&forms::choices(&state.pool, CodeList::ModelTypes).await?),
        }),
        _ => return Err(ApiError::NotFound(format!("form '{kind}' (key-points or model-sites)"))),
    };
    Ok(axum::Json(body).into_response())
}
