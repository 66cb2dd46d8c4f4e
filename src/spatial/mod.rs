//! Spatial types checked at the edge: bounding boxes and their CRSs, the SRIDs the service
//! accepts, and tile addresses in the WebMercatorQuad tile matrix set with their envelopes.
//!
//! A leaf of the crate: `layers`, `imports` and `http` use it, and it imports none of them, so
//! the maths here is tested without a database or a request.

mod bbox;
mod crs;
mod tile;

pub use bbox::BBox;
pub use crs::{Crs, IMPORT_SRIDS, check_import_srid};
pub use tile::{BUFFER, EXTENT, MAX_ZOOM, TileCoord};

/// A spatial value that does not exist or is not supported; the message names the parameter and
/// what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SpatialError(pub String);

fn bad(msg: impl Into<String>) -> SpatialError {
    SpatialError(msg.into())
}

/// Half the side of Web Mercator's square, in metres; beyond it PROJ cannot transform a box back
/// to degrees.
pub const MERCATOR: f64 = 20_037_508.342_789_244;
