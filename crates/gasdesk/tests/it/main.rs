//! The integration tests: one binary, so the service is linked once.
//!
//! - `story_102`: the 102 line end to end through the HTTP API, per channel.
//! - `story_one_stop`: the one-stop line end to end through the HTTP API.
//! - `story_community`: the new residential community line, ledger to accounts.
//! - `community_pages`: the same line on the Chinese pages, by form posts.
//! - `workflow_cases`: the shared workflow cases.
//! - `hardening`: bad, hostile or careless input.
//! - `hardening_lines`: the same on the one-stop and community lines.
//! - `cli`: the `gasdesk` binary as operators use it.
//! - `copy_history`: `gasdesk copy` from SQLite to PostgreSQL.
//! - `browser`: an online application to gas-on in headless Chromium.
//! - `several_servers`: server processes sharing one PostgreSQL database.

mod browser;
mod cli;
mod community_pages;
mod copy_history;
mod hardening;
mod hardening_lines;
mod several_servers;
mod story_102;
mod story_community;
mod story_one_stop;
mod support;
mod workflow_cases;
