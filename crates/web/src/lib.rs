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

use axum::Router;
use axum::routing::{get, post};
use utoipa::OpenApi;

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
    ("/api/v1/session", "POST"),
    ("/api/v1/session", "DELETE"),
    ("/api/v1/customer-managers", "GET"),
    ("/api/v1/users", "POST"),
    ("/api/v1/reports/received", "GET"),
];

/// The whole application, ready to serve.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/openapi.json", get(openapi))
        .route("/api/v1/applications", post(api::submit_application))
        .route("/api/v1/applications/{number}", get(api::get_application))
        .route(
            "/api/v1/applications/{number}/actions",
            post(api::take_action),
        )
        .route("/api/v1/worklist", get(api::worklist))
        .route("/api/v1/track", get(api::track))
        .route("/api/v1/session", post(api::login).delete(api::logout))
        .route("/api/v1/customer-managers", get(api::customer_managers))
        .route("/api/v1/users", post(api::create_user))
        .route("/api/v1/reports/received", get(api::received_report))
        .merge(pages::routes())
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
