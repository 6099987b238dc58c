//! The ButterflyMX adapter against the simulator: placeholder adoption (R-VISIT-1), preflight
//! (R-VISIT-2), visitor passes (R-VISIT-3), tenants (R-VISIT-4), the token lifecycle, secrets,
//! error mapping and request counts. One test binary, modules by subject.

mod contract;
mod errors;
mod kit;
mod passes;
mod placeholder;
mod preflight;
mod secrets;
mod support;
mod tenants;
mod tokens;
