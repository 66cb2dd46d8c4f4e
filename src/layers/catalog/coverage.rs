//! The analysis layers of rates, patrol effort, border coverage and gaps, as registry entries.
//! Their sources call the SQL functions of migration 0013, which the commune reports share, so
//! a figure on the map and in a report is computed once.

use super::shared::{KEY_POINT_CATEGORIES, MIN_SHARE, UNITS_AS_OF, prop};
use crate::layers::layer::GeometryType::{LineString, MultiPolygon, Point};
use crate::layers::layer::PropType::{Date, Integer, Number, Text, Timestamp};
use crate::layers::layer::Sensitivity::Analysis;
use crate::layers::layer::{Layer, Param, ParamKind, Style};

const fn style(color: &'static str, fill: Option<&'static str>, category: Option<&'static str>) -> Style {
    Style { color, fill, category_property: category, cluster: false, visible: false }
}

const fn window(description: &'static str) -> Param {
    Param {
        name: "datetime",
        title_vi: "Khoảng thời gian",
        title_en: "Time window",
        description,
        kind: ParamKind::Window,
    }
}

/// Sight width: the border within half of it from a track counts as seen. 10 m is a footpath
/// in forest; 5 km is beyond what a patrol sees anywhere in the mountains.
const WIDTH: Param = Param {
    name: "width",
    title_vi: "Tầm quan sát (m)",
    title_en: "Sight width (m)",
    description: "Sight width in metres (10 to 5,000, default 500): the border within half of it from a \
                  track is covered",
    kind: ParamKind::Number { min: 10.0, max: 5000.0, default: Some(500.0) },
};

const COVERAGE_WINDOW: &str =
    "Tracks of this window (OGC datetime); default the last 30 days up to today (Vietnam)";

const COVERAGE_PARAMS: [Param; 2] = [window(COVERAGE_WINDOW), WIDTH];

/// Rates per 1,000 inhabitants by commune.
pub const COMMUNE_STATS: Layer = Layer {
    id: "commune_stats",
    title_vi: "Tỷ lệ điểm trọng điểm theo xã (/1.000 dân)",
    title_en: "Key points per 1,000 inhabitants by commune",
    description: "Per commune valid on units_as_of (default as_of, else the window's last day): key points of the \
                  window (one category or all) located in it, and per 1,000 inhabitants of that commune (null without a \
                  population); a unit without a population of its own takes the sum of its predecessors' \
                  (population_source says which), for choropleth maps",
    sensitivity: Analysis,
    patrol_layer: false,
    geometry: MultiPolygon,
    // Key points are counted where they lie, in the communes of units_as_of (always given: see
    // Filters::resolve_units_as_of), so a window across 2025-07-01 is counted in one set of
    // units; as_of ($1) still ends an open window. Counted per commune (migration 0092), so that
    // a tile counts only its own communes' points.
    source: "select u.id, u.code, u.name, p.code as district_code, p.name as district_name,
                    pop.population::int4 as population, pop.source as population_source,
                    k.key_points,
                    round((1000.0 * k.key_points / nullif(pop.population, 0))::numeric, 3)::float8
                        as rate_per_1000,
                    {units_as_of}::date as units_as_of, u.geom
             from admin_units u left join admin_units p on p.id = u.parent_id
             cross join lateral (
                 select coalesce(u.population, x.sum) as population,
                        case when u.population is not null then 'unit'
                             when x.sum is not null then 'predecessors' end as source
                 from (select sum(q.population) as sum from admin_unit_changes ch
                       join admin_units q on q.id = ch.predecessor_id where ch.successor_id = u.id) x) pop
             cross join lateral (
                 select atlas_unit_key_points(u.id, u.geom, {units_as_of}::date,
                     coalesce({datetime_start}::timestamptz, '-infinity'),
                     coalesce({datetime_end}::timestamptz, ($1::date + 1)::timestamp at time zone 'Asia/Ho_Chi_Minh'),
                     {category}::text) as key_points) k
             where u.level = 'commune' and u.validity @> {units_as_of}::date",
    reads: &["admin_units", "admin_unit_changes", "key_points"],
    aggregate_below: None,
    cell_counts: None,
    temporal: true,
    id_column: "id",
    time: None,
    properties: &[
        prop("code", Text, "Mã", "Code"),
        prop("name", Text, "Tên", "Name"),
        prop("district_code", Text, "Mã huyện", "District code"),
        prop("district_name", Text, "Huyện", "District"),
        prop("population", Integer, "Dân số", "Population"),
        prop("population_source", Text, "Nguồn dân số", "Population from (unit or predecessors)"),
        prop("key_points", Integer, "Số điểm trọng điểm", "Key points"),
        prop("rate_per_1000", Number, "Trên 1.000 dân", "Per 1,000 inhabitants"),
        prop("units_as_of", Date, "Đơn vị hành chính tại ngày", "Units as of"),
    ],
    params: &[
        window("Key points observed in this window (OGC datetime); default all up to the end of the as-of date"),
        Param {
            name: "category",
            title_vi: "Loại",
            title_en: "Category",
            description: "Count only this category of key point; default all",
            kind: ParamKind::Choice { choices: KEY_POINT_CATEGORIES },
        },
        UNITS_AS_OF,
    ],
    style: style("#7b3294", Some("#c2a5cf"), None),
};

/// Each border segment's coverage by patrol tracks.
pub const BORDER_COVERAGE: Layer = Layer {
    id: "border_coverage",
    title_vi: "Mức độ tuần tra biên giới",
    title_en: "Border patrol coverage",
    description: "Each border segment with the share of its length within half the sight width of a track of the \
                  window (EPSG:32648), with the commune responsible for it on the window's last day (through the \
                  lineage after a merge); the date it was last patrolled up to the window's end, by a patrol that \
                  covered at least min_share of it, and Vietnamese days since to the window's last day; the date \
                  and metres of the last patrol that touched any of it",
    sensitivity: Analysis,
    patrol_layer: false,
    geometry: LineString,
    // The responsible commune is read on the window's last day through the lineage (migration
    // 0036), outside atlas_border_coverage: 0070, which defines it, runs after 0036.
    source: "select b.id, b.code, b.name, b.post_code, b.post_name, c.code as commune_code, c.name as commune_name,
                    b.length_m, b.covered_m, b.share, b.last_patrolled, b.days_since_patrolled, b.last_touched,
                    b.last_touched_m, b.min_share, b.window_start, b.window_end, b.geom
             from atlas_border_coverage({datetime_start}::timestamptz, {datetime_end}::timestamptz,
                                        {width}::float8, {min_share}::float8) b
             join border_segments s on s.id = b.id
             left join lateral atlas_responsible_commune(s.commune_id,
                 ((b.window_end - interval '1 microsecond') at time zone 'Asia/Ho_Chi_Minh')::date,
                 ST_LineInterpolatePoint(s.geom, 0.5)) c on true",
    reads: &["border_segments", "border_posts", "admin_units", "admin_unit_changes", "patrols", "patrol_tracks"],
    aggregate_below: None,
    cell_counts: None,
    temporal: false,
    id_column: "id",
    time: None,
    properties: &[
        prop("code", Text, "Mã", "Code"),
        prop("name", Text, "Tên", "Name"),
        prop("post_code", Text, "Mã đồn", "Post code"),
        prop("post_name", Text, "Đồn biên phòng", "Border-guard post"),
        prop("commune_code", Text, "Mã xã", "Commune code"),
        prop("commune_name", Text, "Xã phụ trách", "Responsible commune"),
        prop("length_m", Number, "Chiều dài (m)", "Length (m)"),
        prop("covered_m", Number, "Đã tuần tra (m)", "Covered (m)"),
        prop("share", Number, "Tỷ lệ đã tuần tra", "Share covered"),
        prop("last_patrolled", Date, "Lần tuần tra gần nhất", "Last patrolled"),
        prop("days_since_patrolled", Integer, "Số ngày chưa tuần tra", "Days since patrolled"),
        prop("last_touched", Date, "Lần gần nhất có tuần tra chạm tới", "Last touched"),
        prop("last_touched_m", Number, "Lần chạm gần nhất (m)", "Last touch (m)"),
        prop("min_share", Number, "Tỷ lệ tối thiểu", "Least share counted"),
        prop("window_start", Timestamp, "Từ", "Window start"),
        prop("window_end", Timestamp, "Đến", "Window end"),
    ],
    params: &[window(COVERAGE_WINDOW), WIDTH, MIN_SHARE],
    style: style("#1a9641", None, None),
};

/// The stretches of border no track of the window came near.
pub const COVERAGE_GAPS: Layer = Layer {
    id: "coverage_gaps",
    title_vi: "Đoạn biên giới chưa tuần tra",
    title_en: "Border stretches not patrolled",
    description: "The stretches of each border segment farther than half the sight width from every track of the \
                  window, as lines with their lengths (EPSG:32648)",
    sensitivity: Analysis,
    patrol_layer: false,
    geometry: LineString,
    source: "select * from atlas_coverage_gaps({datetime_start}::timestamptz, {datetime_end}::timestamptz, {width}::float8)",
    reads: &["border_segments", "border_posts", "admin_units", "patrols", "patrol_tracks"],
    aggregate_below: None,
    cell_counts: None,
    temporal: false,
    id_column: "id",
    time: None,
    properties: &[
        prop("segment_code", Text, "Mã đoạn", "Segment code"),
        prop("segment_name", Text, "Đoạn biên giới", "Segment"),
        prop("post_name", Text, "Đồn biên phòng", "Border-guard post"),
        prop("from_m", Number, "Từ mét", "From (m along the segment)"),
        prop("length_m", Number, "Chiều dài (m)", "Length (m)"),
    ],
    params: &COVERAGE_PARAMS,
    style: style("#d7191c", None, None),
};

/// Km of track per hexagon.
pub const PATROL_EFFORT: Layer = Layer {
    id: "patrol_effort",
    title_vi: "Mật độ tuần tra (km/ô)",
    title_en: "Patrol effort (km per cell)",
    description: "Km of patrol track of the window in each hexagon of a grid in EPSG:32648 (ST_HexagonGrid, edge \
                  `cell` metres), with the number of patrols",
    sensitivity: Analysis,
    patrol_layer: false,
    geometry: MultiPolygon,
    source: "with t as (
                 select tt.patrol_id, ST_Transform(g.geom, 32648) as g
                 from atlas_window({datetime_start}::timestamptz, {datetime_end}::timestamptz) w
                 join atlas_track_times() tt on tt.t1 >= w.s and tt.t0 < w.e
                 join patrol_tracks g on g.id = tt.id),
             pieces as (
                 select h.i, h.j, h.geom, t.patrol_id, ST_Length(ST_Intersection(h.geom, t.g)) as m
                 from t cross join lateral ST_HexagonGrid({cell}::float8, t.g) h
                 where ST_Intersects(h.geom, t.g))
             select i::int8 * 10000000 + j as id, i, j, round((sum(m) / 1000)::numeric, 3)::float8 as km,
                    count(distinct patrol_id) as patrols, ST_Multi(ST_Transform((array_agg(geom))[1], 4326)) as geom
             from pieces group by i, j having sum(m) > 0",
    reads: &["patrol_tracks", "patrols"],
    aggregate_below: None,
    cell_counts: None,
    temporal: false,
    id_column: "id",
    time: None,
    properties: &[
        prop("i", Integer, "Cột ô", "Cell column"),
        prop("j", Integer, "Hàng ô", "Cell row"),
        prop("km", Number, "Km tuần tra", "Km of track"),
        prop("patrols", Integer, "Số chuyến tuần tra", "Patrols"),
    ],
    params: &[
        window(COVERAGE_WINDOW),
        Param {
            name: "cell",
            title_vi: "Cạnh ô lục giác (m)",
            title_en: "Hexagon edge (m)",
            description: "Edge length of the hexagons in metres (100 to 20,000, default 1,000); smaller cells over a \
                          long window are refused by the range rather than run for minutes",
            kind: ParamKind::Number { min: 100.0, max: 20_000.0, default: Some(1000.0) },
        },
    ],
    style: style("#2c7bb6", Some("#abd9e9"), None),
};

/// Key communes without an effective model, difficult villages without a model, border
/// segments not patrolled lately: one point each (on the unit's surface, or the segment's middle).
pub const GAPS: Layer = Layer {
    id: "gaps",
    title_vi: "Khoảng trống",
    title_en: "Gaps",
    description: "As of a date: key security communes with no model site rated effective \
                  (key_commune_no_effective_model), especially difficult villages with no model site of their own \
                  (difficult_village_no_model), border segments no patrol covered at least min_share of (sight width \
                  500 m) in the last `days` days (border_not_patrolled)",
    sensitivity: Analysis,
    patrol_layer: false,
    geometry: Point,
    source: "with w as (select $1::date as d, ($1::date + 1)::timestamp at time zone 'Asia/Ho_Chi_Minh' as e),
             des as (select v.code, g.kind from w cross join designations g join admin_units v on v.id = g.unit_id
                     where g.validity @> w.d),
             sites as (select m.* from w cross join model_sites m where m.started_on is null or m.started_on <= w.d)
             select u.id * 10 + 1 as id, 'key_commune_no_effective_model' as kind, u.code, u.name, u.code as commune_code,
                    format('Xã trọng điểm ANTT chưa có mô hình được đánh giá hiệu quả (%s mô hình)', x.n) as detail,
                    format('Key security commune without an effective model (%s model sites)', x.n) as detail_en,
                    null::int as days_since_patrolled, ST_PointOnSurface(u.geom) as geom
             from w cross join admin_units u
             cross join lateral (select count(*) as n, count(*) filter (where s.effectiveness = 'effective') as effective
                                 from sites s where ST_Covers(u.geom, s.geom)) x
             where u.level = 'commune' and u.validity @> w.d and x.effective = 0
               and exists (select 1 from des where des.code = u.code and des.kind = 'key_security')
             union all
             select v.id * 10 + 2, 'difficult_village_no_model', v.code, v.name, c.code,
                    format('Thôn đặc biệt khó khăn chưa có mô hình (xã %s có %s mô hình)', c.name, x.n),
                    format('Especially difficult village without a model (commune %s has %s model sites)', c.name, x.n),
                    null, ST_PointOnSurface(v.geom)
             from w cross join admin_units v join admin_units c on c.id = v.parent_id
             cross join lateral (select count(*) as n from sites s where ST_Covers(c.geom, s.geom)) x
             where v.level = 'village' and v.validity @> w.d
               and exists (select 1 from des where des.code = v.code and des.kind = 'especially_difficult_village')
               and not exists (select 1 from sites s left join admin_units sv on sv.id = s.village_id
                               where sv.code = v.code or ST_Covers(v.geom, s.geom))
             union all
             select s.id * 10 + 3, 'border_not_patrolled', s.code, s.name, c.code,
                    case when l.last_patrolled is null then 'Chưa có chuyến tuần tra nào'
                         else format('Tuần tra gần nhất %s (%s ngày)', to_char(l.last_patrolled, 'DD/MM/YYYY'),
                                     w.d - l.last_patrolled) end
                    || case when l.last_touched > coalesce(l.last_patrolled, '-infinity')
                            then format('; lần chạm gần nhất %s (%s m)', to_char(l.last_touched, 'DD/MM/YYYY'),
                                        round(l.last_touched_m)) else '' end,
                    case when l.last_patrolled is null then 'Never patrolled'
                         else format('Last patrolled %s (%s days)', l.last_patrolled, w.d - l.last_patrolled) end
                    || case when l.last_touched > coalesce(l.last_patrolled, '-infinity')
                            then format('; last touched %s (%s m)', l.last_touched, round(l.last_touched_m)) else '' end,
                    w.d - l.last_patrolled, ST_LineInterpolatePoint(s.geom, 0.5)
             from w cross join border_segments s
             left join lateral atlas_responsible_commune(s.commune_id, w.d, ST_LineInterpolatePoint(s.geom, 0.5)) c
                 on true
             left join atlas_border_last_patrolled(w.e, 500, {min_share}::float8) l on l.segment_id = s.id
             where l.last_patrolled is null or w.d - l.last_patrolled >= {days}::int",
    reads: &[
        "admin_units",
        "admin_unit_changes",
        "designations",
        "model_sites",
        "border_segments",
        "patrols",
        "patrol_tracks",
    ],
    aggregate_below: None,
    cell_counts: None,
    temporal: true,
    id_column: "id",
    time: None,
    properties: &[
        prop("kind", Text, "Loại khoảng trống", "Kind"),
        prop("code", Text, "Mã", "Code"),
        prop("name", Text, "Tên", "Name"),
        prop("commune_code", Text, "Mã xã", "Commune code"),
        prop("detail", Text, "Chi tiết", "Detail (Vietnamese)"),
        prop("detail_en", Text, "Chi tiết (tiếng Anh)", "Detail"),
        prop("days_since_patrolled", Integer, "Số ngày chưa tuần tra", "Days since patrolled"),
    ],
    params: &[
        Param {
            name: "days",
            title_vi: "Số ngày",
            title_en: "Days",
            description: "A border segment is a gap when no patrol covered at least min_share of it (within 250 m) in \
                          this many days up to the as-of date (1 to 3,650, default 30)",
            kind: ParamKind::Integer { min: 1, max: 3650, default: Some(30) },
        },
        MIN_SHARE,
    ],
    style: style("#e66101", None, Some("kind")),
};
