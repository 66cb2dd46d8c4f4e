//! The layer registry: every map layer (an OGC "collection") is one entry of the catalogue
//! (`catalog/`), and one generic machinery serves all of them as GeoJSON items, vector tiles and
//! exports.
//!
//! A layer's SQL source is a `select` that yields an id column, a `geom` column in SRID 4326 and
//! its properties; temporal layers read the "as of" date as `$1`. Filters are composed around
//! that source (see [`query`]) from identifiers declared here and bound values, never from
//! request text.
//!
//! The files, leaves first: `layer` (what a layer is), `values` (typed values, dates, intervals,
//! the parameter error), `inputs` (the typed parameters every endpoint shares), `sql` (SQL text
//! with its bound values), `formats` (the one CSV writer and the one `FeatureCollection` writer), `cql2` and `params` (what a
//! request asks), `catalog` (the layers), then the machinery: `query` (items, counts), `tiles`,
//! `writers` (exports), `analysis_runs` (the stored runs the analysis layers read) and `used` (the
//! parameters a request of a layer actually uses, defaults resolved). This file
//! only declares and re-exports them, so no file here imports another that imports it back.

pub mod analysis_runs;
mod catalog;
pub mod cql2;
pub mod formats;
pub mod inputs;
mod layer;
pub mod package_json;
pub mod packages;
pub mod params;
pub mod query;
pub mod sql;
pub mod tile_cache;
pub mod tiles;
pub mod used;
pub mod values;
pub mod writers;

pub use catalog::{LAYERS, find};
pub use layer::{
    GeometryType, Layer, Param, ParamKind, PropType, Property, ReadScope, Sensitivity, Style, TimeColumns,
};
