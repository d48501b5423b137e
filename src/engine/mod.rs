//! The engine: scheduler, triggers, the runner (plan, then execute), dry runs and playbook
//! tests. It decides what to do; `action` does it; `state` remembers it. It never formats
//! emails itself.

pub mod health;
mod notice;
pub mod plan;
pub mod runner;
pub mod scheduler;
pub mod service;
pub mod testing;
