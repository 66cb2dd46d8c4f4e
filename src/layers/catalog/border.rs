//! The national border: its segments with the responsible post and commune, markers and posts.
//!
//! Segments and posts keep their lines and places through a reorganisation; the commune
//! responsible for each is read as of the date (`$1`) through the lineage
//! (`atlas_responsible_commune`, migration 0036), so a segment recorded against a 2020 commune
//! names the 2025 unit that commune became. `recorded_commune_code` keeps what the record says.

use super::shared::{prop, style};
use crate::layers::layer::GeometryType::{LineString, Point};
use crate::layers::layer::Layer;
use crate::layers::layer::PropType::{Number, Text};
use crate::layers::layer::Sensitivity::Public;

pub const BORDER_SEGMENTS: Layer = Layer {
    id: "border_segments",
    title_vi: "Đoạn biên giới",
    title_en: "Border segments",
    description: "The national border, cut into segments each watched by a border-guard post",
    sensitivity: Public,
    patrol_layer: false,
    geometry: LineString,
    source: "select s.id, s.code, s.name, p.code as post_code, p.name as post_name, c.code as commune_code,
                    c.name as commune_name, r.code as recorded_commune_code,
                    s.official_length_m::float8 as official_length_m,
                    round(ST_Length(s.geom::geography)::numeric, 1)::float8 as measured_length_m, s.geom
             from border_segments s left join border_posts p on p.id = s.post_id
             left join admin_units r on r.id = s.commune_id
             left join lateral atlas_responsible_commune(s.commune_id, $1::date,
                 ST_LineInterpolatePoint(s.geom, 0.5)) c on true",
    reads: &["border_segments", "border_posts", "admin_units", "admin_unit_changes"],
    aggregate_below: None,
    cell_counts: None,
    temporal: true,
    id_column: "id",
    time: None,
    properties: &[
        prop("code", Text, "Mã", "Code"),
        prop("name", Text, "Tên", "Name"),
        prop("post_code", Text, "Mã đồn", "Post code"),
        prop("post_name", Text, "Đồn biên phòng", "Border-guard post"),
        prop("commune_code", Text, "Mã xã", "Commune code"),
        prop("commune_name", Text, "Xã phụ trách", "Responsible commune"),
        prop("recorded_commune_code", Text, "Mã xã khi ghi nhận", "Commune code as recorded"),
        prop("official_length_m", Number, "Chiều dài chính thức (m)", "Official length (m)"),
        prop("measured_length_m", Number, "Chiều dài đo (m)", "Measured length (m)"),
    ],
    params: &[],
    style: style("#c0392b", None, true),
};

pub const BORDER_MARKERS: Layer = Layer {
    id: "border_markers",
    title_vi: "Cột mốc biên giới",
    title_en: "Border markers",
    description: "Border markers by number",
    sensitivity: Public,
    patrol_layer: false,
    geometry: Point,
    source: "select m.id, m.number, s.code as segment_code, m.geom
             from border_markers m left join border_segments s on s.id = m.segment_id",
    reads: &["border_markers", "border_segments"],
    aggregate_below: None,
    cell_counts: None,
    temporal: false,
    id_column: "id",
    time: None,
    properties: &[
        prop("number", Text, "Số mốc", "Marker number"),
        prop("segment_code", Text, "Đoạn", "Segment"),
    ],
    params: &[],
    style: style("#8e44ad", None, false),
};

pub const BORDER_POSTS: Layer = Layer {
    id: "border_posts",
    title_vi: "Đồn biên phòng",
    title_en: "Border-guard posts",
    description: "Border-guard posts",
    sensitivity: Public,
    patrol_layer: false,
    geometry: Point,
    source: "select b.id, b.code, b.name, c.code as commune_code, c.name as commune_name,
                    r.code as recorded_commune_code, b.geom
             from border_posts b left join admin_units r on r.id = b.commune_id
             left join lateral atlas_responsible_commune(b.commune_id, $1::date, b.geom) c on true",
    reads: &["border_posts", "admin_units", "admin_unit_changes"],
    aggregate_below: None,
    cell_counts: None,
    temporal: true,
    id_column: "id",
    time: None,
    properties: &[
        prop("code", Text, "Mã", "Code"),
        prop("name", Text, "Tên", "Name"),
        prop("commune_code", Text, "Mã xã", "Commune code"),
        prop("commune_name", Text, "Xã phụ trách", "Responsible commune"),
        prop("recorded_commune_code", Text, "Mã xã khi ghi nhận", "Commune code as recorded"),
    ],
    params: &[],
    style: style("#16a085", None, true),
};
