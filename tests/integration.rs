//! The one integration test binary (one link on a 2-core machine): modules per area.

mod support;

mod approval_links;
mod backtest;
mod client;
mod deploy;
mod doctor;
mod email;
mod emulator;
mod engine;
mod engine_e2e;
mod engine_service;
mod kql;
mod reload;
mod response;
mod schema;
mod sdk;
mod validate;
mod webhook;
