//! Administrative units as of a date: the province, districts, communes and villages, with the
//! designations of communes and villages on that date.
//!
//! Designations follow a unit's code, not one version's id: a commune that only changed district
//! or kind in 2020 (a new version, the same code) keeps the designations a decision gave it.
//!
//! Each unit's designations on the date come from one lateral join (`des`), evaluated only for
//! the units that pass the request's filters (a tile's envelope, a page's box): as five
//! correlated subqueries, PostgreSQL's generic plan of the prepared tile statement scanned every
//! designation of a kind for each commune, 77 ms for a z12 tile of 7 communes instead of 1 ms
//! (issue #17; docs/performance.md).

use super::shared::{prop, style};
use crate::layers::layer::GeometryType::MultiPolygon;
use crate::layers::layer::PropType::{Boolean, Date, Integer, Text, TextList};
use crate::layers::layer::Sensitivity::Public;
use crate::layers::layer::{Layer, Property, Style};

const UNIT_PROPS: [Property; 6] = [
    prop("code", Text, "Mã", "Code"),
    prop("name", Text, "Tên", "Name"),
    prop("kind", Text, "Loại", "Kind"),
    prop("population", Integer, "Dân số", "Population"),
    prop("valid_from", Date, "Hiệu lực từ", "Valid from"),
    prop("valid_to", Date, "Hiệu lực đến", "Valid until"),
];

pub const PROVINCES: Layer = Layer {
    id: "provinces",
    title_vi: "Tỉnh",
    title_en: "Provinces",
    description: "Province boundaries as of a date",
    sensitivity: Public,
    patrol_layer: false,
    geometry: MultiPolygon,
    source: "select u.id, u.code, u.name, u.kind, u.population, u.valid_from, u.valid_to, u.geom
             from admin_units u where u.level = 'province' and u.validity @> $1::date",
    reads: &["admin_units"],
    aggregate_below: None,
    cell_counts: None,
    temporal: true,
    id_column: "id",
    time: None,
    properties: &UNIT_PROPS,
    params: &[],
    style: style("#333333", None, true),
};

pub const DISTRICTS: Layer = Layer {
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
    reads: &["admin_units"],
    aggregate_below: None,
    cell_counts: None,
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
};

pub const COMMUNES: Layer = Layer {
    id: "communes",
    title_vi: "Xã, phường, thị trấn",
    title_en: "Communes",
    description: "Commune-level units as of a date, with their designations on that date",
    sensitivity: Public,
    patrol_layer: false,
    geometry: MultiPolygon,
    source: "select u.id, u.code, u.name, u.kind, u.population, u.valid_from, u.valid_to,
                    p.code as district_code, p.name as district_name,
                    coalesce(des.key_security, false) as key_security,
                    coalesce(des.border_commune, false) as border_commune,
                    coalesce(des.program_135, false) as program_135,
                    coalesce(des.safe_security, false) as safe_security,
                    des.region, fd.codes as former_district_codes, fd.names as former_districts,
                    ki.k as key_security_inherited_k, ki.n as key_security_inherited_n,
                    ki.k > 0 as key_security_inherited,
                    u.geom
             -- from 2025-07-01 a commune's parent is the province: no district to name
             from admin_units u left join admin_units p on p.id = u.parent_id and p.level = 'district'
             cross join lateral admin_unit_former_districts(u.id) fd
             cross join lateral admin_unit_inherited(u.id, 'key_security') ki
             left join lateral (
                 select bool_or(d.kind = 'key_security') as key_security,
                        bool_or(d.kind = 'border_commune') as border_commune,
                        bool_or(d.kind = 'program_135') as program_135,
                        bool_or(d.kind = 'safe_security') as safe_security,
                        min(d.value) filter (where d.kind = 'ethnic_region') as region
                 from admin_units v join designations d on d.unit_id = v.id and d.validity @> $1::date
                 where v.level = u.level and v.code = u.code) des on true
             where u.level = 'commune' and u.validity @> $1::date",
    reads: &["admin_units", "designations", "admin_unit_changes"],
    aggregate_below: None,
    cell_counts: None,
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
        // The district level ended on 2025-07-01: planners still group by the districts the
        // unit's predecessors belonged to (migration 0031).
        prop("former_district_codes", TextList, "Mã huyện cũ", "Former district codes"),
        prop("former_districts", TextList, "Huyện cũ", "Former districts"),
        prop("key_security", Boolean, "Trọng điểm ANTT", "Key security commune"),
        // Decisions name units of their own day: after a merge they describe predecessors
        // (migration 0032), shown as inherited and never as the unit's own designation.
        prop("key_security_inherited", Boolean, "Kế thừa xã trọng điểm ANTT", "Inherited key security"),
        prop(
            "key_security_inherited_k",
            Integer,
            "Số xã trước là trọng điểm",
            "Predecessors key security (k)",
        ),
        prop("key_security_inherited_n", Integer, "Số xã trước", "Predecessors (n)"),
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
};

pub const VILLAGES: Layer = Layer {
    id: "villages",
    title_vi: "Thôn, bản, tổ dân phố",
    title_en: "Villages",
    description: "Villages and residential groups as of a date",
    sensitivity: Public,
    patrol_layer: false,
    geometry: MultiPolygon,
    source: "select u.id, u.code, u.name, u.kind, u.population, u.valid_from, u.valid_to,
                    p.code as commune_code, p.name as commune_name,
                    coalesce(des.especially_difficult, false) as especially_difficult,
                    u.geom
             from admin_units u left join admin_units p on p.id = u.parent_id
             left join lateral (
                 select bool_or(d.kind = 'especially_difficult_village') as especially_difficult
                 from admin_units v join designations d on d.unit_id = v.id and d.validity @> $1::date
                 where v.level = u.level and v.code = u.code) des on true
             where u.level = 'village' and u.validity @> $1::date",
    reads: &["admin_units", "designations"],
    aggregate_below: None,
    cell_counts: None,
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
};
