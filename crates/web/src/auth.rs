//! Staff accounts: memory-hard password hashes, random session tokens of
//! which only a hash is stored, sessions that expire.

use std::collections::HashMap;
use std::sync::Mutex;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
use chrono::{DateTime, Utc};
use gasdesk_domain::Role;
use gasdesk_domain::application::Actor;
use gasdesk_store::User;
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::AppError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "gasdesk_session";
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Hashes a password; blocks for tens of milliseconds by design.
pub fn hash_password_blocking(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
}

/// Hashes a password off the async workers, so that sign-ins under load do
/// not stall every other request.
pub async fn hash_password(password: &str) -> Result<String, AppError> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || hash_password_blocking(&password))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

pub async fn verify_password_async(password: &str, hash: String) -> bool {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false)
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A fresh random password of 20 characters, for a first administrator.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

/// A new session token and the hash under which it is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn session_cookie(token: String, state: &AppState) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, token))
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(state.secure_cookies)
        .path("/")
        .max_age(time_duration(state.session_ttl.num_seconds()))
        .build()
}

fn time_duration(seconds: i64) -> time::Duration {
    time::Duration::seconds(seconds)
}

/// Signs a user in: checks the password and opens a session.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<(User, String), AppError> {
    let username = username.trim().to_ascii_lowercase();
    let now = state.now();
    if state.sign_in_attempts.locked(&username, now) {
        return Err(AppError::TooManyAttempts);
    }
    let user = state.store.user_by_username(&username).await?;
    // Verify against a dummy hash when the user is unknown, so the answer
    // takes as long either way and does not reveal which usernames exist.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let ok = verify_password_async(password, hash).await;
    let user = match user {
        Some(u) if ok && u.active => u,
        _ => {
            state.sign_in_attempts.failed(&username, now);
            return Err(AppError::BadCredentials);
        }
    };
    state.sign_in_attempts.succeeded(&username);
    let token = open_session(state, &user).await?;
    Ok((user, token))
}

/// Opens a session for a user and returns its token.
pub async fn open_session(state: &AppState, user: &User) -> Result<String, AppError> {
    let (token, hash) = new_token();
    let now = state.now();
    state
        .store
        .create_session(&hash, user.id, now, now + state.session_ttl)
        .await?;
    Ok(token)
}

const DUMMY_HASH: &str = concat!(
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$",
    "JTfY8Ls9oOh2jNT5DTnA7cORIIdhuyhr8bx9d47BM3Q"
);

/// Failed attempts per key (a username signing in, an application number
/// being tracked): after `MAX_FAILURES` within the window the key is refused
/// until the window has passed, which makes guessing passwords or phone
/// numbers slow. Kept in memory, per server.
#[derive(Default)]
pub struct AttemptLimiter(Mutex<HashMap<String, (u32, DateTime<Utc>)>>);

const MAX_FAILURES: u32 = 5;
const FAILURE_WINDOW_MINUTES: i64 = 15;

impl AttemptLimiter {
    fn window() -> chrono::Duration {
        chrono::Duration::minutes(FAILURE_WINDOW_MINUTES)
    }

    pub fn locked(&self, key: &str, now: DateTime<Utc>) -> bool {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key)
            .is_some_and(|(n, first)| *n >= MAX_FAILURES && now < *first + Self::window())
    }

    pub fn failed(&self, key: &str, now: DateTime<Utc>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // Forget stale entries so that made-up keys cannot grow the map
        // without bound.
        map.retain(|_, (_, first)| now < *first + Self::window());
        let entry = map.entry(key.to_string()).or_insert((0, now));
        entry.0 += 1;
    }

    pub fn succeeded(&self, key: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(key);
    }
}

/// The signed-in staff member, from the session cookie or a bearer token.
pub struct Staff(pub User);

impl Staff {
    pub fn actor(&self) -> Actor {
        Actor::staff(self.0.id, &self.0.display_name, self.0.role)
    }

    pub fn is(&self, roles: &[Role]) -> bool {
        roles.contains(&self.0.role)
    }

    pub fn id(&self) -> Uuid {
        self.0.id
    }
}

/// The session token a request carries: a bearer token (API clients) or
/// the session cookie (pages).
pub fn request_token(headers: &HeaderMap) -> Option<String> {
    if let Some(v) = headers.get(AUTHORIZATION)
        && let Ok(v) = v.to_str()
        && let Some(token) = v.strip_prefix("Bearer ")
    {
        return Some(token.trim().to_string());
    }
    CookieJar::from_headers(headers)
        .get(SESSION_COOKIE)
        .map(|c| c.value().to_string())
}

async fn session_user(parts: &Parts, state: &AppState) -> Result<Option<User>, AppError> {
    let Some(token) = request_token(&parts.headers) else {
        return Ok(None);
    };
    Ok(state
        .store
        .session_user(&token_hash(&token), state.now())
        .await?)
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = session_user(parts, state)
            .await?
            .ok_or(AppError::Unauthorized)?;
        if user.password_expired {
            return Err(AppError::PasswordChangeRequired);
        }
        Ok(Staff(user))
    }
}

/// The signed-in staff member even with a password to change: only for
/// changing it and signing out.
pub struct StaffWithExpiredPassword(pub User);

impl FromRequestParts<AppState> for StaffWithExpiredPassword {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        session_user(parts, state)
            .await?
            .map(StaffWithExpiredPassword)
            .ok_or(AppError::Unauthorized)
    }
}

/// The signed-in staff member if there is one (pages open to the public).
pub struct MaybeStaff(pub Option<Staff>);

impl FromRequestParts<AppState> for MaybeStaff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match session_user(parts, state).await? {
            Some(user) if user.password_expired => Err(AppError::PasswordChangeRequired),
            user => Ok(MaybeStaff(user.map(Staff))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password_blocking("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterz", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn tokens_are_random_and_stored_hashed() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(ha, token_hash(&a));
        assert_ne!(ha, a);
    }

    #[test]
    fn dummy_hash_is_a_valid_phc_string() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("", DUMMY_HASH));
    }
}
