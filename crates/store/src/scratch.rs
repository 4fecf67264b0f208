//! Throwaway PostgreSQL databases, for tests and benchmarks: each has a
//! unique name, is created empty, and is dropped when its guard goes.
//!
//! The server is `GASDESK_TEST_POSTGRES` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When it cannot be reached
//! the tests that need it are skipped, unless `GASDESK_REQUIRE_POSTGRES=1`
//! (as in CI), where that is a failure.

use sqlx::Connection;
use sqlx::postgres::PgConnection;

const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that exists until this guard is dropped.
pub struct ScratchDb {
    pub name: String,
    pub url: String,
    server: String,
}

/// Whether PostgreSQL tests must run (and fail if the server is missing).
pub fn postgres_required() -> bool {
    std::env::var("GASDESK_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

fn server_url() -> String {
    std::env::var("GASDESK_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_SERVER.to_string())
}

impl ScratchDb {
    /// Creates a fresh database, or `None` (with a note on stderr) when the
    /// server is unreachable and PostgreSQL is not required.
    ///
    /// # Panics
    /// When PostgreSQL is required and cannot be reached, or refuses to
    /// create the database: this is for tests.
    pub async fn create(purpose: &str) -> Option<ScratchDb> {
        let server = server_url();
        let mut conn = match PgConnection::connect(&server).await {
            Ok(c) => c,
            Err(e) if !postgres_required() => {
                eprintln!("skipped ({purpose}): PostgreSQL unreachable at {server}: {e}");
                return None;
            }
            Err(e) => panic!("PostgreSQL is required but unreachable at {server}: {e}"),
        };
        let name = format!(
            "gasdesk_{}_{}",
            purpose.replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
            uuid::Uuid::now_v7().simple()
        )
        .to_ascii_lowercase();
        // PostgreSQL cuts names at 63 bytes; the unique tail must survive.
        let name = name[name.len().saturating_sub(63)..].to_string();
        let create = format!("CREATE DATABASE \"{name}\"");
        sqlx::raw_sql(sqlx::AssertSqlSafe(create))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
        let _ = conn.close().await;
        let base = server.rsplit_once('/').map_or(server.as_str(), |(b, _)| b);
        Some(ScratchDb {
            url: format!("{base}/{name}"),
            name,
            server,
        })
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let server = self.server.clone();
        let name = self.name.clone();
        // Dropping runs inside or outside a runtime: a thread of its own
        // with its own runtime works in both.
        let done = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut conn) = PgConnection::connect(&server).await {
                    let drop = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                    if let Err(e) = sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
                        .execute(&mut conn)
                        .await
                    {
                        eprintln!("could not drop database {name}: {e}");
                    }
                    let _ = conn.close().await;
                }
            });
        });
        let _ = done.join();
    }
}
