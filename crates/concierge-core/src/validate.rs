//! Input checks shared by every workflow. A [`Checks`] collects every problem, then
//! [`Checks::finish`] turns them into one [`ValidationError`], so a caller fixes all fields in
//! one go. Messages name the rule, never the rejected value.

use crate::error::{FieldIssue, ValidationError};
use std::str::FromStr;

/// The longest name we accept, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// Collects validation problems.
#[derive(Debug, Default)]
pub struct Checks {
    issues: Vec<FieldIssue>,
}

impl Checks {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a problem with `field`.
    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.issues.push(FieldIssue {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    /// A person's name: not blank, no control characters, at most [`MAX_NAME_CHARS`].
    /// Returns it trimmed.
    pub fn name(&mut self, field: &str, value: &str) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.fail(field, "must not be empty");
        } else if trimmed.chars().count() > MAX_NAME_CHARS {
            self.fail(
                field,
                format!("must be at most {MAX_NAME_CHARS} characters"),
            );
        } else if trimmed.chars().any(char::is_control) {
            self.fail(field, "must not contain control characters");
        }
        trimmed.to_owned()
    }

    /// A label (property, building, unit): not blank, at most 200 characters.
    pub fn label(&mut self, field: &str, value: &str) -> String {
        let trimmed = value.trim();
        if trimmed.is_empty() {
            self.fail(field, "must not be empty");
        } else if trimmed.chars().count() > 200 {
            self.fail(field, "must be at most 200 characters");
        } else if trimmed.chars().any(char::is_control) {
            self.fail(field, "must not contain control characters");
        }
        trimmed.to_owned()
    }

    /// An optional email address; returns it trimmed and lower-cased.
    pub fn email(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        let value = value?.trim();
        if value.is_empty() {
            return None;
        }
        match email_address::EmailAddress::from_str(value) {
            Ok(addr) if addr.domain().contains('.') => Some(addr.as_str().to_ascii_lowercase()),
            _ => {
                self.fail(field, "is not a valid email address");
                Some(value.to_owned())
            }
        }
    }

    /// A site name: 1-63 lower-case letters, digits and dashes, not starting or ending with a
    /// dash (it becomes part of an email address: `butterflymx+<site name>@…`).
    pub fn site_name(&mut self, field: &str, value: &str) -> String {
        let v = value.trim();
        let ok = !v.is_empty()
            && v.len() <= 63
            && v.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !v.starts_with('-')
            && !v.ends_with('-');
        if !ok {
            self.fail(
                field,
                "must be 1-63 lower-case letters, digits and dashes, not starting or ending with a dash",
            );
        }
        v.to_owned()
    }

    /// Ok if nothing failed, else every problem at once.
    pub fn finish(self) -> Result<(), ValidationError> {
        if self.issues.is_empty() {
            Ok(())
        } else {
            Err(ValidationError {
                issues: self.issues,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_problem_and_never_echoes_the_value() {
        let mut c = Checks::new();
        c.name("first_name", "   ");
        c.email("email", Some("ada at example"));
        let err = c.finish().unwrap_err();
        assert_eq!(err.issues.len(), 2);
        assert!(!err.to_string().contains("ada at example"));
    }

    #[test]
    fn accepts_ordinary_names_and_addresses() {
        let mut c = Checks::new();
        assert_eq!(c.name("first_name", " Zoë "), "Zoë");
        assert_eq!(
            c.email("email", Some("Ada.Lovelace@Example.org"))
                .as_deref(),
            Some("ada.lovelace@example.org")
        );
        assert_eq!(c.email("email", Some("")), None);
        assert_eq!(c.site_name("site_name", "harbour-view"), "harbour-view");
        c.finish().unwrap();
    }

    #[test]
    fn refuses_addresses_without_a_dotted_domain_and_bad_site_names() {
        let mut c = Checks::new();
        c.email("email", Some("root@localhost"));
        c.site_name("site_name", "Harbour View");
        assert_eq!(c.finish().unwrap_err().issues.len(), 2);
    }
}
