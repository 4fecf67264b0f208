//! The append-only record of everything that happened to an application.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::Channel;
use crate::application::Actor;

/// An event about to be written, in the same transaction as the state it
/// changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct NewEvent {
    /// What happened, e.g. `submitted`, `first_call_recorded`.
    pub kind: String,
    pub actor: Actor,
    pub channel: Channel,
    /// When it happened, as the actor states it.
    pub occurred_at: DateTime<Utc>,
    /// When the system recorded it.
    pub recorded_at: DateTime<Utc>,
    pub payload: serde_json::Value,
}

/// A recorded event. `seq` counts from 1 per application without gaps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Event {
    pub application_id: Uuid,
    pub seq: i64,
    #[serde(flatten)]
    pub event: NewEvent,
}
