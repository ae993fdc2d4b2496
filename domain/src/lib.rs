//! Passgenau's domain: the one truth shared by the browser (wasm32) and the server.
//!
//! No Leptos, no sqlx, no I/O. Every stored or transmitted record is a versioned serde type.
//! Errors are English in `Display` (logs, APIs) and German in [`UserMessage::message_de`] (users).

pub mod admin;
pub mod auth;
pub mod case;
pub mod catalog;
pub mod checklist;
pub mod clearing;
pub mod conflict;
pub mod consent;
pub mod cooperation;
pub mod date;
pub mod error;
pub mod evaluation;
pub mod goals;
pub mod hilfeplan;
pub mod money;
pub mod retention;
pub mod roles;
pub mod rules;
pub mod schema;
pub mod setting;
pub mod sozialraum;
pub mod sync;
pub mod team;
pub mod text;
pub mod visit;

pub use error::UserMessage;
