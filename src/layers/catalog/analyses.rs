//! The analysis layers of the registry (`catalog/mod.rs` lists them). Their sources read one stored
//! run, `{run}`, which `analysis_runs::prepare_filters` computes or finds for the request's parameters
//! before the generic machinery (items, tiles, exports) runs the query; `$1`, the "as of" date,
//! is part of the run's parameters (the province boundary) and not read again here.

use super::shared::{KEY_POINT_CATEGORIES, UNITS_AS_OF, prop};
use crate::layers::layer::GeometryType::MultiPolygon;
use crate::layers::layer::PropType::{Integer, Number, Text};
use crate::layers::layer::Sensitivity::Analysis;
use crate::layers::layer::{Layer, Param, ParamKind, Style};

const CELL: Param = Param {
    name: "cell",
    title_vi: "Cạnh ô lục giác (m)",
    title_en: "Hexagon edge (m)",
    description: "Edge length of the hexagons in metres (ST_HexagonGrid's size, in UTM 48N). Default: the \
                  shorter side of the province's bounding box / 50, rounded down to 100 m. A grid of more \
                  than 100,000 cells over the province is refused with the smallest edge allowed.",
    kind: ParamKind::Number { min: 1.0, max: 100_000.0, default: None },
};

const WINDOW: Param = Param {
    name: "datetime",
    title_vi: "Thời gian các điểm trọng điểm",
    title_en: "Key points observed",
    description: "The key points counted: observed within this interval (OGC datetime syntax). Hotspots: \
                  default all. Emerging hotspots: default the 12 calendar months up to the current one; \
                  at most 120 months.",
    kind: ParamKind::Window,
};

const CATEGORY: Param = Param {
    name: "category",
    title_vi: "Loại điểm trọng điểm",
    title_en: "Key point category",
    description: "Count only key points of this category (default: all).",
    kind: ParamKind::Choice { choices: KEY_POINT_CATEGORIES },
};

const RADIUS: Param = Param {
    name: "radius",
    title_vi: "Bán kính tìm kiếm mật độ (m)",
    title_en: "Density search radius (m)",
    description: "Search radius of the quartic kernel density, metres. Default: ArcGIS's rule \
                  0.9·min(SD, √(1/ln 2)·D_m)·n^(−0.2) over the key points counted.",
    kind: ParamKind::Number { min: 10.0, max: 100_000.0, default: None },
};

const HOTSPOT_PARAMS: [Param; 5] = [CELL, WINDOW, CATEGORY, RADIUS, UNITS_AS_OF];
const EMERGING_PARAMS: [Param; 4] = [CELL, WINDOW, CATEGORY, UNITS_AS_OF];

/// `hotspots`: Gi*, FDR bins and kernel density on a hexagon grid.
pub const HOTSPOTS: Layer = Layer {
    id: "hotspots",
    title_vi: "Điểm nóng (Gi*)",
    title_en: "Hot spots (Gi*)",
    description: "Key points counted on a hexagon grid over the province: Getis-Ord Gi* z-score and p-value, \
                  hot/cold-spot bin -3..+3 (99/95/90 % after a Benjamini-Hochberg false-discovery-rate \
                  correction) and quartic kernel density (key points per km²) at the cell centre",
    sensitivity: Analysis,
    patrol_layer: false,
    geometry: MultiPolygon,
    source: "select c.id, c.i, c.j, c.count, c.gi_z, c.gi_p, c.gi_bin::int8 as gi_bin, c.density, c.geom
             from analysis_cells c where c.run_id = {run}",
    reads: &["analysis_cells"],
    aggregate_below: None,
    cell_counts: None,
    temporal: true,
    id_column: "id",
    time: None,
    properties: &[
        prop("i", Integer, "Cột", "Column (i)"),
        prop("j", Integer, "Hàng", "Row (j)"),
        prop("count", Integer, "Số điểm", "Key points"),
        prop("gi_z", Number, "Gi* (z)", "Gi* z-score"),
        prop("gi_p", Number, "Giá trị p", "p-value"),
        prop("gi_bin", Integer, "Mức điểm nóng/lạnh", "Hot/cold spot bin"),
        prop("density", Number, "Mật độ (điểm/km²)", "Density (per km²)"),
    ],
    params: &HOTSPOT_PARAMS,
    style: Style {
        color: "#b03a2e",
        fill: Some("#e6b0aa"),
        category_property: Some("gi_bin"),
        cluster: false,
        visible: false,
    },
};

/// `emerging_hotspots`: monthly Gi* and the Mann–Kendall trend of each cell.
pub const EMERGING_HOTSPOTS: Layer = Layer {
    id: "emerging_hotspots",
    title_vi: "Điểm nóng mới nổi",
    title_en: "Emerging hot spots",
    description: "Gi* per calendar month on a hexagon grid over the province, the Mann-Kendall trend of each \
                  cell's monthly z-scores, and its pattern: new, intensifying, persistent, diminishing, \
                  sporadic or no_pattern",
    sensitivity: Analysis,
    patrol_layer: false,
    geometry: MultiPolygon,
    source: "select c.id, c.i, c.j, c.count, c.pattern, c.trend_z, c.trend_p, c.geom
             from analysis_cells c where c.run_id = {run}",
    reads: &["analysis_cells"],
    aggregate_below: None,
    cell_counts: None,
    temporal: true,
    id_column: "id",
    time: None,
    properties: &[
        prop("i", Integer, "Cột", "Column (i)"),
        prop("j", Integer, "Hàng", "Row (j)"),
        prop("count", Integer, "Số điểm", "Key points"),
        prop("pattern", Text, "Xu hướng điểm nóng", "Pattern"),
        prop("trend_z", Number, "Xu hướng (z Mann-Kendall)", "Trend (Mann-Kendall z)"),
        prop("trend_p", Number, "Giá trị p của xu hướng", "Trend p-value"),
    ],
    params: &EMERGING_PARAMS,
    style: Style {
        color: "#6c3483",
        fill: Some("#d2b4de"),
        category_property: Some("pattern"),
        cluster: false,
        visible: false,
    },
};
