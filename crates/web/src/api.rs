//! The JSON HTTP API. Each handler's doc comment is its summary in the
//! OpenAPI document served at `/openapi.json`.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use gasdesk_domain::application::{Actor, Application};
use gasdesk_domain::catalogue::{PriceCatalogue, PriceItem};
use gasdesk_domain::community::{NewPlot, Plot};
use gasdesk_domain::connection::{Action, Command, Intake};
use gasdesk_domain::{Channel, Role};
use gasdesk_store::{Created, User};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use crate::auth::{self, MaybeStaff, Staff};
use crate::error::{AppError, ErrorBody};
use crate::service::{self, Detail, Tracking, WorkItem};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "gasdesk API",
        description = "Gas connection service: intake, steps, deadlines in working time."
    ),
    paths(
        submit_application,
        get_application,
        take_action,
        worklist,
        track,
        hand_in,
        login,
        logout,
        change_password,
        customer_managers,
        create_user,
        received_report,
        current_catalogue,
        catalogue_version,
        publish_catalogue,
        plots,
        add_plot,
        plot_layout,
    ),
    components(schemas(ErrorBody))
)]
pub struct ApiDoc;

/// A JSON body whose rejection is an API error with a stable code, like
/// every other failure.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct Json<T>(pub T);

impl<T: Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge,
            _ => AppError::BadRequest("bad_json"),
        }
    }
}

/// Query parameters whose rejection is an API error with a stable code.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct Query<T>(pub T);

impl From<QueryRejection> for AppError {
    fn from(_: QueryRejection) -> Self {
        AppError::BadRequest("bad_query")
    }
}

/// Path parameters whose rejection is an API error with a stable code.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct Path<T>(pub T);

impl From<PathRejection> for AppError {
    fn from(_: PathRejection) -> Self {
        AppError::NotFound
    }
}

/// An application as taken at intake.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubmitRequest {
    #[serde(flatten)]
    pub intake: Intake,
    /// The same key sent again returns the first application (double submit).
    pub idempotency_key: Option<String>,
}

/// Intake. The online channel needs no account; counter and hotline intake
/// is entered by signed-in staff. A repeated `Idempotency-Key` (header or
/// field) answers 200 with the application created the first time.
#[utoipa::path(
    post, path = "/api/v1/applications", request_body = SubmitRequest,
    responses(
        (status = 201, description = "Created", body = Application),
        (status = 200, description = "Already submitted with this key", body = Application),
        (status = 422, description = "Invalid input", body = ErrorBody),
        (status = 401, description = "Counter or hotline intake without a session",
            body = ErrorBody),
    )
)]
pub async fn submit_application(
    State(state): State<AppState>,
    MaybeStaff(staff): MaybeStaff,
    headers: HeaderMap,
    Json(request): Json<SubmitRequest>,
) -> Result<(StatusCode, Json<Application>), AppError> {
    let actor = match (&staff, request.intake.channel) {
        (Some(staff), _) => staff.actor(),
        (None, gasdesk_domain::Channel::Online) => Actor::applicant(&request.intake.contact_name),
        (None, _) => return Err(AppError::Unauthorized),
    };
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or(request.idempotency_key);

    let created = service::submit(&state, &request.intake, &actor, key.as_deref()).await?;

    Ok(match created {
        Created::New(a) => (StatusCode::CREATED, Json(a)),
        Created::Existing(a) => (StatusCode::OK, Json(a)),
    })
}

/// One application with its deadlines and its full timeline.
#[utoipa::path(
    get, path = "/api/v1/applications/{number}",
    params(("number" = String, Path, description = "Application number")),
    responses(
        (status = 200, body = Detail),
        (status = 404, body = ErrorBody),
        (status = 401, body = ErrorBody),
    )
)]
pub async fn get_application(
    State(state): State<AppState>,
    _staff: Staff,
    Path(number): Path<String>,
) -> Result<Json<Detail>, AppError> {
    Ok(Json(service::detail(&state, &number).await?))
}

/// An action on an application, made against the version the client saw.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActionRequest {
    /// The application's version as loaded; another current version is a
    /// conflict (409 `version_conflict`).
    pub version: i64,
    /// When it happened, if not now (RFC 3339).
    pub occurred_at: Option<DateTime<Utc>>,
    /// Where it came in, e.g. `business_hall` for a hand-in at the
    /// counter; the back office (`office`) when not given.
    #[serde(default)]
    pub channel: Option<Channel>,
    pub action: Action,
}

/// Takes an action allowed by the application's current step.
#[utoipa::path(
    post, path = "/api/v1/applications/{number}/actions", request_body = ActionRequest,
    params(("number" = String, Path, description = "Application number")),
    responses(
        (status = 200, description = "The application after the action", body = Application),
        (status = 409, description = "Stale version or step does not allow it", body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
pub async fn take_action(
    State(state): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
    Json(request): Json<ActionRequest>,
) -> Result<Json<Application>, AppError> {
    let command = Command {
        action: request.action,
        occurred_at: request.occurred_at,
        version: request.version,
        channel: request.channel,
    };
    Ok(Json(service::act(&state, &number, command, &staff).await?))
}

/// The signed-in staff member's worklist, most urgent deadline first.
#[utoipa::path(
    get, path = "/api/v1/worklist",
    responses((status = 200, body = Vec<WorkItem>), (status = 401, body = ErrorBody))
)]
pub async fn worklist(
    State(state): State<AppState>,
    staff: Staff,
) -> Result<Json<Vec<WorkItem>>, AppError> {
    Ok(Json(service::worklist(&state, &staff).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct TrackQuery {
    pub number: String,
    pub phone: String,
}

/// The applicant's tracking view, by application number and phone.
#[utoipa::path(
    get, path = "/api/v1/track", params(TrackQuery),
    responses((status = 200, body = Tracking), (status = 404, body = ErrorBody))
)]
pub async fn track(
    State(state): State<AppState>,
    Query(q): Query<TrackQuery>,
) -> Result<Json<Tracking>, AppError> {
    Ok(Json(service::track(&state, &q.number, &q.phone).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HandInReceipt {
    pub number: String,
    /// The hand-in's number on the application.
    pub hand_in: u32,
}

/// The applicant hands in a material the application owes, through the
/// online hall, with the number and the phone given at intake. Staff check
/// it; a rejected one stays on record beside the next.
#[utoipa::path(
    post, path = "/api/v1/track/hand-ins", request_body = service::OnlineHandIn,
    responses(
        (status = 201, body = HandInReceipt),
        (status = 404, description = "Number and phone do not match", body = ErrorBody),
        (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody),
    )
)]
pub async fn hand_in(
    State(state): State<AppState>,
    Json(request): Json<service::OnlineHandIn>,
) -> Result<(StatusCode, Json<HandInReceipt>), AppError> {
    let app = service::applicant_hand_in(&state, &request).await?;
    let receipt = HandInReceipt {
        number: app.number,
        hand_in: app.hand_ins.last().map_or(0, |h| h.number),
    };
    Ok((StatusCode::CREATED, Json(receipt)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

impl From<&User> for StaffView {
    fn from(u: &User) -> Self {
        StaffView {
            id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer TOKEN`.
    pub token: String,
    pub user: StaffView,
}

/// Signs in and returns a session token.
#[utoipa::path(
    post, path = "/api/v1/session", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = ErrorBody))
)]
pub async fn login(
    State(state): State<AppState>,
    Json(request): Json<LoginRequest>,
) -> Result<Json<LoginResponse>, AppError> {
    let (user, token) = auth::login(&state, &request.username, &request.password).await?;
    Ok(Json(LoginResponse {
        token,
        user: StaffView::from(&user),
    }))
}

/// Ends the session of the bearer token.
#[utoipa::path(delete, path = "/api/v1/session", responses((status = 204)))]
pub async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, AppError> {
    if let Some(token) = auth::request_token(&headers) {
        state
            .store
            .delete_session(&auth::token_hash(&token))
            .await?;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Active customer managers, to hand over or assign to.
#[utoipa::path(
    get, path = "/api/v1/customer-managers",
    responses((status = 200, body = Vec<StaffView>), (status = 401, body = ErrorBody))
)]
pub async fn customer_managers(
    State(state): State<AppState>,
    _staff: Staff,
) -> Result<Json<Vec<StaffView>>, AppError> {
    Ok(Json(service::customer_managers(&state).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewUserRequest {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// At least 12 characters.
    pub password: String,
}

/// Creates a staff account (administrators only). The password given is an
/// initial one: the holder must change it at the first sign-in.
#[utoipa::path(
    post, path = "/api/v1/users", request_body = NewUserRequest,
    responses(
        (status = 201, body = StaffView),
        (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody),
    )
)]
pub async fn create_user(
    State(state): State<AppState>,
    staff: Staff,
    Json(request): Json<NewUserRequest>,
) -> Result<(StatusCode, Json<StaffView>), AppError> {
    if !staff.is(&[Role::Admin]) {
        return Err(AppError::Domain(gasdesk_domain::DomainError::Forbidden));
    }
    let user = service::create_user_with_initial_password(
        &state,
        &request.username,
        &request.display_name,
        request.role,
        &request.password,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(StaffView::from(&user))))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MonthQuery {
    /// `YYYY-MM`; the month is cut on Asia/Shanghai dates.
    pub month: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReceivedReport {
    pub month: String,
    /// Applications accepted in the month, on every channel.
    pub received: i64,
}

/// Applications received in a month (Beijing time).
#[utoipa::path(
    get, path = "/api/v1/reports/received", params(MonthQuery),
    responses((status = 200, body = ReceivedReport), (status = 400, body = ErrorBody))
)]
pub async fn received_report(
    State(state): State<AppState>,
    _staff: Staff,
    Query(q): Query<MonthQuery>,
) -> Result<Json<ReceivedReport>, AppError> {
    let received = service::received_in_month(&state, &q.month).await?;
    Ok(Json(ReceivedReport {
        month: q.month,
        received,
    }))
}

/// The price catalogue in force: the latest published version.
#[utoipa::path(
    get, path = "/api/v1/catalogue",
    responses(
        (status = 200, body = PriceCatalogue),
        (status = 404, description = "Nothing published yet", body = ErrorBody),
    )
)]
pub async fn current_catalogue(
    State(state): State<AppState>,
    _staff: Staff,
) -> Result<Json<PriceCatalogue>, AppError> {
    Ok(Json(service::catalogue(&state, None).await?))
}

/// One published version of the price catalogue, as quotes made with it
/// were priced.
#[utoipa::path(
    get, path = "/api/v1/catalogue/{version}",
    params(("version" = i64, Path, description = "Catalogue version")),
    responses((status = 200, body = PriceCatalogue), (status = 404, body = ErrorBody))
)]
pub async fn catalogue_version(
    State(state): State<AppState>,
    _staff: Staff,
    Path(version): Path<i64>,
) -> Result<Json<PriceCatalogue>, AppError> {
    Ok(Json(service::catalogue(&state, Some(version)).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CatalogueRequest {
    /// Every item of the new version: what is not listed is no longer
    /// priced. Unit prices in integer fen.
    pub items: Vec<PriceItem>,
    pub note: Option<String>,
}

/// Publishes a new version of the price catalogue (Business Planning Dept).
/// Quotes already made keep the version they were priced with.
#[utoipa::path(
    post, path = "/api/v1/catalogue", request_body = CatalogueRequest,
    responses(
        (status = 201, body = PriceCatalogue),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
pub async fn publish_catalogue(
    State(state): State<AppState>,
    staff: Staff,
    Json(request): Json<CatalogueRequest>,
) -> Result<(StatusCode, Json<PriceCatalogue>), AppError> {
    let published =
        service::publish_catalogue(&state, &staff, &request.items, request.note.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(published)))
}

/// The early-involvement ledger of residential plots.
#[utoipa::path(
    get, path = "/api/v1/plots",
    responses((status = 200, body = Vec<Plot>), (status = 401, body = ErrorBody))
)]
pub async fn plots(
    State(state): State<AppState>,
    _staff: Staff,
) -> Result<Json<Vec<Plot>>, AppError> {
    Ok(Json(service::plots(&state).await?))
}

/// Adds a plot learned from the planning platform (or from a department
/// asking for comments) before any application.
#[utoipa::path(
    post, path = "/api/v1/plots", request_body = NewPlot,
    responses(
        (status = 201, body = Plot),
        (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
pub async fn add_plot(
    State(state): State<AppState>,
    staff: Staff,
    Json(entry): Json<NewPlot>,
) -> Result<(StatusCode, Json<Plot>), AppError> {
    let plot = service::add_plot(&state, &staff, &entry).await?;
    Ok((StatusCode::CREATED, Json(plot)))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct LayoutRequest {
    pub source_pipeline_layout: String,
}

/// Records the source-pipeline layout designed in advance for a plot.
#[utoipa::path(
    post, path = "/api/v1/plots/{id}/layout", request_body = LayoutRequest,
    params(("id" = Uuid, Path, description = "Ledger entry")),
    responses(
        (status = 200, body = Plot),
        (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody),
    )
)]
pub async fn plot_layout(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<Uuid>,
    Json(request): Json<LayoutRequest>,
) -> Result<Json<Plot>, AppError> {
    let plot = service::plot_layout(&state, &staff, id, &request.source_pipeline_layout).await?;
    Ok(Json(plot))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    pub current_password: String,
    /// At least 12 characters.
    pub new_password: String,
}

/// Changes the signed-in user's own password, also when it must be changed
/// before anything else. Every session of the user ends; the answer carries
/// a new token.
#[utoipa::path(
    post, path = "/api/v1/session/password", request_body = PasswordChange,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, body = ErrorBody),
        (status = 400, body = ErrorBody),
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    auth::StaffWithExpiredPassword(user): auth::StaffWithExpiredPassword,
    Json(request): Json<PasswordChange>,
) -> Result<Json<LoginResponse>, AppError> {
    let token = service::change_password(
        &state,
        &user,
        &request.current_password,
        &request.new_password,
    )
    .await?;
    Ok(Json(LoginResponse {
        token,
        user: StaffView::from(&user),
    }))
}
