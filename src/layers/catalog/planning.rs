//! The planning layers (issue 11): the border the planned patrols of the coming weeks will cover,
//! per segment, and the plans that collide. Their sources call the SQL functions of migration
//! 0022, which `GET /api/v1/analysis/plan-coverage` shares, so the map, the exports and the API
//! give one answer.

use super::shared::{MIN_SHARE, prop};
use crate::layers::layer::GeometryType::LineString;
use crate::layers::layer::PropType::{Boolean, Date, Integer, Number, Text, Timestamp};
use crate::layers::layer::Sensitivity::Analysis;
use crate::layers::layer::{Layer, Param, ParamKind, Style};

/// The first day of the planning window.
pub const FROM: Param = Param {
    name: "from",
    title_vi: "Từ ngày",
    title_en: "From",
    description: "First day of the planning window (YYYY-MM-DD, a Vietnamese day); default today in Vietnam",
    kind: ParamKind::Date,
};

/// How many weeks the window runs; half a year is as far as border plans are drawn up.
pub const WEEKS: Param = Param {
    name: "weeks",
    title_vi: "Số tuần",
    title_en: "Weeks",
    description: "Length of the planning window in weeks (1 to 26, default 4)",
    kind: ParamKind::Integer { min: 1, max: 26, default: Some(4) },
};

/// Sight width, as the coverage layers take it.
pub const WIDTH: Param = Param {
    name: "width",
    title_vi: "Tầm quan sát (m)",
    title_en: "Sight width (m)",
    description: "Sight width in metres (10 to 5,000, default 500): the border within half of it from a \
                  planned route is forecast covered",
    kind: ParamKind::Number { min: 10.0, max: 5000.0, default: Some(500.0) },
};

const PARAMS: [Param; 3] = [FROM, WEEKS, WIDTH];
/// The planned coverage also says when each segment was last patrolled, by the coverage rule.
const COVERAGE_PARAMS: [Param; 4] = [FROM, WEEKS, WIDTH, MIN_SHARE];

const fn style(color: &'static str, category: Option<&'static str>) -> Style {
    Style { color, fill: None, category_property: category, cluster: false, visible: false }
}

/// Each border segment with the plans of the window that reach it.
pub const PLAN_COVERAGE: Layer = Layer {
    id: "plan_coverage",
    title_vi: "Kế hoạch tuần tra biên giới",
    title_en: "Planned border coverage",
    description: "Each border segment with the planned patrols of the window [from, from + weeks) whose route \
                  comes within half the sight width of it, the forecast share of its length so covered \
                  (EPSG:32648), whether no plan reaches it (gap, a gap ahead) and its conflicts (two plans on it \
                  in overlapping time by units with none in common, neither joint); the commune responsible for \
                  it is the one of the window's last day (through the lineage after a merge); when it was last \
                  patrolled before the window (a patrol that covered at least min_share of it, migration 0071), \
                  the Vietnamese days from then to the window's first day, and the last patrol that touched it",
    sensitivity: Analysis,
    patrol_layer: false,
    geometry: LineString,
    source: "select * from atlas_plan_coverage({from}::date, {weeks}::int, {width}::float8, {min_share}::float8)",
    reads: &[
        "border_segments",
        "border_posts",
        "admin_units",
        "admin_unit_changes",
        "patrols",
        "patrol_tracks",
    ],
    aggregate_below: None,
    cell_counts: None,
    temporal: false,
    id_column: "id",
    time: None,
    properties: &[
        prop("code", Text, "Mã", "Code"),
        prop("name", Text, "Tên", "Name"),
        prop("post_name", Text, "Đồn biên phòng", "Border-guard post"),
        prop("commune_code", Text, "Mã xã", "Commune code"),
        prop("commune_name", Text, "Xã phụ trách", "Responsible commune"),
        prop("length_m", Number, "Chiều dài (m)", "Length (m)"),
        prop("planned_m", Number, "Dự kiến tuần tra (m)", "Planned (m)"),
        prop("share", Number, "Tỷ lệ dự kiến", "Forecast share"),
        prop("plans", Integer, "Số kế hoạch", "Plans"),
        prop("patrol_codes", Text, "Mã kế hoạch", "Plan codes"),
        prop("gap", Boolean, "Chưa có kế hoạch", "Gap ahead"),
        prop("conflicts", Integer, "Số trùng lặp", "Conflicts"),
        prop("last_patrolled", Date, "Lần tuần tra gần nhất", "Last patrolled"),
        prop("days_since_patrolled", Integer, "Số ngày chưa tuần tra", "Days since patrolled"),
        prop("last_touched", Date, "Lần gần nhất có tuần tra chạm tới", "Last touched"),
        prop("last_touched_m", Number, "Lần chạm gần nhất (m)", "Last touch (m)"),
        prop("min_share", Number, "Tỷ lệ tối thiểu", "Least share counted"),
        prop("window_start", Timestamp, "Từ", "Window start"),
        prop("window_end", Timestamp, "Đến", "Window end"),
    ],
    params: &COVERAGE_PARAMS,
    style: style("#8e44ad", Some("gap")),
};

/// The stretches two plans of the window share in overlapping time.
pub const PLAN_CONFLICTS: Layer = Layer {
    id: "plan_conflicts",
    title_vi: "Kế hoạch tuần tra trùng lặp",
    title_en: "Conflicting patrol plans",
    description: "Pairs of plans of the window on the same border segment in overlapping planned time by units \
                  with none in common, neither of kind joint: both codes and units, the overlap, and the shared \
                  stretch (from its first to its last shared metre) with its length (EPSG:32648)",
    sensitivity: Analysis,
    patrol_layer: false,
    geometry: LineString,
    source: "select id, segment_code, segment_name, patrol_a, array_to_string(units_a, ', ') as units_a,
                    patrol_b, array_to_string(units_b, ', ') as units_b, overlap_start, overlap_end, shared_m, geom
             from atlas_plan_conflicts({from}::date, {weeks}::int, {width}::float8)",
    reads: &["border_segments", "border_posts", "admin_units", "patrols", "patrol_tracks"],
    aggregate_below: None,
    cell_counts: None,
    temporal: false,
    id_column: "id",
    time: None,
    properties: &[
        prop("segment_code", Text, "Mã đoạn", "Segment code"),
        prop("segment_name", Text, "Đoạn biên giới", "Segment"),
        prop("patrol_a", Text, "Kế hoạch A", "Plan A"),
        prop("units_a", Text, "Lực lượng A", "Units A"),
        prop("patrol_b", Text, "Kế hoạch B", "Plan B"),
        prop("units_b", Text, "Lực lượng B", "Units B"),
        prop("overlap_start", Timestamp, "Trùng từ", "Overlap from"),
        prop("overlap_end", Timestamp, "Trùng đến", "Overlap to"),
        prop("shared_m", Number, "Đoạn trùng (m)", "Shared stretch (m)"),
    ],
    params: &PARAMS,
    style: style("#c0392b", None),
};
