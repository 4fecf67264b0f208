//! One structured log line per request: method, path, status, latency and
//! the application number where the path names one. Query strings are left
//! out because the tracking page carries a phone number there; bodies and
//! cookies are never logged.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, Response};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{MakeSpan, OnResponse, TraceLayer};
use tracing::Span;

#[derive(Clone)]
pub struct RequestSpan;

impl MakeSpan<Body> for RequestSpan {
    fn make_span(&mut self, request: &Request<Body>) -> Span {
        let path = request.uri().path();
        let application = application_number(path).unwrap_or("");
        tracing::info_span!(
            "request",
            method = %request.method(),
            path = %path,
            application = %application,
        )
    }
}

/// The application number in `/api/v1/applications/{number}...` or
/// `/applications/{number}...`.
fn application_number(path: &str) -> Option<&str> {
    let rest = path
        .strip_prefix("/api/v1/applications/")
        .or_else(|| path.strip_prefix("/applications/"))?;
    let number = rest.split('/').next()?;
    (!number.is_empty()).then_some(number)
}

#[derive(Clone)]
pub struct LogResponse;

impl<B> OnResponse<B> for LogResponse {
    fn on_response(self, response: &Response<B>, latency: Duration, _span: &Span) {
        tracing::info!(
            status = response.status().as_u16(),
            latency_ms = latency.as_secs_f64() * 1000.0,
            "request"
        );
    }
}

type Classifier = SharedClassifier<ServerErrorsAsFailures>;

pub fn layer() -> TraceLayer<Classifier, RequestSpan, (), LogResponse> {
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_request(())
        .on_response(LogResponse)
}

#[cfg(test)]
mod tests {
    use super::application_number;

    #[test]
    fn finds_the_number_in_application_paths_only() {
        assert_eq!(
            application_number("/api/v1/applications/BZ20260108-0001/actions"),
            Some("BZ20260108-0001")
        );
        assert_eq!(
            application_number("/applications/BZ20260108-0001"),
            Some("BZ20260108-0001")
        );
        assert_eq!(application_number("/api/v1/applications"), None);
        assert_eq!(application_number("/track"), None);
    }
}
