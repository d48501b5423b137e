//! graphsoar: a SOAR rule engine for Microsoft Defender XDR.
//!
//! YAML playbooks (see [`playbook`]) are loaded, validated and compiled once; their triggers
//! read the Microsoft Graph security API, their conditions are sandboxed Rhai ([`script`]), and
//! their messages are minijinja templates ([`template`]). Nothing imports [`cli`].

pub mod action;
pub mod cli;
pub mod clock;
pub mod config;
pub mod diag;
pub mod duration;
pub mod emulator;
pub mod engine;
pub mod graph;
pub mod http;
pub mod item;
pub mod kql;
pub mod odata;
pub mod playbook;
pub mod progress;
pub mod script;
pub mod shutdown;
pub mod state;
pub mod suggest;
pub mod template;
#[doc(hidden)]
pub mod testutil;
mod text_enum;
pub mod time;
pub mod yaml;
pub mod yaml_de;
