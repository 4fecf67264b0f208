//! Errors as clients see them.
//!
//! The domain and the store return typed errors; here each becomes an HTTP
//! status, a stable code for API clients and a Chinese sentence for people.
//! Faults that are not the client's are logged and shown without detail.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gasdesk_calendar::CalendarError;
use gasdesk_domain::DomainError;
use gasdesk_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::text;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("not found")]
    NotFound,
    #[error("not signed in")]
    Unauthorized,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("the application changed meanwhile")]
    Conflict,
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("request body too large")]
    TooLarge,
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("request from another site")]
    CrossSite,
    #[error("too many failed sign-ins")]
    TooManyAttempts,
    #[error("the password must be changed first")]
    PasswordChangeRequired,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => AppError::Conflict,
            StoreError::NotFound(_) => AppError::NotFound,
            StoreError::Duplicate("user") => AppError::BadRequest("username_taken"),
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable code to match on, e.g. `invalid_uscc`, `version_conflict`.
    pub code: String,
    /// The same in Chinese, for people.
    pub message: String,
    /// The field at fault, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl AppError {
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Domain(d) => d.code(),
            AppError::NotFound => "not_found",
            AppError::Unauthorized => "unauthorized",
            AppError::BadCredentials => "bad_credentials",
            AppError::Conflict => "version_conflict",
            AppError::BadRequest(code) => code,
            AppError::TooLarge => "payload_too_large",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::CrossSite => "cross_site_request",
            AppError::TooManyAttempts => "too_many_attempts",
            AppError::PasswordChangeRequired => "password_change_required",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Domain(d) => match d {
                DomainError::Forbidden | DomainError::NotOwner => StatusCode::FORBIDDEN,
                DomainError::VersionConflict { .. } => StatusCode::CONFLICT,
                DomainError::ActionNotAllowed { .. } => StatusCode::CONFLICT,
                DomainError::Calendar(CalendarError::YearNotAvailable(_))
                | DomainError::RulebookIncomplete(_) => StatusCode::SERVICE_UNAVAILABLE,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            },
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthorized | AppError::BadCredentials => StatusCode::UNAUTHORIZED,
            AppError::Conflict => StatusCode::CONFLICT,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::CrossSite => StatusCode::FORBIDDEN,
            AppError::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            AppError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            AppError::Domain(DomainError::InvalidField { field }) => Some(field),
            AppError::Domain(DomainError::InvalidUscc(_)) => Some("uscc"),
            _ => None,
        }
    }

    pub fn message(&self) -> String {
        text::error_message(self)
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code().to_string(),
            message: self.message(),
            field: self.field().map(str::to_string),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(error = %detail, "request failed");
        }
        (self.status(), Json(self.body())).into_response()
    }
}
