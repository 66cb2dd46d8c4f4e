//! `GET /api/v1/packages/basemap.mbtiles`: the operator's base map (`--basemap-file`) cut to a
//! package's area and zooms, as an MBTiles file of the base map's own tiles (raster or vector:
//! they cannot share one file with the package's vector layers, so this is a second file).
//! Same parameters, refusals and jurisdiction as `area.mbtiles` (`packages::parse`,
//! `area_scope`); the tiles are those of the area itself, at the zooms the base map has.
//! Audited as an export: the area asked for says where the user is going.

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::extract::Params;
use super::gate::Principal;
use super::packages::{Life, area_scope, basemap_tiles, parse, plan_for, summary};
use super::routes::Route;
use super::{ApiError, AppState, Result, streamed};
use crate::auth::Permission;
use crate::db::audit::{self, Outcome};

/// Routes of this module.
pub fn routes() -> Vec<Route> {
    vec![Route::get("/api/v1/packages/basemap.mbtiles", Permission::SignedIn, basemap)]
}

async fn basemap(State(state): State<AppState>, who: Principal, Params(pairs): Params) -> Result<Response> {
    let request = parse(&pairs)?;
    let map = state
        .http
        .basemap_file
        .clone()
        .ok_or_else(|| ApiError::NotFound("the base map (none is configured: --basemap-file)".into()))?;
    let (area, _) = area_scope(&who, &state, &request).await?;
    let plan = plan_for(&state, &request, &area, Vec::new()).await?;
    let info = map.info().clone();
    let tiles = basemap_tiles(&map, &plan);
    let (Some(min), Some(max)) = (tiles.iter().map(|t| t.z).min(), tiles.iter().map(|t| t.z).max()) else {
        return Err(ApiError::Unprocessable(format!(
            "minzoom {} and maxzoom {}: the base map has zooms {}..={} only",
            plan.zooms.0, plan.zooms.1, info.minzoom, info.maxzoom
        )));
    };
    let name = format!("antq_basemap_{}_z{min}-{max}", request.codes().join("-"));
    let [w, s, e, n] = area.bbox;
    let life = Life::now(&state).await?;
    let format = serde_json::to_value(info.format).ok().and_then(|f| f.as_str().map(str::to_owned));
    let mut metadata = vec![
        ("name", name.clone()),
        ("format", format.unwrap_or_default()),
        ("type", "baselayer".to_owned()),
        ("version", "1".to_owned()),
        ("description", format!("ANTQ Atlas base map: {}", request.codes().join(", "))),
        ("minzoom", min.to_string()),
        ("maxzoom", max.to_string()),
        ("bounds", format!("{w},{s},{e},{n}")),
        ("center", format!("{},{},{min}", f64::midpoint(w, e), f64::midpoint(s, n))),
        ("created", life.created_text()),
        ("expires", life.expires_text()),
    ];
    if let Some(attribution) = &info.attribution {
        metadata.push(("attribution", attribution.clone()));
    }
    if let Some(layers) = &info.vector_layers {
        metadata.push(("json", json!({ "vector_layers": layers }).to_string()));
    }
    let (file, path) = streamed::new_file(".mbtiles")?;
    let mut details = summary(&request, &area, &plan);
    details["basemap"] = json!({ "format": info.format, "minzoom": min, "maxzoom": max });
    details["expires_at"] = json!(life.expires_text());
    let entry = who.audit("export", Outcome::Ok).with_target("package.basemap");
    let audit_pool = state.pool.clone();
    let build = tokio::spawn(async move {
        let out = path.clone();
        let stored = tokio::task::spawn_blocking(move || map.extract(&tiles, &out, &metadata)).await??;
        details["tiles_stored"] = json!(stored);
        // Audited before the first byte leaves: a download cut short was still an export.
        audit::record(&audit_pool, &entry.with_details(details)).await?;
        anyhow::Ok(tokio::fs::File::open(&path).await?)
    });
    Ok(streamed::attachment(build, file, &format!("{name}.mbtiles"), "application/vnd.sqlite3"))
}
