//! A file built in its own task and streamed as an attachment (offline packages): the headers
//! go out at once and the body waits for the build, so a build longer than the request timeout
//! (which bounds the wait for the headers) still arrives. A build that fails then cuts the
//! download short, logged, rather than answering a status already sent; a client that goes
//! away aborts the build. The temporary file is deleted when the download ends.

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use tokio::io::AsyncReadExt as _;

use super::{ApiError, Result};

/// A temporary file's handle and its path, the file itself removed: SQLite creates it and it
/// must not exist yet. It is deleted with the handle.
pub(super) fn new_file(suffix: &str) -> Result<(tempfile::NamedTempFile, std::path::PathBuf)> {
    let file =
        tempfile::Builder::new().suffix(suffix).tempfile().map_err(|e| ApiError::Internal(e.into()))?;
    let path = file.path().to_owned();
    std::fs::remove_file(&path).map_err(|e| ApiError::Internal(e.into()))?;
    Ok((file, path))
}

/// The answer streaming what `build` opens once it is done, as the attachment `name` of
/// media type `content_type`; `file` is kept until the download ends.
pub(super) fn attachment(
    build: tokio::task::JoinHandle<anyhow::Result<tokio::fs::File>>,
    file: tempfile::NamedTempFile,
    name: &str,
    content_type: &'static str,
) -> Response {
    let chunks = futures_util::stream::unfold(Download::Building(Abort(build), file), next_chunk);
    let mut response = Response::new(Body::from_stream(chunks));
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    response
}

/// Aborts the build when the download is dropped (the client went away): no work for nobody.
struct Abort(tokio::task::JoinHandle<anyhow::Result<tokio::fs::File>>);

impl Drop for Abort {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Where a package download is. Each state owns the temporary file, deleted when it ends.
enum Download {
    /// The package is being built.
    Building(Abort, tempfile::NamedTempFile),
    /// The file is being sent.
    Sending(tokio::fs::File, tempfile::NamedTempFile),
    /// Failed: the stream ends after the error it gave.
    Done,
}

/// The next chunk of a package download: after the build, 64 KiB at a time.
async fn next_chunk(state: Download) -> Option<(std::io::Result<bytes::Bytes>, Download)> {
    let (mut opened, keep) = match state {
        Download::Sending(f, keep) => (f, keep),
        Download::Building(mut build, keep) => match (&mut build.0).await {
            Ok(Ok(f)) => (f, keep),
            Ok(Err(e)) => return Some((Err(failed(&e)), Download::Done)),
            Err(e) => return Some((Err(failed(&e.into())), Download::Done)),
        },
        Download::Done => return None,
    };
    let mut buf = vec![0; 64 * 1024];
    match opened.read(&mut buf).await {
        Ok(0) => None,
        Ok(n) => {
            buf.truncate(n);
            Some((Ok(bytes::Bytes::from(buf)), Download::Sending(opened, keep)))
        }
        Err(e) => Some((Err(e), Download::Done)),
    }
}

/// Logs a failed build; the error that cuts the download short (its text never reaches the
/// client: the connection just ends).
fn failed(why: &anyhow::Error) -> std::io::Error {
    tracing::error!(error = ?why, "an offline package failed to build; its download is cut short");
    std::io::Error::other("the package failed to build")
}
