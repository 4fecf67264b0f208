//! Bounded retries of transactions the database aborted for reasons that a
//! second try can cure: serialization failures and deadlocks (SQLSTATE
//! 40001 and 40P01, which distributed engines raise for any conflict), and
//! connections dropped or refused on the way.

use std::future::Future;
use std::time::Duration;

use crate::StoreError;

/// How often and how patiently a write is tried.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub attempts: u32,
    pub first_backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            attempts: 5,
            first_backoff: Duration::from_millis(20),
        }
    }
}

impl Retry {
    /// Runs `op` until it succeeds, fails for good, or the attempts are
    /// spent; the wait doubles after each failure, with jitter so that
    /// servers that collided once do not collide again.
    pub async fn run<T, F, Fut>(&self, mut op: F) -> Result<T, StoreError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, StoreError>>,
    {
        let mut backoff = self.first_backoff;
        let mut attempt = 1;
        loop {
            match op().await {
                Err(e) if attempt < self.attempts && is_transient(&e) => {
                    let jitter = rand_millis(backoff.as_millis() as u64 / 2 + 1);
                    tokio::time::sleep(backoff + Duration::from_millis(jitter)).await;
                    backoff *= 2;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

/// Worth another try: the database gave up on the transaction, or the
/// connection to it failed.
pub fn is_transient(e: &StoreError) -> bool {
    match e {
        StoreError::Database(e) => is_transient_sqlx(e),
        _ => false,
    }
}

/// The same judgement on a driver error.
pub fn is_transient_sqlx(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(d) => {
            let code = d.code();
            let code = code.as_deref().unwrap_or("");
            // serialization_failure, deadlock_detected, connection
            // exceptions (08xxx), admin or crash shutdown (57P01..57P03).
            matches!(code, "40001" | "40P01" | "57P01" | "57P02" | "57P03")
                || code.starts_with("08")
        }
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) => true,
        sqlx::Error::Protocol(_) => true,
        _ => false,
    }
}

fn rand_millis(below: u64) -> u64 {
    // Jitter needs no strong randomness: the low bits of a fresh UUID do.
    (uuid::Uuid::now_v7().as_u128() as u64) % below.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn io_error() -> StoreError {
        StoreError::Database(sqlx::Error::Io(std::io::Error::other("reset")))
    }

    #[tokio::test]
    async fn transient_failures_are_tried_again_up_to_the_bound() {
        let retry = Retry {
            attempts: 3,
            first_backoff: Duration::from_millis(1),
        };
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = retry
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(io_error())
            })
            .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 3);

        let calls = AtomicU32::new(0);
        let result = retry
            .run(|| async {
                match calls.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(io_error()),
                    n => Ok(n),
                }
            })
            .await;
        assert_eq!(result.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_conflict_is_not_tried_again() {
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = Retry::default()
            .run(|| async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(StoreError::Conflict)
            })
            .await;
        assert!(matches!(result, Err(StoreError::Conflict)));
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
