//! What both strata adapters share when they turn a vendor record into a [`StrataUser`]: the
//! split of a display name into a greeting's first and last name (a company stays whole), and
//! the choice of the login email among the addresses a record carries.
//!
//! [`StrataUser`]: crate::StrataUser

/// Words that mark a display name as an organisation's, compared case-insensitively with the
/// name's words (trailing dots and commas ignored).
const ORGANISATION_WORDS: &[&str] = &[
    "pty",
    "ltd",
    "limited",
    "inc",
    "incorporated",
    "llc",
    "corp",
    "corporation",
    "company",
    "co",
    "trust",
    "trustee",
    "trustees",
    "superannuation",
    "super",
    "fund",
    "investments",
    "holdings",
    "group",
    "partners",
    "partnership",
    "nominees",
    "estate",
    "council",
    "association",
];

/// Whether `name` is an organisation's (a company, a trust, a fund) rather than a person's.
pub fn is_organisation(name: &str) -> bool {
    name.split_whitespace().any(|word| {
        let word = word
            .trim_matches(|c: char| c == '.' || c == ',' || c == '(' || c == ')')
            .to_ascii_lowercase();
        ORGANISATION_WORDS.contains(&word.as_str())
    }) || name.contains(" & ")
        || name.contains(" and ")
}

/// Splits a display name for greetings: "Jane Citizen" gives ("Jane", "Citizen"), "Mary Anne
/// van Dyke" ("Mary", "Anne van Dyke") (at the first space, as the integrators do), a single
/// word (None, "Word"), and an organisation's name (None, None): it stays whole in
/// `display_name`.
pub fn split_display_name(display_name: &str) -> (Option<String>, Option<String>) {
    let name = display_name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() || is_organisation(&name) {
        return (None, None);
    }
    match name.split_once(' ') {
        Some((first, last)) => (Some(first.to_owned()), Some(last.to_owned())),
        None => (None, Some(name)),
    }
}

/// Whether `address` looks like an email address: one `@`, a non-empty local part, a domain
/// with a dot and no spaces. Deliverability is the mail server's to judge.
pub fn is_plausible_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address.chars().any(char::is_whitespace)
}

/// The login email and the alternates of a field that may hold several addresses separated by
/// `;` or `,`: the first plausible address is the login, every other plausible one an alternate
/// (kept as a contact, never invited). Addresses are trimmed and lower-cased. An implausible
/// address is left out and reported in the third value.
pub fn pick_emails(field: Option<&str>) -> (Option<String>, Vec<String>, Vec<String>) {
    let mut login = None;
    let mut alternates = Vec::new();
    let mut refused = Vec::new();
    for part in field.unwrap_or_default().split([';', ',']) {
        let address = part.trim().to_lowercase();
        if address.is_empty() {
            continue;
        }
        if !is_plausible_email(&address) {
            refused.push(address);
        } else if login.is_none() {
            login = Some(address);
        } else if login.as_deref() != Some(address.as_str()) && !alternates.contains(&address) {
            alternates.push(address);
        }
    }
    (login, alternates, refused)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_is_split_at_the_first_space_and_a_company_stays_whole() {
        assert_eq!(
            split_display_name("Jane  Citizen"),
            (Some("Jane".into()), Some("Citizen".into()))
        );
        assert_eq!(
            split_display_name("Mary Anne van Dyke"),
            (Some("Mary".into()), Some("Anne van Dyke".into()))
        );
        assert_eq!(split_display_name("Cher"), (None, Some("Cher".into())));
        for company in [
            "John S Investments Pty Ltd",
            "Smith Family Trust",
            "ACME PTY. LTD.",
            "J & M Smith",
        ] {
            assert_eq!(split_display_name(company), (None, None), "{company}");
        }
    }

    #[test]
    fn the_first_plausible_address_is_the_login_and_the_rest_alternates() {
        let (login, alt, refused) =
            pick_emails(Some("Jane@Example.com; jane.work@example.com, nonsense ,"));
        assert_eq!(login.as_deref(), Some("jane@example.com"));
        assert_eq!(alt, vec!["jane.work@example.com".to_owned()]);
        assert_eq!(refused, vec!["nonsense".to_owned()]);
        assert_eq!(pick_emails(None), (None, vec![], vec![]));
        assert!(!is_plausible_email("a@b"));
        assert!(!is_plausible_email("a b@c.com"));
    }
}
