//! Staff accounts: memory-hard password hashes, random session tokens of
//! which only a hash is stored, sessions that expire.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;
use axum_extra::extract::cookie::{Cookie, SameSite};
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

pub fn hash_password(password: &str) -> Result<String, AppError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
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
    let user = state.store.user_by_username(username.trim()).await?;
    // Verify against a dummy hash when the user is unknown, so the answer
    // takes as long either way and does not reveal which usernames exist.
    let hash = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_else(|| DUMMY_HASH.to_string());
    let ok = verify_password(password, &hash);
    let user = match user {
        Some(u) if ok && u.active => u,
        _ => return Err(AppError::BadCredentials),
    };
    let (token, hash) = new_token();
    let now = state.now();
    state
        .store
        .create_session(&hash, user.id, now, now + state.session_ttl)
        .await?;
    Ok((user, token))
}

const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$JTfY8Ls9oOh2jNT5DTnA7cORIIdhuyhr8bx9d47BM3Q";

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
        session_user(parts, state)
            .await?
            .map(Staff)
            .ok_or(AppError::Unauthorized)
    }
}

/// The signed-in staff member if there is one (pages open to the public).
pub struct MaybeStaff(pub Option<Staff>);

impl FromRequestParts<AppState> for MaybeStaff {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(MaybeStaff(session_user(parts, state).await?.map(Staff)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let hash = hash_password("correct horse battery").unwrap();
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
