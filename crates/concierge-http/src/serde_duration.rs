//! Durations in adapters' configurations as plain numbers, for `#[serde(with = "…")]`: the
//! shape a JSON, TOML or binding setting has (`timeout_seconds: 0.5`, `poll_initial_ms: 200`).

/// A [`Duration`](std::time::Duration) as a plain number of seconds, fractions allowed; a
/// negative, infinite or NaN number is a deserialisation error.
pub mod seconds {
    use serde::{Deserialize, Deserializer, Serializer, de};
    use std::time::Duration;

    /// Reads the seconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(d)?;
        Duration::try_from_secs_f64(secs).map_err(|_| {
            de::Error::invalid_value(
                de::Unexpected::Float(secs),
                &"a finite number of seconds, at least 0",
            )
        })
    }

    /// Writes the seconds (the JSON schema's default uses it).
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

/// A [`Duration`](std::time::Duration) as a whole number of milliseconds; a negative or
/// fractional number is a deserialisation error.
pub mod millis {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    /// Reads the milliseconds.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }

    /// Writes the milliseconds (the JSON schema's default uses it).
    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }
}
