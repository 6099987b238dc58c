use chrono::{DateTime, Duration, TimeZone, Utc};
use concierge_core::Clock;
use std::sync::Mutex;

/// A clock that stands still until moved. Shared by the sandbox fakes and the facade, so moving
/// it moves time for everything at once.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<DateTime<Utc>>,
}

impl ManualClock {
    /// Where sandbox time starts: Monday 2026-01-05 09:00 UTC.
    pub const DEFAULT_START: DateTime<Utc> =
        DateTime::from_timestamp(1_767_603_600, 0).expect("valid");

    /// A clock showing `start`.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(start),
        }
    }

    /// A clock showing the given UTC date and time.
    pub fn at(year: i32, month: u32, day: u32, hour: u32) -> Self {
        Self::new(
            Utc.with_ymd_and_hms(year, month, day, hour, 0, 0)
                .single()
                .expect("valid date"),
        )
    }

    /// The time shown.
    pub fn now_utc(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Moves the clock forward (or back, with a negative duration). Returns `false`, leaving
    /// the clock where it was, if that would leave the representable range of dates.
    pub fn advance(&self, by: Duration) -> bool {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        match now.checked_add_signed(by) {
            Some(next) => {
                *now = next;
                true
            }
            None => false,
        }
    }

    /// Sets the clock.
    pub fn set(&self, to: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.now_utc()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_on_a_monday_morning_and_moves_only_when_told() {
        let c = ManualClock::new(ManualClock::DEFAULT_START);
        assert_eq!(c.now_utc().to_rfc3339(), "2026-01-05T09:00:00+00:00");
        c.advance(Duration::hours(4));
        assert_eq!(c.now_utc().to_rfc3339(), "2026-01-05T13:00:00+00:00");
    }
}
