//! The engine: it decides what to do; `action` does it; `state` remembers it. It never formats
//! emails itself.
//!
//! A run flows one way: `trigger` fetches (cursor, hunting window, pages) and runs the condition
//! on each page; `collect` keys, deduplicates and plans the matches (`plan` renders the frozen
//! parameters); `runner` caps the plan and commits it to the ledger in one transaction;
//! `execute` carries the pending entries out in phases. `service` drives runs (start-up resume,
//! once, on schedule until shutdown), `reload` watches and reloads the playbooks it runs;
//! `testing` runs playbooks' own tests through `collect`; `backtest` replays a past window
//! through `collect` with dedup in memory.

mod approval_page;
pub mod backtest;
pub mod collect;
pub mod doctor;
mod error;
mod execute;
pub mod health;
pub mod links;
mod notice;
pub mod plan;
pub mod reload;
mod response;
pub mod runner;
pub mod scheduler;
pub mod service;
pub mod testing;
mod trigger;

pub use error::RunError;
