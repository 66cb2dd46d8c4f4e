//! An offline area package as one JSON document, for the web map (which draws GeoJSON items,
//! not vector tiles): a head the caller writes (area, date, communes), then one GeoJSON
//! `FeatureCollection` per layer, named by the layer's id, holding the features the items route
//! gives for that layer with the same filters and scope. Rows stream from the database into
//! bounded chunks (as the exports do), so a package of the whole border never sits in memory.
//!
//! The document:
//! `{<head members>,"layers":[{"type":"FeatureCollection","name":"communes","features":[…]},…]}`,
//! each feature on its own line.

use std::io;

use futures_util::TryStreamExt;
use sqlx::PgPool;
use tokio::sync::mpsc;

use super::formats::FeatureCollection;
use super::layer::{Layer, ReadScope};
use super::params::Filters;
use super::query::{FeatureShape, conditions, every_row, feature_select, start};
use super::writers::{CHUNK, QUEUE, flush};

/// How features are written: as the items route's default (all properties, 6 decimals, about
/// 0.1 m), so a kept feature is the one the map would have read.
const SHAPE: FeatureShape = FeatureShape { properties: None, precision: 6, simplify: None };

/// What to stream: the head's members (a JSON object's text without its closing brace) and each
/// layer with its filters.
pub struct Document {
    /// `{"type":…,…` — the members before `layers`, without the closing brace.
    pub head: String,
    /// The layers, in order, each with the filters of its features.
    pub layers: Vec<(&'static Layer, Filters)>,
    /// The caller's scope (its jurisdiction bounds the restricted layers).
    pub scope: ReadScope,
}

/// Starts streaming `document` from `pool`; the receiver yields it in chunks. A database error
/// half way ends the stream with an error, so the client sees a broken download, not a short
/// package it would trust.
#[must_use]
pub fn stream(pool: PgPool, document: Document) -> mpsc::Receiver<Result<Vec<u8>, io::Error>> {
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(async move {
        if let Err(e) = write_all(&pool, &document, &tx).await {
            tracing::error!(error = %e, "an offline package (JSON) failed; its download is cut short");
            let _ = tx.send(Err(io::Error::other("the package failed to build"))).await;
        }
    });
    rx
}

async fn write_all(
    pool: &PgPool,
    document: &Document,
    tx: &mpsc::Sender<Result<Vec<u8>, io::Error>>,
) -> Result<(), sqlx::Error> {
    let mut buf = Vec::with_capacity(CHUNK + 4096);
    buf.extend_from_slice(document.head.as_bytes());
    buf.extend_from_slice(b",\"layers\":[\n");
    for (i, (layer, filters)) in document.layers.iter().enumerate() {
        if i > 0 {
            buf.extend_from_slice(b",\n");
        }
        let mut sql = start(layer, filters);
        let select = feature_select(&mut sql, layer, &SHAPE);
        let conds = conditions(&mut sql, layer, filters, &document.scope);
        every_row(&mut sql, layer, &select, &conds);
        let mut collection = FeatureCollection::open(&mut buf, Some(layer.id), true);
        let mut rows = sql.query().fetch(pool);
        while let Some(row) = rows.try_next().await? {
            collection.push(&mut buf, &sqlx::Row::try_get::<String, _>(&row, 0)?);
            flush(&mut buf, tx, false).await?;
        }
        collection.close(&mut buf, &[]);
    }
    buf.extend_from_slice(b"\n]}\n");
    flush(&mut buf, tx, true).await
}
