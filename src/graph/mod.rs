//! The Microsoft Graph security API as graphsoar sees it: the client (auth, retries, paging,
//! batching, rate limits), its error type, and the typed models shared with the emulator.
//!
//! `graph` never imports `emulator`.

pub mod auth;
pub mod batch;
pub mod client;
pub mod defender;
pub mod enums;
pub mod error;
pub mod limiter;
pub mod models;
pub mod permission;
pub mod response;

pub use auth::{AssertionAlgorithm, Certificate, Credentials};
pub use batch::{Answer, BatchOp, DEFAULT_BATCHES_IN_FLIGHT};
pub use client::{Client, ClientOptions, Collection, ListQuery, Pager, Probe};
pub use error::{ApiError, Error, Operation};
pub use permission::{Permission, Resource};
