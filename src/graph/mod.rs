//! The Microsoft Graph security API as graphsoar sees it: enum tables now, later the client
//! (auth, retries, paging, batching, rate limits) and the typed models shared with the emulator.
//!
//! `graph` never imports `emulator`.

pub mod enums;
pub mod models;
