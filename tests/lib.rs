//! End-to-end scenarios live in the test files beside this one; shared helpers live here.
//!
//! [`buildium_world`] starts a Buildium simulator and a Concierge handle whose PMS is the real
//! Buildium adapter pointed at it, so a test or benchmark exercises transport, adapter, sync
//! engine and store together.
