//! The descriptions of the write and import routes (key points, model sites, patrols, tracks,
//! imports): bodies, `ETag`/`If-Match`, and the answers a client must handle (412, 428, 413, 422).

use axum::http::Method;
use serde_json::{Value, json};

use super::parts::{body, exception, operation, param};
use crate::http::routes::Route;

fn id_param(what: &str) -> Value {
    param("id", "path", true, json!({ "type": "integer" }), what)
}

fn if_match() -> Value {
    param(
        "If-Match",
        "header",
        true,
        json!({ "type": "string" }),
        "the ETag read (428 without, 412 when stale)",
    )
}

fn idempotency_key() -> Value {
    param(
        "Idempotency-Key",
        "header",
        false,
        json!({ "type": "string", "minLength": 1, "maxLength": 255 }),
        "a key made by the client for this write (a UUID); the same request again with it gets \
         the first answer (Idempotent-Replayed: true) and writes nothing; with another request, 422",
    )
}

/// With the answers every versioned write can give besides success.
fn versioned(mut op: Value) -> Value {
    op["responses"]["409"] = exception("archived, a taken code, or a status step not allowed");
    op["responses"]["412"] =
        exception("If-Match is stale: sent_version, current_version and the current Feature come back");
    op["responses"]["422"] = exception("a field is unknown or out of range; the description names it");
    op["responses"]["428"] = exception("If-Match is missing");
    op
}

fn feature_body(properties: &Value) -> Value {
    json!({ "description": "a GeoJSON Feature (or the same fields flat, with lon/lat)",
        "type": "object", "properties": { "type": { "const": "Feature" }, "geometry": { "type": "object" },
        "properties": { "type": "object", "properties": properties } } })
}

fn key_point_properties() -> Value {
    json!({ "code": { "type": "string" }, "category": { "type": "string" },
        "severity": { "type": "integer", "minimum": 1, "maximum": 5 },
        "status": { "type": "string", "enum": ["reported", "verified", "active", "resolved"] },
        "observed_at": { "type": "string", "format": "date-time" }, "description": { "type": "string" } })
}

fn model_site_properties() -> Value {
    json!({ "code": { "type": "string" }, "type_code": { "type": "string" }, "name": { "type": "string" },
        "host_kind": { "type": "string" }, "host_name": { "type": "string" },
        "started_on": { "type": "string", "format": "date" },
        "effectiveness": { "type": "string", "enum": ["effective", "fair", "ineffective", "unrated"] },
        "rated_year": { "type": "integer" } })
}

fn patrol_properties() -> Value {
    json!({ "code": { "type": "string" }, "kind": { "type": "string", "enum": ["border", "joint", "commune"] },
        "units": { "type": "array", "items": { "type": "string" } },
        "members": { "type": "array", "items": { "type": "string" } },
        "planned_start": { "type": "string", "format": "date-time" },
        "planned_end": { "type": "string", "format": "date-time" },
        "started_at": { "type": "string", "format": "date-time" },
        "ended_at": { "type": "string", "format": "date-time" }, "note": { "type": "string" } })
}

/// The OpenAPI links out of an answer carrying a record of `base` (`/api/v1/key-points`): read
/// it, change it and archive it with the answer's `ETag`, and (per kind) its history, its layer
/// item or a track upload. Clients learn the next step from them, and schemathesis' stateful
/// phase follows them: it creates a record, then reads, edits and archives that very record.
fn links(base: &str, from_create: bool) -> Value {
    let at = |method: &str, path: &str| format!("#/paths/{}/{method}", path.replace('/', "~1"));
    let one = format!("{base}/{{id}}");
    let id = json!({ "id": "$response.body#/id" });
    let versioned = json!({ "id": "$response.body#/id", "header.If-Match": "$response.header.ETag" });
    let mut links = serde_json::Map::new();
    let mut link = |name: &str, operation: String, parameters: &Value, description: &str| {
        links.insert(
            name.to_owned(),
            json!({ "operationRef": operation, "parameters": parameters, "description": description }),
        );
    };
    if from_create {
        link("read", at("get", &one), &id, "the record just created");
    }
    link("change", at("patch", &one), &versioned, "change this version of the record");
    link("archive", at("delete", &one), &versioned, "archive this version of the record");
    match base {
        "/api/v1/key-points" => {
            link("history", at("get", &format!("{one}/history")), &id, "every version of the key point");
            let item = "/api/v1/collections/key_points/items/{fid}";
            link(
                "item",
                at("get", item),
                &json!({ "fid": "$response.body#/id" }),
                "the key point in its layer",
            );
        }
        "/api/v1/patrols" => {
            link("tracks", at("post", &format!("{one}/tracks")), &id, "upload the patrol's GPX tracks");
        }
        _ => {}
    }
    Value::Object(links)
}

/// `op` with `links` on its success answer `status`.
fn with_links(mut op: Value, status: &str, links: Value) -> Value {
    op["responses"][status]["links"] = links;
    op
}

/// The description of `route` when it is one of the write routes.
pub(super) fn describe(route: &Route) -> Option<Vec<(String, Value)>> {
    let p = route.permission;
    let feature = ("200", "application/geo+json", "the Feature, with its version as ETag");
    let created = ("201", "application/geo+json", "created: the Feature, ETag, and Location");
    let base = route.path.split("/{").next().unwrap_or(route.path);
    let (what, properties): (&str, fn() -> Value) = match route.path {
        p if p.starts_with("/api/v1/key-points") => ("key point", key_point_properties),
        p if p.starts_with("/api/v1/model-sites") => ("model site", model_site_properties),
        p if p.starts_with("/api/v1/patrols") => ("patrol", patrol_properties),
        "/api/v1/admin/boundaries/import" => ("boundary", patrol_properties),
        "/api/v1/admin/designations" => ("designation", patrol_properties),
        _ => return None,
    };
    let op = match (route.method.clone(), route.path) {
        (Method::POST, "/api/v1/key-points" | "/api/v1/model-sites" | "/api/v1/patrols") => {
            let mut op =
                versioned(operation(&format!("Create a {what}"), p, vec![idempotency_key()], created));
            body(&mut op, feature_body(&properties()));
            with_links(op, "201", links(base, true))
        }
        (Method::GET, "/api/v1/key-points/{id}" | "/api/v1/model-sites/{id}" | "/api/v1/patrols/{id}") => {
            let op = operation(&format!("Read one {what} (archived too)"), p, vec![id_param(what)], feature);
            with_links(op, "200", links(base, false))
        }
        (Method::PATCH, _) => {
            let summary = format!("Change a {what} (absent fields stay; a Point moves it)");
            let params = vec![id_param(what), if_match(), idempotency_key()];
            let mut op = versioned(operation(&summary, p, params, feature));
            body(&mut op, feature_body(&properties()));
            with_links(op, "200", links(base, false))
        }
        (Method::DELETE, _) => versioned(operation(
            &format!("Archive a {what} (it leaves the layers; its history stays)"),
            p,
            vec![id_param(what), if_match()],
            feature,
        )),
        (Method::POST, "/api/v1/key-points/import" | "/api/v1/model-sites/import") => {
            let mut op = operation(
                &format!("Import {what}s from CSV or a GeoJSON FeatureCollection, all or nothing"),
                p,
                vec![],
                ("201", "application/json", "inserted, first_id, last_id"),
            );
            op["responses"]["413"] = exception("the body is over the limit (named)");
            op["responses"]["422"] =
                exception("errors: every bad record (index, id, field, reason); nothing written");
            op["requestBody"] = json!({ "required": true, "content": {
                "text/csv": { "schema": { "type": "string" } },
                "application/geo+json": { "schema": { "type": "object" } } } });
            op
        }
        (Method::POST, "/api/v1/patrols/{id}/tracks") => tracks_operation(p, what),
        (Method::POST, "/api/v1/admin/boundaries/import") => {
            let q = |name: &str, schema: Value, what: &str| {
                param(name, "query", name == "level" || name == "valid_from", schema, what)
            };
            let mut op = operation(
                "Import administrative boundaries (GeoJSON, or a zipped Shapefile sent as application/zip) as new versions from a date; report per feature. A reorganisation names each new unit's predecessors in its properties (`predecessors`: codes, `basis`): exactly those close and each change is recorded",
                p,
                vec![
                    q(
                        "level",
                        json!({ "type": "string", "enum": ["district", "commune", "village"] }),
                        "level of every unit",
                    ),
                    q(
                        "valid_from",
                        json!({ "type": "string", "format": "date" }),
                        "first day of the new versions",
                    ),
                    q(
                        "srid",
                        json!({ "type": "integer", "enum": [4326, 4756, 3405, 9208] }),
                        "the file's EPSG code",
                    ),
                    q("make_valid", json!({ "type": "boolean" }), "repair invalid geometry"),
                    q("dry_run", json!({ "type": "boolean" }), "report only"),
                    q("threshold_km2", json!({ "type": "number" }), "smallest overlap or gap reported"),
                ],
                ("201", "application/json", "the report (200 on a dry run)"),
            );
            op["responses"]["422"] = exception("errors: every refused feature; nothing written");
            op["requestBody"] = json!({ "required": true, "content": { "application/geo+json": { "schema": { "type": "object" } } } });
            op
        }
        (Method::POST, "/api/v1/admin/designations") => designation_operation(p),
        (Method::GET, "/api/v1/key-points/{id}/history") => operation(
            "Every version of a key point, oldest first (who, when, the row)",
            p,
            vec![id_param(what)],
            ("200", "application/json", "the versions"),
        ),
        _ => return None,
    };
    Some(vec![(route.path.to_owned(), op)])
}

/// The GPX upload, with its dry run (the browser's preview).
fn tracks_operation(p: crate::auth::Permission, what: &str) -> Value {
    let mut op = operation(
        "Upload a GPX file: each track segment becomes a recorded track of the patrol",
        p,
        vec![
            id_param(what),
            param(
                "dry_run",
                "query",
                false,
                json!({ "type": "boolean" }),
                "preview: 200 with the tracks that would be saved (name, points, length_m, \
                 started_at, ended_at), nothing written",
            ),
            idempotency_key(),
        ],
        ("201", "application/geo+json", "the patrol, its recorded span and length, its new ETag"),
    );
    op["responses"]["200"] = json!({ "description": "dry run: the tracks as a FeatureCollection",
        "content": { "application/geo+json": { "schema": { "type": "object" } } } });
    op["responses"]["413"] = exception("the body is over the limit (named)");
    op["responses"]["422"] =
        exception("errors: every bad point or segment; or an Idempotency-Key already used with another file");
    op["requestBody"] =
        json!({ "required": true, "content": { "application/gpx+xml": { "schema": { "type": "string" } } } });
    op
}

/// `POST /api/v1/admin/designations`: a decision for a unit (`db::designations::NewDesignation`).
fn designation_operation(p: crate::auth::Permission) -> Value {
    let mut op = operation(
        "Record a decision (designation) for a unit: the unit its code names on valid_from; a decision ends with its unit (after a merge, the successors need their own)",
        p,
        vec![],
        ("201", "application/json", "the decision and the unit it names"),
    );
    body(
        &mut op,
        json!({ "type": "object", "required": ["unit_code", "kind", "valid_from"], "additionalProperties": false,
            "properties": {
                "unit_code": { "type": "string" }, "kind": { "type": "string" },
                "value": { "type": "string", "nullable": true }, "decision": { "type": "string", "nullable": true },
                "decided_on": { "type": "string", "format": "date", "nullable": true },
                "valid_from": { "type": "string", "format": "date" },
                "valid_to": { "type": "string", "format": "date", "nullable": true },
                "note": { "type": "string", "nullable": true } } }),
    );
    op["responses"]["409"] =
        exception("a decision of the same kind already holds for the unit over those dates");
    op["responses"]["422"] = exception(
        "no unit has the code on valid_from (what the code stands for then is named), the decision outlives its \
         unit (its closing day is named), an unknown kind (the kinds are listed), or an empty field",
    );
    op
}
