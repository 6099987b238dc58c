//! Node binding of Concierge (`@concierge/sdk`).
//!
//! Thin by design: every method parses its arguments, calls the [`concierge`] facade, and
//! converts the result or the error. Operations that do I/O return a Promise; a rejected one
//! carries a JS `Error` whose `code` is the stable [`concierge::ErrorCode`] (see `error.rs`).

#![deny(clippy::all)]

mod admin;
mod args;
mod buildium;
mod client;
mod error;
mod keys;
mod records;
mod salto;
mod sandbox;
mod smtp;
