//! Start-up work for `serve`: logging, calendars, the first account.

use std::sync::Arc;

use anyhow::{Context, Result};
use gasdesk_domain::Role;
use gasdesk_domain::deadline::Calendars;
use gasdesk_store::Store;
use gasdesk_web::AppState;
use tracing_subscriber::EnvFilter;

pub fn logging(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    use std::io::IsTerminal;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stdout().is_terminal());
    if json {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init();
    } else {
        builder.init();
    }
}

/// The office and 24x7 calendars: the shipped official data, plus every
/// year an administrator imported, with the company's working hours.
pub async fn calendars(store: &dyn Store, hours: &str) -> Result<Calendars> {
    let imported = store.calendar_years().await?;
    gasdesk_web::calendars::build(&imported, hours).context("building the working calendar")
}

/// Picks up years imported with `gasdesk calendar import` while the server
/// runs (by this or another process), so a new year's arrangement takes
/// effect without a restart.
pub async fn reload_calendars(store: Arc<dyn Store>, state: AppState, hours: String) {
    let mut known = store.calendar_years().await.unwrap_or_default();
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        let Ok(years) = store.calendar_years().await else {
            continue;
        };
        if years == known {
            continue;
        }
        match gasdesk_web::calendars::build(&years, &hours) {
            Ok(calendars) => {
                state.set_calendars(calendars);
                tracing::info!(years = years.len(), "working calendar reloaded");
                known = years;
            }
            Err(e) => tracing::error!(error = %e, "imported calendar years not usable"),
        }
    }
}

/// With no account yet, creates the administrator and prints a one-time
/// password: there is no default password.
pub async fn first_admin(store: &dyn Store) -> Result<()> {
    if !store.users().await?.is_empty() {
        return Ok(());
    }
    let password = gasdesk_web::auth::generate_password();
    match add_user(store, "admin", "管理员", Role::Admin, &password, true).await {
        Ok(()) => {}
        // Another server on the same database created it a moment ago.
        Err(e)
            if e.downcast_ref::<gasdesk_store::StoreError>()
                .is_some_and(|e| matches!(e, gasdesk_store::StoreError::Duplicate(_))) =>
        {
            return Ok(());
        }
        Err(e) => return Err(e),
    }
    println!("created the first administrator account");
    println!("  username: admin");
    println!("  one-time password: {password}");
    println!("sign in at /login and add staff accounts under /admin/users");
    Ok(())
}

pub async fn add_user(
    store: &dyn Store,
    username: &str,
    display_name: &str,
    role: Role,
    password: &str,
    password_expired: bool,
) -> Result<()> {
    let (username, display_name) =
        gasdesk_web::service::check_new_user(username, display_name, password)
            .map_err(|e| anyhow::anyhow!("{}", e.message()))?;
    let user = gasdesk_store::User {
        id: gasdesk_web::Uuid::now_v7(),
        username: username.clone(),
        display_name,
        role,
        password_hash: gasdesk_web::auth::hash_password(password)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?,
        password_expired,
        active: true,
        created_at: chrono::Utc::now(),
    };
    store
        .create_user(&user)
        .await
        .with_context(|| format!("adding the user {username}"))
}

pub async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
