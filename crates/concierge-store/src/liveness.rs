//! Whether the holder of a sync lease is still alive, so that a lease left behind by a killed
//! process is taken over at once instead of after its time to live.
//!
//! A lease's `holder` column is the engine's holder name followed by `#` and the store's
//! liveness token, which says how to prove the holder dead:
//!
//! - `local:<boot id>:<pid>:<start time>` (SQLite, on Linux): the process that opened the store.
//!   It is dead when the machine has booted since, or no process `pid` started at that time
//!   exists (a zombie counts as dead). SQLite files are shared by processes of one machine.
//! - `pg:<backend pid>:<backend start>` (PostgreSQL): a connection the store keeps open for its
//!   whole life, which the server ends when the process dies. It is dead when
//!   `pg_stat_activity` no longer lists it.
//! - `unknown`: no proof is possible (no `/proc`): the lease lasts its time to live.

/// The holder column's value: `holder` and `token`.
pub(crate) fn compose(holder: &str, token: &str) -> String {
    format!("{holder}#{token}")
}

/// The engine's holder name of a holder column's value.
pub(crate) fn holder_of(stored: &str) -> &str {
    stored.rsplit_once('#').map_or(stored, |(h, _)| h)
}

/// The liveness token of a holder column's value, if it has one.
pub(crate) fn token_of(stored: &str) -> Option<&str> {
    stored.rsplit_once('#').map(|(_, t)| t)
}

/// This process's token for a SQLite store.
pub(crate) fn local_token() -> String {
    match (boot_id(), process_start(std::process::id())) {
        (Some(boot), Some((start, _))) => {
            format!("local:{boot}:{}:{start}", std::process::id())
        }
        _ => "unknown".to_owned(),
    }
}

/// Whether `token`, a `local:` token, names a process that is certainly dead. Anything that
/// cannot be proven dead (another kind of token, no `/proc`) is alive.
pub(crate) fn local_is_dead(token: &str) -> bool {
    let mut parts = token.split(':');
    let (Some("local"), Some(boot), Some(pid), Some(start), None) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    let (Some(ours), Ok(pid)) = (boot_id(), pid.parse::<u32>()) else {
        return false;
    };
    if ours != boot {
        // The machine has restarted since: every process of that boot is gone.
        return true;
    }
    match process_start(pid) {
        None => true,
        Some((started, state)) => started != start || matches!(state, 'Z' | 'X'),
    }
}

/// The kernel's id of this boot.
fn boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// When process `pid` started (in clock ticks since boot, as the kernel says) and its state,
/// or `None` when there is no such process.
fn process_start(pid: u32) -> Option<(String, char)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (name) state ppid ...`: the name may hold spaces and parentheses.
    let after = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    // Field 22 of the line is the start time; the state is field 3.
    let start = fields.get(22 - 3)?;
    Some(((*start).to_owned(), state))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_holder_value_splits_into_its_name_and_token() {
        let stored = compose("instance-1", "local:b:12:34");
        assert_eq!(holder_of(&stored), "instance-1");
        assert_eq!(token_of(&stored), Some("local:b:12:34"));
        assert_eq!(holder_of("old-holder"), "old-holder");
        assert_eq!(token_of("old-holder"), None);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn this_process_is_alive_and_a_finished_one_is_dead() {
        let ours = local_token();
        assert!(ours.starts_with("local:"), "{ours}");
        assert!(!local_is_dead(&ours));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        let start = process_start(pid).map(|(s, _)| s);
        child.wait().unwrap();
        let boot = boot_id().unwrap();
        let token = format!("local:{boot}:{pid}:{}", start.unwrap_or_default());
        assert!(local_is_dead(&token));
        // Another boot, or a pid reused by a later process, is dead too.
        let parts: Vec<&str> = ours.split(':').collect();
        assert!(local_is_dead(&format!(
            "local:another-boot:{}:{}",
            parts[2], parts[3]
        )));
        assert!(local_is_dead(&format!("local:{boot}:{}:1", parts[2])));
        // What cannot be proven dead is alive.
        assert!(!local_is_dead("unknown"));
        assert!(!local_is_dead("pg:1:2"));
    }
}
