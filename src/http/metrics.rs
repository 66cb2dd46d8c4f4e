//! The figures of `GET /metrics` (served by `health`) in the Prometheus text format (version
//! 0.0.4): requests and latencies by route, the connection pool, and database failures.
//!
//! Routes are labelled by their declared path (`/api/v1/collections/{id}/items`), never by the
//! URL a client sent, so the number of series is bounded by the route table.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 12] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Debug, Default, Clone)]
struct Series {
    count: u64,
    seconds: f64,
    /// Requests at or under each bound of [`BUCKETS`] (not cumulative here; summed on output).
    buckets: [u64; BUCKETS.len()],
}

/// The figures collected since the server started.
#[derive(Debug, Default)]
pub struct Metrics {
    /// By (method, route, status).
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
}

impl Metrics {
    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut requests = self.requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let series = requests.entry((method.to_owned(), route.to_owned(), status)).or_default();
        series.count += 1;
        series.seconds += seconds;
        if let Some(i) = BUCKETS.iter().position(|b| seconds <= *b) {
            series.buckets[i] += 1;
        }
    }

    /// The Prometheus text exposition of the request figures.
    pub fn render_requests(&self, out: &mut String) {
        let requests = self.requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone();
        out.push_str("# HELP antq_http_requests_total Requests answered, by method, route and status.\n");
        out.push_str("# TYPE antq_http_requests_total counter\n");
        for ((method, route, status), s) in &requests {
            let _ = writeln!(
                out,
                "antq_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}",
                s.count
            );
        }
        out.push_str("# HELP antq_http_request_duration_seconds Time to answer, by method and route.\n");
        out.push_str("# TYPE antq_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((method, route, _), s) in &requests {
            let total = by_route.entry((method, route)).or_default();
            total.count += s.count;
            total.seconds += s.seconds;
            for (t, b) in total.buckets.iter_mut().zip(s.buckets) {
                *t += b;
            }
        }
        for ((method, route), s) in by_route {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            let mut cumulative = 0;
            for (bound, n) in BUCKETS.iter().zip(s.buckets) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "antq_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {cumulative}"
                );
            }
            let _ = writeln!(
                out,
                "antq_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(out, "antq_http_request_duration_seconds_sum{{{labels}}} {}", s.seconds);
            let _ = writeln!(out, "antq_http_request_duration_seconds_count{{{labels}}} {}", s.count);
        }
    }
}

/// Middleware: times every request to a declared route.
pub async fn measure(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_owned();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let response = next.run(request).await;
    metrics.record(&method, &route, response.status().as_u16(), started.elapsed().as_secs_f64());
    response
}

/// The pool's and the database's figures, after the requests' (`GET /metrics`).
pub fn render_database(out: &mut String, size: u32, idle: usize, max: u32, database_errors: u64) {
    let in_use = u64::from(size).saturating_sub(idle as u64);
    let _ = write!(
        out,
        "# HELP antq_db_pool_connections Database connections of the pool, by state.\n\
         # TYPE antq_db_pool_connections gauge\n\
         antq_db_pool_connections{{state=\"in_use\"}} {in_use}\n\
         antq_db_pool_connections{{state=\"idle\"}} {idle}\n\
         # HELP antq_db_pool_max_connections The pool's limit.\n\
         # TYPE antq_db_pool_max_connections gauge\n\
         antq_db_pool_max_connections {max}\n\
         # HELP antq_database_errors_total Requests that failed because the database was unreachable or failed.\n\
         # TYPE antq_database_errors_total counter\n\
         antq_database_errors_total {database_errors}\n"
    );
}
