//! Administrative units as of a date: the province, districts, communes and villages, with the
//! designations of communes and villages on that date.
//!
//! Designations follow a unit's code, not one version's id: a commune that only changed district
//! or kind in 2020 (a new version, the same code) keeps the designations a decision gave it.

use super::shared::{prop, style};
use crate::layers::layer::GeometryType::MultiPolygon;
use crate::layers::layer::PropType::{Boolean, Date, Integer, Text};
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
};
