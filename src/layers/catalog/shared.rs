//! What the catalogue's families share: how a property is declared, the key point categories,
//! and the plain style of a layer.

use crate::db::coverage::DEFAULT_MIN_SHARE;
use crate::layers::layer::{Param, ParamKind, PropType, Property, Style};

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

/// The date of the units an analysis aggregates into (issue 16, item 7): a window across
/// 2025-07-01 is counted in the units of one date, the new units or the old ones, never a mix.
/// Without it, `as_of` when given, else the window's last day (Vietnam), else today.
pub const UNITS_AS_OF: Param = Param {
    name: "units_as_of",
    title_vi: "Đơn vị hành chính tại ngày",
    title_en: "Units as of",
    description: "The date (YYYY-MM-DD) whose administrative units (the province's outline, its communes and their \
                  populations) the window is aggregated into; default as_of when given, else the window's last day \
                  (Vietnam), else today",
    kind: ParamKind::Date,
};

/// The share of a segment a patrol must cover to count as having patrolled it (issue 21), one
/// parameter for every layer that shows a last patrolled date (coverage, gaps, planning); the
/// default and why: `db::coverage::DEFAULT_MIN_SHARE`.
pub const MIN_SHARE: Param = Param {
    name: "min_share",
    title_vi: "Tỷ lệ tối thiểu được tính là đã tuần tra",
    title_en: "Least share that counts as patrolled",
    description: "A patrol counts as having patrolled a segment (last_patrolled) when it covered at least this share \
                  of the segment, 0 to 1 (default 0.25); a patrol covering less only touched it (last_touched)",
    kind: ParamKind::Number { min: 0.0, max: 1.0, default: Some(DEFAULT_MIN_SHARE) },
};
