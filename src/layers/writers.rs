//! One writer per export format, serving every layer; rows stream from the database into
//! bounded chunks, so memory stays flat whatever the size of the export.

use std::fmt::Write as _;
use std::io;

use futures_util::TryStreamExt;
use sqlx::PgPool;
use sqlx::postgres::PgRow;
use tokio::sync::mpsc;

use super::formats::{FeatureCollection, csv_line};
use super::layer::{GeometryType, Layer, PropType, ReadScope};
use super::params::Filters;
use super::query::{FeatureShape, conditions, every_row, feature_select, start, text_expr};

/// A chunk is sent once it holds this many bytes.
pub(super) const CHUNK: usize = 64 * 1024;
/// Chunks waiting for a slow client; beyond this the database read pauses.
pub(super) const QUEUE: usize = 4;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// RFC 7946 `FeatureCollection`.
    GeoJson,
    /// UTF-8 with a BOM (Excel then reads Vietnamese correctly), WKT geometry, lon/lat for points.
    Csv,
    /// KML 2.2, for Google Earth and phones.
    Kml,
}

impl Format {
    /// Parses `f=`.
    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "geojson" | "json" => Some(Self::GeoJson),
            "csv" => Some(Self::Csv),
            "kml" => Some(Self::Kml),
            _ => None,
        }
    }

    /// The media type.
    #[must_use]
    pub fn content_type(self) -> &'static str {
        match self {
            Self::GeoJson => "application/geo+json",
            Self::Csv => "text/csv; charset=utf-8",
            Self::Kml => "application/vnd.google-earth.kml+xml",
        }
    }

    /// The file extension.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::GeoJson => "geojson",
            Self::Csv => "csv",
            Self::Kml => "kml",
        }
    }
}

/// Starts streaming `layer` in `format`; the receiver yields the file in chunks. A database error
/// half way ends the stream with an error, so the client sees a broken download, not a short file.
#[must_use]
pub fn export(
    pool: PgPool,
    layer: &'static Layer,
    filters: Filters,
    scope: ReadScope,
    format: Format,
) -> mpsc::Receiver<Result<Vec<u8>, io::Error>> {
    let (tx, rx) = mpsc::channel(QUEUE);
    tokio::spawn(async move {
        if let Err(e) = write_all(&pool, layer, &filters, &scope, format, &tx).await {
            tracing::error!(layer = layer.id, error = %e, "export failed");
            let _ = tx.send(Err(io::Error::other("export failed"))).await;
        }
    });
    rx
}

/// Sends `buf` when it is full enough (or `force`); fails when the client has gone.
pub(super) async fn flush(
    buf: &mut Vec<u8>,
    tx: &mpsc::Sender<Result<Vec<u8>, io::Error>>,
    force: bool,
) -> Result<(), sqlx::Error> {
    if buf.len() >= CHUNK || (force && !buf.is_empty()) {
        let chunk = std::mem::replace(buf, Vec::with_capacity(CHUNK + 4096));
        tx.send(Ok(chunk)).await.map_err(|_| sqlx::Error::Protocol("the client went away".into()))?;
    }
    Ok(())
}

async fn write_all(
    pool: &PgPool,
    layer: &Layer,
    filters: &Filters,
    scope: &ReadScope,
    format: Format,
    tx: &mpsc::Sender<Result<Vec<u8>, io::Error>>,
) -> Result<(), sqlx::Error> {
    let mut sql = start(layer, filters);
    let select = match format {
        Format::GeoJson => {
            let shape = FeatureShape { properties: None, precision: 7, simplify: None };
            feature_select(&mut sql, layer, &shape)
        }
        Format::Csv | Format::Kml => {
            let mut cols = format!("select l.{}::text", layer.id_column);
            for p in layer.properties {
                let _ = write!(cols, ", {}", text_expr(p));
            }
            if format == Format::Kml {
                cols.push_str(", ST_AsKML(l.geom, 7)");
            } else {
                cols.push_str(", ST_AsText(l.geom, 7)");
                if layer.geometry == GeometryType::Point {
                    cols.push_str(", ST_X(l.geom)::text, ST_Y(l.geom)::text");
                }
            }
            cols
        }
    };
    let conds = conditions(&mut sql, layer, filters, scope);
    every_row(&mut sql, layer, &select, &conds);

    let mut buf = Vec::with_capacity(CHUNK + 4096);
    let mut collection = write_header(&mut buf, layer, format);
    let mut rows = sql.query().fetch(pool);
    while let Some(row) = rows.try_next().await? {
        write_row(&mut buf, layer, format, &row, collection.as_mut());
        flush(&mut buf, tx, false).await?;
    }
    match (format, collection) {
        (Format::GeoJson, Some(collection)) => collection.close(&mut buf, &[]),
        (Format::Kml, _) => buf.extend_from_slice(b"</Document>\n</kml>\n"),
        _ => {}
    }
    flush(&mut buf, tx, true).await
}

fn write_header(buf: &mut Vec<u8>, layer: &Layer, format: Format) -> Option<FeatureCollection> {
    match format {
        Format::GeoJson => return Some(FeatureCollection::open(buf, Some(layer.id), true)),
        Format::Csv => {
            buf.extend_from_slice("\u{feff}".as_bytes());
            let mut header = vec![layer.id_column];
            header.extend(layer.properties.iter().map(|p| p.name));
            header.push("wkt");
            if layer.geometry == GeometryType::Point {
                header.extend(["lon", "lat"]);
            }
            buf.extend_from_slice(csv_line(header.into_iter().map(|h| (h, true))).as_bytes());
        }
        Format::Kml => {
            buf.extend_from_slice(
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n<Document>\n<name>{}</name>\n",
                    xml_escape(layer.title_vi)
                )
                .as_bytes(),
            );
        }
    }
    None
}

fn write_row(
    buf: &mut Vec<u8>,
    layer: &Layer,
    format: Format,
    row: &PgRow,
    collection: Option<&mut FeatureCollection>,
) {
    let col = |i: usize| sqlx::Row::try_get::<Option<String>, _>(row, i).ok().flatten();
    match format {
        Format::GeoJson => {
            if let Some(collection) = collection {
                collection.push(buf, &col(0).unwrap_or_default());
            }
        }
        Format::Csv => {
            let n = 1 + layer.properties.len() + if layer.geometry == GeometryType::Point { 3 } else { 1 };
            let cells: Vec<(String, bool)> = (0..n)
                .map(|i| {
                    let is_text = i > 0
                        && layer
                            .properties
                            .get(i - 1)
                            .is_some_and(|p| matches!(p.ty, PropType::Text | PropType::TextList));
                    (col(i).unwrap_or_default(), is_text)
                })
                .collect();
            buf.extend_from_slice(csv_line(cells.iter().map(|(v, t)| (v.as_str(), *t))).as_bytes());
        }
        Format::Kml => {
            let mut pm = String::from("<Placemark>");
            let name = layer
                .property("name")
                .or_else(|| layer.property("code"))
                .or_else(|| layer.properties.first());
            if let Some(i) = name.and_then(|n| layer.properties.iter().position(|p| p.name == n.name)) {
                let _ = write!(pm, "<name>{}</name>", xml_escape(&col(i + 1).unwrap_or_default()));
            }
            pm.push_str("<ExtendedData>");
            for (i, p) in layer.properties.iter().enumerate() {
                if let Some(v) = col(i + 1) {
                    let _ = write!(pm, "<Data name=\"{}\"><value>{}</value></Data>", p.name, xml_escape(&v));
                }
            }
            pm.push_str("</ExtendedData>");
            pm.push_str(&col(layer.properties.len() + 1).unwrap_or_default());
            pm.push_str("</Placemark>\n");
            buf.extend_from_slice(pm.as_bytes());
        }
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_is_escaped() {
        assert_eq!(
            xml_escape("<img src=x onerror=alert(1)> & 'q'"),
            "&lt;img src=x onerror=alert(1)&gt; &amp; &apos;q&apos;"
        );
    }
}
