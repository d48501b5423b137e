//! The one integration test binary (one link on a 2-core machine): modules per area.

mod support;

mod engine;
mod schema;
mod validate;
