//! The gas connection service: rules, applications, steps and deadlines.
//!
//! This crate knows nothing of SQL or HTTP. It decides what an action does to
//! an application and which events record it; storage and the web layer carry
//! those decisions out.

pub mod actor;
pub mod application;
pub mod catalogue;
pub mod community;
pub mod connection;
pub mod deadline;
pub mod error;
pub mod event;
pub mod materials;
pub mod one_stop;
pub mod registry;
pub mod rulebook;
pub mod services;
pub mod uscc;
pub mod workflow;

pub use actor::{Channel, Role};
pub use error::DomainError;

/// Application numbers read `BZ` + the Asia/Shanghai date of acceptance +
/// a four-digit running number for that day, e.g. `BZ20260108-0001`.
pub fn application_number(local_date: chrono::NaiveDate, running: i64) -> String {
    format!("BZ{}-{running:04}", local_date.format("%Y%m%d"))
}
