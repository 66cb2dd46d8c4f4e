//! SQL around a layer's source: filters, features as GeoJSON, counts (composed as [`Sql`]).

use std::fmt::Write as _;

use futures_util::TryStreamExt;
use sqlx::PgPool;
use sqlx::postgres::PgRow;

use super::layer::{Layer, ParamKind, PropType, Property, ReadScope};
use super::params::{Filters, ParamValue};
use super::sql::Sql;
use super::values::{Value, today};

/// Starts a query on `layer`: binds the "as of" date as `$1` for temporal sources, then each
/// parameter of the source in place of its `{name}` placeholder.
#[must_use]
pub fn start(layer: &Layer, filters: &Filters) -> Sql {
    let mut sql = Sql::default();
    if layer.temporal {
        sql.bind(Value::Date(filters.as_of.unwrap_or_else(today)));
    }
    let mut source = layer.source.to_owned();
    for param in layer.params {
        let value = filters.params.iter().find(|(p, _)| p.name == param.name).map(|(_, v)| v);
        let mut place = |suffix: &str, value: Value| {
            let placeholder = sql.bind(value);
            source = source.replace(&format!("{{{}{suffix}}}", param.name), &placeholder);
        };
        match (param.kind, value) {
            (ParamKind::Window, Some(ParamValue::Window(w))) => {
                let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
                    t.map_or(Value::Null(PropType::Timestamp), Value::Time)
                };
                place("_start", time(w.start));
                place("_end", time(w.end));
            }
            (ParamKind::Window, _) => {
                place("_start", Value::Null(PropType::Timestamp));
                place("_end", Value::Null(PropType::Timestamp));
            }
            (_, Some(ParamValue::Value(v))) => place("", v.clone()),
            (ParamKind::Number { .. }, _) => place("", Value::Null(PropType::Number)),
            (ParamKind::Integer { .. }, _) => place("", Value::Null(PropType::Integer)),
            (ParamKind::Choice { .. }, _) => place("", Value::Null(PropType::Text)),
            (ParamKind::Date, _) => place("", Value::Null(PropType::Date)),
        }
    }
    if source.contains("{run}") {
        let run = sql.bind(filters.run.map_or(Value::Null(PropType::Integer), Value::Int));
        source = source.replace("{run}", &run);
    }
    sql.source = source;
    sql
}

/// Sets `sql`'s text to `select` over every row of the layer's source meeting `conds`, in id order:
/// what exports and offline packages stream. Identifiers come from the registry only; every
/// value is bound.
pub fn every_row(sql: &mut Sql, layer: &Layer, select: &str, conds: &str) {
    sql.text = format!("{select} from ({}) l where {conds} order by l.{}", sql.source, layer.id_column);
}

/// The `where` conditions for `filters` and the caller's jurisdiction (the source is aliased `l`).
pub fn conditions(sql: &mut Sql, layer: &Layer, filters: &Filters, scope: &ReadScope) -> String {
    let mut conds: Vec<String> = Vec::new();
    if let Some(b) = filters.bbox {
        let (x0, y0, x1, y1) = (
            sql.bind(Value::Num(b.min_x)),
            sql.bind(Value::Num(b.min_y)),
            sql.bind(Value::Num(b.max_x)),
            sql.bind(Value::Num(b.max_y)),
        );
        // Transform the query envelope, never the column, so the GiST index serves the filter.
        let envelope = if b.srid == 4326 {
            format!("ST_MakeEnvelope({x0}, {y0}, {x1}, {y1}, 4326)")
        } else {
            format!("ST_Transform(ST_MakeEnvelope({x0}, {y0}, {x1}, {y1}, 3857), 4326)")
        };
        conds.push(format!("ST_Intersects(l.geom, {envelope})"));
    }
    if let (Some(interval), Some(time)) = (filters.datetime, &layer.time) {
        let end_col = time.end.unwrap_or(time.start);
        if let Some(start) = interval.start {
            let p = sql.bind(Value::Time(start));
            conds.push(format!("coalesce(l.{end_col}, l.{}) >= {p}", time.start));
        }
        if let Some(end) = interval.end {
            let p = sql.bind(Value::Time(end));
            conds.push(format!("l.{} < {p}", time.start));
        }
    }
    for (property, value) in &filters.properties {
        let p = sql.bind(value.clone());
        if property.ty == PropType::TextList {
            conds.push(format!("{p} = any(l.{})", property.name));
        } else {
            conds.push(format!("l.{} = {p}", property.name));
        }
    }
    if let Some(expr) = &filters.cql {
        conds.push(super::cql2::to_sql(expr, sql));
    }
    if let Some(area) = scope.jurisdiction_for(layer) {
        let p = sql.bind(Value::Bytes(area.to_vec()));
        conds.push(format!("ST_Intersects(l.geom, ST_GeomFromEWKB({p}))"));
    }
    if conds.is_empty() { "true".to_owned() } else { conds.join(" and ") }
}

/// A property as JSON-ready SQL: timestamps in UTC with a `Z`.
fn json_expr(p: &Property) -> String {
    match p.ty {
        PropType::Timestamp => {
            format!("to_char(l.{} at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", p.name)
        }
        _ => format!("l.{}", p.name),
    }
}

/// A property as text, for CSV, KML and vector tiles (which have no date type).
#[must_use]
pub fn text_expr(p: &Property) -> String {
    match p.ty {
        PropType::Timestamp => json_expr(p),
        PropType::TextList => format!("array_to_string(l.{}, '; ')", p.name),
        _ => format!("l.{}::text", p.name),
    }
}

/// How features are written as GeoJSON.
#[derive(Debug, Clone)]
pub struct FeatureShape {
    /// The properties to include (all when `None`).
    pub properties: Option<Vec<&'static str>>,
    /// Decimal digits of coordinates.
    pub precision: u8,
    /// Simplification tolerance in degrees for polygons (zoom-dependent), if any.
    pub simplify: Option<f64>,
}

/// `select <feature as GeoJSON text>` over `l`.
pub fn feature_select(sql: &mut Sql, layer: &Layer, shape: &FeatureShape) -> String {
    let mut props = String::new();
    for p in layer.properties {
        if shape.properties.as_ref().is_none_or(|only| only.contains(&p.name)) {
            if !props.is_empty() {
                props.push_str(", ");
            }
            let _ = write!(props, "'{}', {}", p.name, json_expr(p));
        }
    }
    let mut geom = "l.geom".to_owned();
    if layer.geometry.is_polygon() {
        if let Some(tolerance) = shape.simplify {
            geom = format!("ST_SimplifyPreserveTopology({geom}, {})", sql.bind(Value::Num(tolerance)));
        }
        // RFC 7946: exterior rings counter-clockwise.
        geom = format!("ST_ForcePolygonCCW({geom})");
    }
    let precision = sql.bind(Value::Int(i64::from(shape.precision)));
    format!(
        "select json_build_object('type', 'Feature', 'id', l.{id}, 'geometry', ST_AsGeoJSON({geom}, {precision}::int)::json,
                'properties', json_build_object({props}))::text",
        id = layer.id_column
    )
}

/// Which page of features, in which order, in which shape.
#[derive(Debug, Clone)]
pub struct Page {
    /// Features per page.
    pub limit: u64,
    /// Features skipped.
    pub offset: u64,
    /// Sort keys (property, descending); the id breaks ties so pages never overlap.
    pub sortby: Vec<(&'static str, bool)>,
    /// How each feature is written.
    pub shape: FeatureShape,
}

/// One page of features, as GeoJSON feature texts.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip_all, fields(layer = layer.id), err)]
pub async fn items(
    pool: &PgPool,
    layer: &Layer,
    filters: &Filters,
    scope: &ReadScope,
    page: &Page,
) -> Result<Vec<String>, sqlx::Error> {
    let mut sql = start(layer, filters);
    let select = feature_select(&mut sql, layer, &page.shape);
    let conds = conditions(&mut sql, layer, filters, scope);
    let mut order = String::new();
    for (name, descending) in &page.sortby {
        let _ = write!(order, "l.{name} {}, ", if *descending { "desc" } else { "asc" });
    }
    let limit = sql.bind(Value::Int(i64::try_from(page.limit).unwrap_or(i64::MAX)));
    let offset = sql.bind(Value::Int(i64::try_from(page.offset).unwrap_or(i64::MAX)));
    sql.text = format!(
        "{select} from ({source}) l where {conds} order by {order}l.{id} limit {limit} offset {offset}",
        source = sql.source,
        id = layer.id_column
    );
    sql.query().fetch(pool).map_ok(|row: PgRow| sqlx::Row::get::<String, _>(&row, 0)).try_collect().await
}

/// The exact number of features matching the filters.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip_all, fields(layer = layer.id), err)]
pub async fn count(
    pool: &PgPool,
    layer: &Layer,
    filters: &Filters,
    scope: &ReadScope,
) -> Result<i64, sqlx::Error> {
    let mut sql = start(layer, filters);
    let conds = conditions(&mut sql, layer, filters, scope);
    sql.text = format!("select count(*) from ({}) l where {conds}", sql.source);
    let row = sql.query().fetch_one(pool).await?;
    Ok(sqlx::Row::get(&row, 0))
}

/// One feature by id, if it exists and the caller may read it.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip_all, fields(layer = layer.id), err)]
pub async fn item(
    pool: &PgPool,
    layer: &Layer,
    id: i64,
    filters: &Filters,
    scope: &ReadScope,
    shape: &FeatureShape,
) -> Result<Option<String>, sqlx::Error> {
    let mut sql = start(layer, filters);
    let select = feature_select(&mut sql, layer, shape);
    let conds = conditions(&mut sql, layer, filters, scope);
    let id_param = sql.bind(Value::Int(id));
    sql.text = format!(
        "{select} from ({source}) l where l.{id_col} = {id_param} and {conds}",
        source = sql.source,
        id_col = layer.id_column
    );
    let row = sql.query().fetch_optional(pool).await?;
    Ok(row.map(|r| sqlx::Row::get(&r, 0)))
}

/// The extent of a layer's features, for collection metadata.
#[derive(Debug, Clone, Default)]
pub struct Extent {
    /// WGS 84 bounding box, `None` for an empty layer.
    pub bbox: Option<[f64; 4]>,
    /// First and last times (RFC 3339), for layers with time.
    pub time: Option<[Option<String>; 2]>,
}

/// The extent of a layer (WGS 84 bbox) and of its time, for collection metadata.
///
/// # Errors
/// The database fails.
#[tracing::instrument(skip_all, fields(layer = layer.id), err)]
pub async fn extent(pool: &PgPool, layer: &Layer, scope: &ReadScope) -> Result<Extent, sqlx::Error> {
    let filters = Filters::default();
    let mut sql = start(layer, &filters);
    let conds = conditions(&mut sql, layer, &filters, scope);
    let time = layer.time.as_ref().map_or_else(
        || "null::text, null::text".to_owned(),
        |t| {
            let end = t.end.unwrap_or(t.start);
            format!(
                "to_char(min(l.{}) at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
                 to_char(max(l.{end}) at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                t.start
            )
        },
    );
    sql.text = format!(
        "select ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e), t0, t1
         from (select ST_Extent(l.geom) e, {time} from ({source}) l where {conds}) x(e, t0, t1)",
        source = sql.source
    );
    let row = sql.query().fetch_one(pool).await?;
    let bbox: Option<f64> = sqlx::Row::get(&row, 0);
    let bbox = bbox.map(|x0| [x0, sqlx::Row::get(&row, 1), sqlx::Row::get(&row, 2), sqlx::Row::get(&row, 3)]);
    let t0: Option<String> = sqlx::Row::get(&row, 4);
    let t1: Option<String> = sqlx::Row::get(&row, 5);
    Ok(Extent { bbox, time: layer.time.as_ref().map(|_| [t0, t1]) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::params::parse_filters;
    use crate::layers::{GeometryType, Param, Sensitivity, Style};

    static WIDTH: Param = Param {
        name: "width",
        title_vi: "Bề rộng",
        title_en: "Width",
        description: "sight width in metres",
        kind: ParamKind::Number { min: 10.0, max: 5000.0, default: Some(500.0) },
    };
    static PARAMS: [Param; 3] = [
        Param {
            name: "datetime",
            title_vi: "Thời gian",
            title_en: "Window",
            description: "",
            kind: ParamKind::Window,
        },
        Param {
            name: "category",
            title_vi: "Loại",
            title_en: "Category",
            description: "",
            kind: ParamKind::Choice { choices: &["drugs", "theft"] },
        },
        Param {
            name: "days",
            title_vi: "Số ngày",
            title_en: "Days",
            description: "",
            kind: ParamKind::Integer { min: 1, max: 3650, default: None },
        },
    ];
    static LAYER: Layer = Layer {
        id: "analysis",
        title_vi: "Phân tích",
        title_en: "Analysis",
        description: "a parametrised source",
        sensitivity: Sensitivity::Analysis,
        patrol_layer: false,
        geometry: GeometryType::Point,
        source: "select 1 as id, {datetime_start} as s, {datetime_end} as e, {category} as c, {days} as d,
                        {datetime_start} as again, null::geometry as geom",
        reads: &[],
        aggregate_below: None,
        cell_counts: None,
        temporal: true,
        id_column: "id",
        time: None,
        properties: &[],
        params: &PARAMS,
        style: Style { color: "#000", fill: None, category_property: None, cluster: false, visible: false },
    };

    fn pairs(raw: &[(&str, &str)]) -> Vec<(String, String)> {
        raw.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn parameters_are_bound_in_place_of_their_placeholders() {
        let given = pairs(&[("datetime", "2024-01-01/.."), ("category", "drugs")]);
        let filters = parse_filters(&LAYER, &given, &[]).expect("valid parameters").filters;
        let sql = start(&LAYER, &filters);
        // $1 is the "as of" date; the window's two ends, the choice, then the absent integer.
        assert_eq!(
            sql.source,
            "select 1 as id, $2 as s, $3 as e, $4 as c, $5 as d,
                        $2 as again, null::geometry as geom"
        );
        assert_eq!(sql.len(), 5);
        assert_eq!(sql.binds[2], Value::Null(PropType::Timestamp), "an open end is NULL");
        assert_eq!(sql.binds[3], Value::Text("drugs".into()));
        assert_eq!(sql.binds[4], Value::Null(PropType::Integer), "absent without a default");
    }

    #[test]
    fn parameters_are_validated_and_named_in_the_refusal() {
        let refused = |raw: &[(&str, &str)]| parse_filters(&LAYER, &pairs(raw), &[]).expect_err("refused").0;
        assert_eq!(refused(&[("days", "0")]), "days: '0' is not a whole number from 1 to 3650");
        assert_eq!(refused(&[("category", "fraud")]), "category: 'fraud' is not one of drugs, theft");
        assert!(refused(&[("datetime", "soon")]).starts_with("datetime: 'soon' is not"));
        assert!(WIDTH.parse("-5").is_err() && WIDTH.parse("NaN").is_err() && WIDTH.parse("5001").is_err());
        assert_eq!(WIDTH.parse("250").ok(), Some(ParamValue::Value(Value::Num(250.0))));
        assert_eq!(WIDTH.default_value(), ParamValue::Value(Value::Num(500.0)));
    }

    #[test]
    fn every_placeholder_of_the_catalog_is_a_declared_parameter() {
        for layer in &crate::layers::LAYERS {
            let filters = parse_filters(layer, &[], &[]).expect("defaults").filters;
            let sql = start(layer, &filters);
            assert!(!sql.source.contains('{'), "{}: a placeholder is left unbound", layer.id);
        }
    }
}
