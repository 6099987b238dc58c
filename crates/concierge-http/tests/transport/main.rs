//! The transport against wiremock: one `MockServer` per test, every mock with `.expect(n)`, and
//! a catch-all mounted last that expects no request.

mod auth;
mod echo;
mod errors;
mod limits;
mod retries;
mod support;
