//! The security records: key points, self-management model sites, and patrols with their
//! planned routes and recorded tracks.

use super::shared::{prop, shown, style};
use crate::layers::layer::GeometryType::{LineString, Point};
use crate::layers::layer::PropType::{Date, Integer, Number, Text, Timestamp};
use crate::layers::layer::Sensitivity::{Internal, Restricted};
use crate::layers::layer::{Layer, Style, TimeColumns};

pub const KEY_POINTS: Layer = Layer {
    id: "key_points",
    title_vi: "Điểm trọng điểm",
    title_en: "Key points",
    description: "Security and order key points recorded by police (not archived)",
    sensitivity: Restricted,
    patrol_layer: false,
    geometry: Point,
    // Left joins, though every key point has its category (not null, a foreign key): a left join
    // to a unique key whose columns a statement does not use is dropped by the planner, so the
    // low-zoom counts read key_points alone, from one index (see `tiles::aggregates`).
    source: "select k.id, k.code, k.category, cat.name_vi as category_vi, cat.name_en as category_en,
                    k.severity, k.status::text as status, k.observed_at, c.code as commune_code,
                    c.name as commune_name, k.description, k.location as geom
             from key_points k left join key_point_categories cat on cat.code = k.category
             left join admin_units c on c.id = k.commune_id
             where k.archived_at is null",
    reads: &["key_points", "key_point_categories", "admin_units"],
    // A z11 tile is about 20 km across: a commune or two, a few thousand points at most.
    aggregate_below: Some(11),
    // Counted per cell by the key points' own triggers (migration 0091): 100,000 points.
    cell_counts: Some("key_point_cells"),
    temporal: false,
    id_column: "id",
    time: Some(TimeColumns { start: "observed_at", end: None }),
    properties: &[
        prop("code", Text, "Mã", "Code"),
        prop("category", Text, "Loại", "Category"),
        prop("category_vi", Text, "Loại (tiếng Việt)", "Category (Vietnamese)"),
        prop("category_en", Text, "Loại (tiếng Anh)", "Category (English)"),
        prop("severity", Integer, "Mức độ", "Severity"),
        prop("status", Text, "Trạng thái", "Status"),
        prop("observed_at", Timestamp, "Thời điểm", "Observed at"),
        prop("commune_code", Text, "Mã xã", "Commune code"),
        prop("commune_name", Text, "Xã", "Commune"),
        shown("description", Text, "Mô tả", "Description"),
    ],
    params: &[],
    style: Style {
        color: "#d35400",
        fill: None,
        category_property: Some("category"),
        cluster: true,
        visible: true,
    },
};

pub const MODEL_SITES: Layer = Layer {
    id: "model_sites",
    title_vi: "Mô hình tự quản về ANTT",
    title_en: "Self-management security models",
    description: "Sites of self-management security models with their type and rating",
    sensitivity: Internal,
    patrol_layer: false,
    geometry: Point,
    // Left joins, though every site has its type (not null, a foreign key): see KEY_POINTS.
    source:
        "select s.id, s.code, s.type_code, t.name_vi as type_vi, t.name_en as type_en, s.name, s.host_kind,
                    c.code as commune_code, v.code as village_code, s.started_on, s.effectiveness,
                    s.rated_year::int as rated_year, s.geom
             from model_sites s left join model_types t on t.code = s.type_code
             left join admin_units c on c.id = s.commune_id left join admin_units v on v.id = s.village_id
             where s.archived_at is null",
    reads: &["model_sites", "model_types", "admin_units"],
    aggregate_below: Some(11),
    // Hundreds of sites: their own index counts them fast enough.
    cell_counts: None,
    temporal: false,
    id_column: "id",
    time: None,
    properties: &[
        prop("code", Text, "Mã", "Code"),
        prop("type_code", Text, "Mã loại mô hình", "Model type code"),
        prop("type_vi", Text, "Loại mô hình", "Model type (Vietnamese)"),
        prop("type_en", Text, "Loại mô hình (tiếng Anh)", "Model type"),
        prop("name", Text, "Tên", "Name"),
        prop("host_kind", Text, "Nơi triển khai", "Host"),
        prop("commune_code", Text, "Mã xã", "Commune code"),
        prop("village_code", Text, "Mã thôn", "Village code"),
        prop("started_on", Date, "Ngày bắt đầu", "Started on"),
        prop("effectiveness", Text, "Hiệu quả", "Effectiveness"),
        prop("rated_year", Integer, "Năm đánh giá", "Rated in"),
    ],
    params: &[],
    style: Style {
        color: "#27ae60",
        fill: None,
        category_property: Some("effectiveness"),
        cluster: true,
        visible: false,
    },
};

pub const PATROL_ROUTES: Layer = Layer {
    id: "patrol_routes",
    title_vi: "Tuyến tuần tra (kế hoạch)",
    title_en: "Patrol routes (planned)",
    description: "Planned routes of patrols with their time span and units",
    sensitivity: Restricted,
    patrol_layer: true,
    geometry: LineString,
    // The walked share compares the plan with the patrol's tracks at the reports' sight width
    // (500 m, as `border_coverage` by default); null until a track is uploaded.
    source: "select p.id, p.code, p.kind, array_to_string(p.units, ', ') as units, p.planned_start,
                    p.planned_end, w.planned_m, w.walked_m, w.walked_share, p.planned_route as geom
             from patrols p left join lateral atlas_plan_walked(p.id, 500) w on true
             where p.planned_route is not null and p.archived_at is null",
    reads: &["patrols", "patrol_tracks"],
    aggregate_below: None,
    cell_counts: None,
    temporal: false,
    id_column: "id",
    time: Some(TimeColumns { start: "planned_start", end: Some("planned_end") }),
    properties: &[
        prop("code", Text, "Mã", "Code"),
        prop("kind", Text, "Loại tuần tra", "Patrol kind"),
        prop("units", Text, "Lực lượng", "Units"),
        prop("planned_start", Timestamp, "Bắt đầu", "Planned start"),
        prop("planned_end", Timestamp, "Kết thúc", "Planned end"),
        prop("planned_m", Number, "Chiều dài kế hoạch (m)", "Planned length (m)"),
        prop("walked_m", Number, "Đã đi theo kế hoạch (m)", "Walked as planned (m)"),
        prop("walked_share", Number, "Tỷ lệ đi đúng tuyến", "Share of the plan walked"),
    ],
    params: &[],
    style: style("#2980b9", None, false),
};

pub const PATROL_TRACKS: Layer = Layer {
    id: "patrol_tracks",
    title_vi: "Vết tuần tra (GPS)",
    title_en: "Patrol tracks (GPS)",
    description: "Recorded GPS tracks of patrols",
    sensitivity: Restricted,
    patrol_layer: true,
    geometry: LineString,
    source: "select t.id, p.code as patrol_code, p.kind, array_to_string(p.units, ', ') as units,
                    t.started_at, t.ended_at, round(ST_Length(t.geom::geography)::numeric, 1)::float8 as length_m,
                    t.geom
             from patrol_tracks t join patrols p on p.id = t.patrol_id",
    reads: &["patrol_tracks", "patrols"],
    aggregate_below: None,
    cell_counts: None,
    temporal: false,
    id_column: "id",
    time: Some(TimeColumns { start: "started_at", end: Some("ended_at") }),
    properties: &[
        prop("patrol_code", Text, "Mã tuần tra", "Patrol code"),
        prop("kind", Text, "Loại tuần tra", "Patrol kind"),
        prop("units", Text, "Lực lượng", "Units"),
        prop("started_at", Timestamp, "Bắt đầu", "Started at"),
        prop("ended_at", Timestamp, "Kết thúc", "Ended at"),
        prop("length_m", Number, "Chiều dài (m)", "Length (m)"),
    ],
    params: &[],
    style: style("#1f618d", None, false),
};
