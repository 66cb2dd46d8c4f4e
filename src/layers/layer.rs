//! What a layer is: its id, titles, SQL source, geometry, properties, parameters, sensitivity
//! and style hints, and what a caller may read of the layers. The catalogue (`catalog/`) holds
//! the layers themselves, as data of these types.

use serde::Serialize;

/// Who may see a layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sensitivity {
    /// Boundaries and the border: may be opened to anonymous readers by configuration.
    Public,
    /// Designations, models, statistics: any signed-in user.
    Internal,
    /// Key points, patrols and tracks: analysts and above, editors and patrol users within
    /// their jurisdiction.
    Restricted,
    /// Analyses derived from restricted data (hotspots, coverage, rates): roles that may analyse,
    /// within their jurisdiction.
    Analysis,
}

/// The geometry type a layer serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum GeometryType {
    /// Points.
    Point,
    /// Lines.
    LineString,
    /// (Multi)polygons.
    MultiPolygon,
}

impl GeometryType {
    /// Polygons are simplified with the zoom level; points and lines are served as stored.
    #[must_use]
    pub fn is_polygon(self) -> bool {
        self == Self::MultiPolygon
    }
}

/// The type of a property, which decides how filter values are parsed and bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PropType {
    /// Text.
    Text,
    /// Whole number.
    Integer,
    /// Decimal number.
    Number,
    /// true / false.
    Boolean,
    /// Calendar date (`YYYY-MM-DD`).
    Date,
    /// Instant (RFC 3339).
    Timestamp,
    /// A list of texts (`text[]`): a JSON array in GeoJSON, `; `-joined text in CSV and tiles. A
    /// filter `name=value` (or CQL2 `=`, `LIKE`, `IN`) holds when one element matches, so a
    /// commune formed from two districts' communes is found under either district.
    TextList,
}

impl PropType {
    /// JSON Schema type and format, for `/queryables`.
    #[must_use]
    pub fn json_schema(self) -> (&'static str, Option<&'static str>) {
        match self {
            Self::Text => ("string", None),
            Self::Integer => ("integer", None),
            Self::Number => ("number", None),
            Self::Boolean => ("boolean", None),
            Self::Date => ("string", Some("date")),
            Self::Timestamp => ("string", Some("date-time")),
            Self::TextList => ("array", None),
        }
    }
}

/// One property of a layer's features.
#[derive(Debug)]
pub struct Property {
    /// Column of the source and key in GeoJSON properties.
    pub name: &'static str,
    /// Type of its values.
    pub ty: PropType,
    /// Whether clients may filter on it (`?name=value`, CQL2).
    pub queryable: bool,
    /// Title in Vietnamese.
    pub title_vi: &'static str,
    /// Title in English.
    pub title_en: &'static str,
}

/// The time a layer's features carry, for `datetime` filters: an instant or an interval.
#[derive(Debug)]
pub struct TimeColumns {
    /// Column of the instant, or of the start of the interval.
    pub start: &'static str,
    /// Column of the end of the interval (`None`: features are instants).
    pub end: Option<&'static str>,
}

/// What kind of value a layer parameter takes, and how it is bound.
#[derive(Debug, Clone, Copy)]
pub enum ParamKind {
    /// A decimal number within `[min, max]`; bound as `float8`, NULL when absent without default.
    Number {
        /// Smallest accepted value.
        min: f64,
        /// Largest accepted value.
        max: f64,
        /// Used when the parameter is absent.
        default: Option<f64>,
    },
    /// A whole number within `[min, max]`; bound as `int8`.
    Integer {
        /// Smallest accepted value.
        min: i64,
        /// Largest accepted value.
        max: i64,
        /// Used when the parameter is absent.
        default: Option<i64>,
    },
    /// A time window in the OGC `datetime` syntax; bound as two `timestamptz` (`{name_start}`,
    /// `{name_end}`), NULL for an open end.
    Window,
    /// A calendar date `YYYY-MM-DD` (a Vietnamese day); bound as `date`, NULL when absent (the
    /// source decides, e.g. today).
    Date,
    /// One of fixed choices; bound as `text`, NULL when absent.
    Choice {
        /// The accepted values.
        choices: &'static [&'static str],
    },
}

/// A parameter of a layer's source (an analysis's inputs: a cell size, a window, a width). The
/// source refers to it as `{name}`; [`query::start`] binds it.
#[derive(Debug)]
pub struct Param {
    /// Query parameter name.
    pub name: &'static str,
    /// Title in Vietnamese.
    pub title_vi: &'static str,
    /// Title in English.
    pub title_en: &'static str,
    /// What it means and its default, in English (for the API description).
    pub description: &'static str,
    /// Its values.
    pub kind: ParamKind,
}

/// Hints for the web map's default style.
#[derive(Debug, Serialize)]
pub struct Style {
    /// Stroke / marker colour (CSS).
    pub color: &'static str,
    /// Fill colour for polygons (CSS), if filled.
    pub fill: Option<&'static str>,
    /// Property that colours features by category, if any.
    pub category_property: Option<&'static str>,
    /// Whether markers should be clustered.
    pub cluster: bool,
    /// Drawn on by default.
    pub visible: bool,
}

/// One layer of the registry.
#[derive(Debug)]
pub struct Layer {
    /// Collection id in URLs.
    pub id: &'static str,
    /// Title in Vietnamese.
    pub title_vi: &'static str,
    /// Title in English.
    pub title_en: &'static str,
    /// What the layer shows, in English.
    pub description: &'static str,
    /// Who may read it.
    pub sensitivity: Sensitivity,
    /// A restricted layer that patrol users may read too (patrols and tracks).
    pub patrol_layer: bool,
    /// The served geometry type.
    pub geometry: GeometryType,
    /// The SQL source (see the module documentation).
    pub source: &'static str,
    /// The tables the source reads (through the functions it calls too): their data versions
    /// (migration 0040) key the layer's cached tiles, so a write to any of them retires them.
    pub reads: &'static [&'static str],
    /// Point layers: below this zoom a tile carries a count per cell (and per category of
    /// `style.category_property`) instead of the features, which return one by one from this
    /// zoom on (see `tiles::aggregates`). `None`: features at every zoom.
    pub aggregate_below: Option<u8>,
    /// A layer with `aggregate_below`: the table its source table's triggers keep of counts per
    /// cell and category (columns `level, cx, cy, category, k, sx, sy`, as migration 0091), which
    /// answers the aggregated tiles a caller reads unfiltered and province-wide.
    pub cell_counts: Option<&'static str>,
    /// Whether the source reads the "as of" date as `$1`.
    pub temporal: bool,
    /// The feature id column (unique within the layer).
    pub id_column: &'static str,
    /// The time columns for `datetime` filters.
    pub time: Option<TimeColumns>,
    /// The properties served.
    pub properties: &'static [Property],
    /// Parameters of the source (analyses); empty for stored data.
    pub params: &'static [Param],
    /// Default style hints for the web map.
    pub style: Style,
}

impl Layer {
    /// The parameter named `name`, if the layer's source takes it.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name)
    }

    /// The property named `name`, if the layer has it.
    #[must_use]
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }
}

/// What a caller may read of the layers; the HTTP edge derives it from the caller's permissions.
#[derive(Debug, Clone, Default)]
#[expect(clippy::struct_excessive_bools, reason = "one flag per read permission of the security core")]
pub struct ReadScope {
    /// Public layers (boundaries, border).
    pub public: bool,
    /// Internal layers (models, statistics).
    pub internal: bool,
    /// Restricted layers (key points).
    pub restricted: bool,
    /// Restricted patrol layers (patrols, tracks).
    pub patrols: bool,
    /// Analyses of restricted data.
    pub analyse: bool,
    /// The union of the caller's jurisdiction as EWKB, bounding its reads of restricted layers;
    /// `None` reads everywhere.
    pub jurisdiction: Option<Vec<u8>>,
}

impl ReadScope {
    /// Reads everything everywhere (internal jobs, benchmarks of the machinery).
    #[must_use]
    pub fn everything() -> Self {
        Self {
            public: true,
            internal: true,
            restricted: true,
            patrols: true,
            analyse: true,
            jurisdiction: None,
        }
    }

    /// Whether the caller may read `layer` at all.
    #[must_use]
    pub fn may_read(&self, layer: &Layer) -> bool {
        match layer.sensitivity {
            Sensitivity::Public => self.public,
            Sensitivity::Internal => self.internal,
            Sensitivity::Restricted if layer.patrol_layer => self.patrols,
            Sensitivity::Restricted => self.restricted,
            Sensitivity::Analysis => self.analyse,
        }
    }

    /// The jurisdiction (EWKB) that bounds reads of `layer`, if any.
    #[must_use]
    pub fn jurisdiction_for(&self, layer: &Layer) -> Option<&[u8]> {
        match layer.sensitivity {
            Sensitivity::Restricted | Sensitivity::Analysis => self.jurisdiction.as_deref(),
            Sensitivity::Public | Sensitivity::Internal => None,
        }
    }
}
