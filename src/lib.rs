//! `reconcile`: declare the schema once in `schema.kdl`; the tool works out and applies the
//! changes that make a SQLite, MySQL/MariaDB or PostgreSQL database match it.
//!
//! The modules read as the pipeline:
//!
//! ```text
//! schema.kdl ─parse→ Schema ─validate→ ┐
//! database ──introspect→ Schema ───────┴─ diff → changes ─ order → plan ─ apply
//! ```

pub mod change;
pub mod console;
pub mod database;
pub mod dialect;
pub mod diff;
pub mod dotenv;
pub mod environment;
pub mod error;
pub mod excerpt;
pub mod init;
pub mod input;
pub mod inspect;
pub mod order;
pub mod parse;
pub mod plan;
pub mod project;
pub mod redact;
pub mod schema;
pub mod target;
pub mod timings;
pub mod validate;

pub use error::{Error, Result};
pub mod cli;
pub mod run;
