//! The web layer: the JSON API, the Chinese pages, sessions and request
//! logging. It knows nothing of SQL; it calls the store's contract and lets
//! the domain decide.

pub mod api;
pub mod auth;
pub mod calendars;
pub mod clock;
pub mod error;
mod logging;
pub mod pages;
pub mod service;
pub mod state;
pub mod text;
pub mod worker;

use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, HOST, ORIGIN};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;

use crate::error::AppError;
pub use state::AppState;
pub use uuid::Uuid;

/// Every JSON API route with its method, as the router serves them; a test
/// checks each is in the API document and nothing else is.
pub const API_ROUTES: &[(&str, &str)] = &[
    ("/api/v1/applications", "POST"),
    ("/api/v1/applications/{number}", "GET"),
    ("/api/v1/applications/{number}/actions", "POST"),
    ("/api/v1/worklist", "GET"),
    ("/api/v1/track", "GET"),
    ("/api/v1/track/hand-ins", "POST"),
    ("/api/v1/session", "POST"),
    ("/api/v1/session", "DELETE"),
    ("/api/v1/session/password", "POST"),
    ("/api/v1/customer-managers", "GET"),
    ("/api/v1/users", "POST"),
    ("/api/v1/reports/received", "GET"),
    ("/api/v1/catalogue", "GET"),
    ("/api/v1/catalogue", "POST"),
    ("/api/v1/catalogue/{version}", "GET"),
    ("/api/v1/plots", "GET"),
    ("/api/v1/plots", "POST"),
    ("/api/v1/plots/{id}/layout", "POST"),
];

/// The whole application, ready to serve.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/openapi.json", get(openapi))
        .route("/api/v1/applications", post(api::submit_application))
        .route("/api/v1/applications/{number}", get(api::get_application))
        .route(
            "/api/v1/applications/{number}/actions",
            post(api::take_action),
        )
        .route("/api/v1/worklist", get(api::worklist))
        .route("/api/v1/track", get(api::track))
        .route("/api/v1/track/hand-ins", post(api::hand_in))
        .route("/api/v1/session", post(api::login).delete(api::logout))
        .route("/api/v1/session/password", post(api::change_password))
        .route("/api/v1/customer-managers", get(api::customer_managers))
        .route("/api/v1/users", post(api::create_user))
        .route("/api/v1/reports/received", get(api::received_report))
        .route(
            "/api/v1/catalogue",
            get(api::current_catalogue).post(api::publish_catalogue),
        )
        .route("/api/v1/catalogue/{version}", get(api::catalogue_version))
        .route("/api/v1/plots", get(api::plots).post(api::add_plot))
        .route("/api/v1/plots/{id}/layout", post(api::plot_layout))
        .merge(pages::routes())
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
        .layer(middleware::from_fn(same_origin))
        // Nothing served carries data a shared cache may keep.
        .layer(SetResponseHeaderLayer::if_not_present(
            CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        // A client that sends its request slowly, or never finishes it, holds
        // a connection only this long.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(logging::layer())
        .with_state(state)
}

/// The API document, generated from the handlers themselves.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    api::ApiDoc::openapi()
}

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(openapi_document())
}

const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Refuses a state-changing request that a browser sent from another site:
/// the session cookie is `SameSite=Strict` already, and this also covers
/// sibling sites and sign-in forms. Requests without `Origin` (API clients,
/// older browsers on same-origin form posts) pass.
async fn same_origin(request: Request, next: Next) -> Response {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let headers = request.headers();
    if !safe && let Some(origin) = headers.get(ORIGIN).and_then(|v| v.to_str().ok()) {
        let origin_host = origin.split_once("://").map(|(_, host)| host);
        let host = headers.get(HOST).and_then(|v| v.to_str().ok());
        if origin_host.is_none() || origin_host != host {
            return AppError::CrossSite.into_response();
        }
    }
    next.run(request).await
}
