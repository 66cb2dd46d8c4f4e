//! The layers, as data. Adding a layer means adding an entry here (and its SQL), nothing else.

use super::GeometryType::{LineString, MultiPolygon, Point};
use super::PropType::{Boolean, Date, Integer, Number, Text, Timestamp};
use super::Sensitivity::{Internal, Public, Restricted};
use super::{Layer, Property, Style, TimeColumns};

/// A property clients may filter on (the analysis catalogues use it too).
pub(super) const fn prop(
    name: &'static str,
    ty: super::PropType,
    title_vi: &'static str,
    title_en: &'static str,
) -> Property {
    Property { name, ty, queryable: true, title_vi, title_en }
}

/// Key point categories (`key_point_categories`, migration 0004): the choices of the analyses'
/// `category` parameter.
pub(super) const KEY_POINT_CATEGORIES: &[&str] = &[
    "crime",
    "drugs",
    "gambling",
    "trafficking",
    "religion",
    "separatism",
    "migration",
    "dispute",
    "land",
    "illegal_crossing",
    "smuggling",
];

/// A property served but not offered as a filter (long free text).
const fn shown(
    name: &'static str,
    ty: super::PropType,
    title_vi: &'static str,
    title_en: &'static str,
) -> Property {
    Property { name, ty, queryable: false, title_vi, title_en }
}

const fn style(color: &'static str, fill: Option<&'static str>, visible: bool) -> Style {
    Style { color, fill, category_property: None, cluster: false, visible }
}

const UNIT_PROPS: [Property; 6] = [
    prop("code", Text, "Mã", "Code"),
    prop("name", Text, "Tên", "Name"),
    prop("kind", Text, "Loại", "Kind"),
    prop("population", Integer, "Dân số", "Population"),
    prop("valid_from", Date, "Hiệu lực từ", "Valid from"),
    prop("valid_to", Date, "Hiệu lực đến", "Valid until"),
];

/// Every layer served.
///
/// Designations follow a unit's code, not one version's id: a commune that only changed district
/// or kind in 2020 (a new version, the same code) keeps the designations a decision gave it.
pub static LAYERS: [Layer; 20] = [
    Layer {
        id: "provinces",
        title_vi: "Tỉnh",
        title_en: "Provinces",
        description: "Province boundaries as of a date",
        sensitivity: Public,
        patrol_layer: false,
        geometry: MultiPolygon,
        source: "select u.id, u.code, u.name, u.kind, u.population, u.valid_from, u.valid_to, u.geom
                 from admin_units u where u.level = 'province' and u.validity @> $1::date",
        temporal: true,
        id_column: "id",
        time: None,
        properties: &UNIT_PROPS,
        params: &[],
        style: style("#333333", None, true),
    },
    Layer {
        id: "districts",
        title_vi: "Huyện, thị xã, thành phố",
        title_en: "Districts",
        description: "District-level units as of a date",
        sensitivity: Public,
        patrol_layer: false,
        geometry: MultiPolygon,
        source: "select u.id, u.code, u.name, u.kind, u.population, u.valid_from, u.valid_to,
                        p.code as province_code, u.geom
                 from admin_units u left join admin_units p on p.id = u.parent_id
                 where u.level = 'district' and u.validity @> $1::date",
        temporal: true,
        id_column: "id",
        time: None,
        properties: &[
            prop("code", Text, "Mã", "Code"),
            prop("name", Text, "Tên", "Name"),
            prop("kind", Text, "Loại", "Kind"),
            prop("population", Integer, "Dân số", "Population"),
            prop("province_code", Text, "Mã tỉnh", "Province code"),
            prop("valid_from", Date, "Hiệu lực từ", "Valid from"),
            prop("valid_to", Date, "Hiệu lực đến", "Valid until"),
        ],
        params: &[],
        style: style("#555555", None, true),
    },
    Layer {
        id: "communes",
        title_vi: "Xã, phường, thị trấn",
        title_en: "Communes",
        description: "Commune-level units as of a date, with their designations on that date",
        sensitivity: Public,
        patrol_layer: false,
        geometry: MultiPolygon,
        source: "select u.id, u.code, u.name, u.kind, u.population, u.valid_from, u.valid_to,
                        p.code as district_code, p.name as district_name,
                        exists (select 1 from designations d where d.unit_id in (select v.id from admin_units v where v.code = u.code) and d.kind = 'key_security'
                                and d.validity @> $1::date) as key_security,
                        exists (select 1 from designations d where d.unit_id in (select v.id from admin_units v where v.code = u.code) and d.kind = 'border_commune'
                                and d.validity @> $1::date) as border_commune,
                        exists (select 1 from designations d where d.unit_id in (select v.id from admin_units v where v.code = u.code) and d.kind = 'program_135'
                                and d.validity @> $1::date) as program_135,
                        exists (select 1 from designations d where d.unit_id in (select v.id from admin_units v where v.code = u.code) and d.kind = 'safe_security'
                                and d.validity @> $1::date) as safe_security,
                        (select d.value from designations d where d.unit_id in (select v.id from admin_units v where v.code = u.code) and d.kind = 'ethnic_region'
                                and d.validity @> $1::date limit 1) as region,
                        u.geom
                 from admin_units u left join admin_units p on p.id = u.parent_id
                 where u.level = 'commune' and u.validity @> $1::date",
        temporal: true,
        id_column: "id",
        time: None,
        properties: &[
            prop("code", Text, "Mã", "Code"),
            prop("name", Text, "Tên", "Name"),
            prop("kind", Text, "Loại", "Kind"),
            prop("population", Integer, "Dân số", "Population"),
            prop("district_code", Text, "Mã huyện", "District code"),
            prop("district_name", Text, "Huyện", "District"),
            prop("key_security", Boolean, "Trọng điểm ANTT", "Key security commune"),
            prop("border_commune", Boolean, "Xã biên giới", "Border commune"),
            prop("program_135", Boolean, "Chương trình 135", "Program 135"),
            prop("safe_security", Boolean, "Đạt chuẩn an toàn ANTT", "Safe for security and order"),
            prop("region", Text, "Khu vực DTTS", "Ethnic-area region"),
            prop("valid_from", Date, "Hiệu lực từ", "Valid from"),
            prop("valid_to", Date, "Hiệu lực đến", "Valid until"),
        ],
        params: &[],
        style: Style {
            color: "#7a7a7a",
            fill: Some("#f4f1e8"),
            category_property: Some("key_security"),
            cluster: false,
            visible: true,
        },
    },
    Layer {
        id: "villages",
        title_vi: "Thôn, bản, tổ dân phố",
        title_en: "Villages",
        description: "Villages and residential groups as of a date",
        sensitivity: Public,
        patrol_layer: false,
        geometry: MultiPolygon,
        source: "select u.id, u.code, u.name, u.kind, u.population, u.valid_from, u.valid_to,
                        p.code as commune_code, p.name as commune_name,
                        exists (select 1 from designations d where d.unit_id in (select v.id from admin_units v where v.code = u.code)
                                and d.kind = 'especially_difficult_village' and d.validity @> $1::date)
                            as especially_difficult,
                        u.geom
                 from admin_units u left join admin_units p on p.id = u.parent_id
                 where u.level = 'village' and u.validity @> $1::date",
        temporal: true,
        id_column: "id",
        time: None,
        properties: &[
            prop("code", Text, "Mã", "Code"),
            prop("name", Text, "Tên", "Name"),
            prop("kind", Text, "Loại", "Kind"),
            prop("population", Integer, "Dân số", "Population"),
            prop("commune_code", Text, "Mã xã", "Commune code"),
            prop("commune_name", Text, "Xã", "Commune"),
            prop("especially_difficult", Boolean, "Thôn đặc biệt khó khăn", "Especially difficult"),
            prop("valid_from", Date, "Hiệu lực từ", "Valid from"),
            prop("valid_to", Date, "Hiệu lực đến", "Valid until"),
        ],
        params: &[],
        style: style("#b0a890", None, false),
    },
    Layer {
        id: "border_segments",
        title_vi: "Đoạn biên giới",
        title_en: "Border segments",
        description: "The national border, cut into segments each watched by a border-guard post",
        sensitivity: Public,
        patrol_layer: false,
        geometry: LineString,
        source: "select s.id, s.code, s.name, p.code as post_code, p.name as post_name, c.code as commune_code,
                        s.official_length_m::float8 as official_length_m,
                        round(ST_Length(s.geom::geography)::numeric, 1)::float8 as measured_length_m, s.geom
                 from border_segments s left join border_posts p on p.id = s.post_id
                 left join admin_units c on c.id = s.commune_id",
        temporal: false,
        id_column: "id",
        time: None,
        properties: &[
            prop("code", Text, "Mã", "Code"),
            prop("name", Text, "Tên", "Name"),
            prop("post_code", Text, "Mã đồn", "Post code"),
            prop("post_name", Text, "Đồn biên phòng", "Border-guard post"),
            prop("commune_code", Text, "Mã xã", "Commune code"),
            prop("official_length_m", Number, "Chiều dài chính thức (m)", "Official length (m)"),
            prop("measured_length_m", Number, "Chiều dài đo (m)", "Measured length (m)"),
        ],
        params: &[],
        style: style("#c0392b", None, true),
    },
    Layer {
        id: "border_markers",
        title_vi: "Cột mốc biên giới",
        title_en: "Border markers",
        description: "Border markers by number",
        sensitivity: Public,
        patrol_layer: false,
        geometry: Point,
        source: "select m.id, m.number, s.code as segment_code, m.geom
                 from border_markers m left join border_segments s on s.id = m.segment_id",
        temporal: false,
        id_column: "id",
        time: None,
        properties: &[prop("number", Text, "Số mốc", "Marker number"), prop("segment_code", Text, "Đoạn", "Segment")],
        params: &[],
        style: style("#8e44ad", None, false),
    },
    Layer {
        id: "border_posts",
        title_vi: "Đồn biên phòng",
        title_en: "Border-guard posts",
        description: "Border-guard posts",
        sensitivity: Public,
        patrol_layer: false,
        geometry: Point,
        source: "select b.id, b.code, b.name, c.code as commune_code, b.geom
                 from border_posts b left join admin_units c on c.id = b.commune_id",
        temporal: false,
        id_column: "id",
        time: None,
        properties: &[
            prop("code", Text, "Mã", "Code"),
            prop("name", Text, "Tên", "Name"),
            prop("commune_code", Text, "Mã xã", "Commune code"),
        ],
        params: &[],
        style: style("#16a085", None, true),
    },
    Layer {
        id: "key_points",
        title_vi: "Điểm trọng điểm",
        title_en: "Key points",
        description: "Security and order key points recorded by police (not archived)",
        sensitivity: Restricted,
        patrol_layer: false,
        geometry: Point,
        source: "select k.id, k.code, k.category, cat.name_vi as category_vi, cat.name_en as category_en,
                        k.severity, k.status::text as status, k.observed_at, c.code as commune_code,
                        c.name as commune_name, k.description, k.location as geom
                 from key_points k join key_point_categories cat on cat.code = k.category
                 left join admin_units c on c.id = k.commune_id
                 where k.archived_at is null",
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
    },
    Layer {
        id: "model_sites",
        title_vi: "Mô hình tự quản về ANTT",
        title_en: "Self-management security models",
        description: "Sites of self-management security models with their type and rating",
        sensitivity: Internal,
        patrol_layer: false,
        geometry: Point,
        source: "select s.id, s.code, s.type_code, t.name_vi as type_vi, t.name_en as type_en, s.name, s.host_kind,
                        c.code as commune_code, v.code as village_code, s.started_on, s.effectiveness,
                        s.rated_year::int as rated_year, s.geom
                 from model_sites s join model_types t on t.code = s.type_code
                 left join admin_units c on c.id = s.commune_id left join admin_units v on v.id = s.village_id
                 where s.archived_at is null",
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
    },
    Layer {
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
    },
    Layer {
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
    },
    super::catalog_analysis::HOTSPOTS,
    super::catalog_analysis::EMERGING_HOTSPOTS,
    // Analyses of rates, patrol effort, border coverage and gaps (`coverage`).
    super::coverage::COMMUNE_STATS,
    super::coverage::PATROL_EFFORT,
    super::coverage::BORDER_COVERAGE,
    super::coverage::COVERAGE_GAPS,
    super::coverage::GAPS,
    // Patrol planning (`catalog_planning`).
    super::catalog_planning::PLAN_COVERAGE,
    super::catalog_planning::PLAN_CONFLICTS,
];
