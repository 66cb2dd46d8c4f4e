//! What the catalogue's families share: how a property is declared, the key point categories,
//! and the plain style of a layer.

use crate::layers::layer::{PropType, Property, Style};

/// A property clients may filter on (the analysis catalogues use it too).
pub const fn prop(
    name: &'static str,
    ty: PropType,
    title_vi: &'static str,
    title_en: &'static str,
) -> Property {
    Property { name, ty, queryable: true, title_vi, title_en }
}

/// Key point categories (`key_point_categories`, migration 0004): the choices of the analyses'
/// `category` parameter.
pub const KEY_POINT_CATEGORIES: &[&str] = &[
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
pub const fn shown(
    name: &'static str,
    ty: PropType,
    title_vi: &'static str,
    title_en: &'static str,
) -> Property {
    Property { name, ty, queryable: false, title_vi, title_en }
}

/// A layer's style: a colour, an optional fill, drawn by default or not.
pub const fn style(color: &'static str, fill: Option<&'static str>, visible: bool) -> Style {
    Style { color, fill, category_property: None, cluster: false, visible }
}
