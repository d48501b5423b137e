//! HTTP contract tests of the emulator (the local Graph tenant), over real HTTP on 127.0.0.1:0,
//! plus `oneshot` router tests where no socket is needed.

mod support;

mod admin;
mod auth;
mod batch;
mod defender;
mod defender_actions;
mod defender_indicators;
mod faults;
mod identity;
mod items;
mod odata;
mod oneshot;
