//! The welcome email's rendering: a property's [`InvitationEmailSettings`] templates (MiniJinja)
//! with one resident's values, and the check that the templates compile when settings are saved.

use chrono::{DateTime, Utc};
use concierge_core::validate::Checks;
use concierge_core::*;
use minijinja::{AutoEscape, Environment, UndefinedBehavior, context};

/// The variables a template may use.
pub(crate) const VARIABLES: &[&str] = &[
    "first_name",
    "last_name",
    "display_name",
    "property_name",
    "activation_link",
    "expires_at",
];

/// One template of the settings: its field (under `settings.invitation_email.`), its name in the
/// environment (`.html` turns auto-escaping on) and its text.
fn templates(settings: &InvitationEmailSettings) -> Vec<(&'static str, &'static str, &str)> {
    let mut all = vec![
        ("subject", "subject.txt", settings.subject.as_str()),
        ("body", "body.txt", settings.body.as_str()),
    ];
    if let Some(html) = &settings.html_body {
        all.push(("html_body", "body.html", html.as_str()));
    }
    all
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env
}

/// Records in `checks` every template of `settings` that does not compile, uses a variable
/// other than [`VARIABLES`], or (the body) does not use `activation_link`; and an activation URL
/// that is not http(s). Fields are `settings.invitation_email.<field>`.
pub(crate) fn check_templates(checks: &mut Checks, settings: &InvitationEmailSettings) {
    let field = |name: &str| format!("settings.invitation_email.{name}");
    let env = environment();
    for (name, file, source) in templates(settings) {
        // The placeholders of earlier versions (`{first_name}`) would be sent as written.
        let outside = source.replace("{{", "\u{0}").replace("}}", "\u{1}");
        for var in VARIABLES {
            if outside.contains(&format!("{{{var}}}")) {
                checks.fail(
                    &field(name),
                    format!("{{{var}}} is not a placeholder: write {{{{ {var} }}}}"),
                );
            }
        }
        match env.template_from_named_str(file, source) {
            Err(e) => checks.fail(
                &field(name),
                format!("is not a valid template: {}", e.detail().unwrap_or("")),
            ),
            Ok(template) => {
                let used = template.undeclared_variables(false);
                let mut unknown: Vec<&String> = used
                    .iter()
                    .filter(|v| !VARIABLES.contains(&v.as_str()))
                    .collect();
                unknown.sort();
                if !unknown.is_empty() {
                    checks.fail(
                        &field(name),
                        format!(
                            "uses unknown variables {unknown:?}; known: {}",
                            VARIABLES.join(", ")
                        ),
                    );
                }
                if name == "body" && !used.contains("activation_link") {
                    checks.fail(&field(name), "must use {{ activation_link }}");
                }
            }
        }
    }
    let url = &settings.activation_url;
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        checks.fail(&field("activation_url"), "must be an http(s) URL");
    }
}

/// The welcome email of `resident` at `property`, with `token` in its link.
pub(crate) fn welcome_email(
    property: &Property,
    resident: &Resident,
    to: String,
    token: &ActivationToken,
    expires_at: Option<DateTime<Utc>>,
    idempotency_key: &str,
) -> std::result::Result<EmailMessage, ProviderError> {
    let settings = &property.settings.invitation_email;
    let values = context! {
        first_name => resident.first_name.clone(),
        last_name => resident.last_name.clone(),
        display_name => resident.full_name(),
        property_name => property.name.clone(),
        activation_link => format!("{}{}", settings.activation_url, token.expose()),
        // Shown in the property's own time, as its residents read clocks.
        expires_at => expires_at
            .map(|t| property.zone().format(t))
            .unwrap_or_default(),
    };
    let env = environment();
    let render = |file: &str, source: &str| {
        env.render_named_str(file, source, values.clone())
            .map_err(|e| {
                // The error names the template and the rule, never the values (the link).
                ProviderError::new(
                    "concierge",
                    "render_welcome_email",
                    ProviderErrorKind::Rejected,
                    format!(
                        "the welcome email's {file} template of property {} does not render: {}; \
                     fix settings.invitation_email",
                        property.id,
                        e.detail().unwrap_or(&e.kind().to_string())
                    ),
                )
            })
    };
    let subject = render("subject.txt", &settings.subject)?;
    let body = render("body.txt", &settings.body)?;
    let html_body = match &settings.html_body {
        Some(html) => Some(render("body.html", html)?),
        None => None,
    };
    if !body.contains(token.expose()) {
        return Err(ProviderError::new(
            "concierge",
            "render_welcome_email",
            ProviderErrorKind::Rejected,
            format!(
                "the welcome email's body template of property {} does not show \
                 {{{{ activation_link }}}}; fix settings.invitation_email.body",
                property.id
            ),
        ));
    }
    Ok(EmailMessage {
        from: settings.sender.clone(),
        to,
        // One line, whatever the template did.
        subject: subject.lines().map(str::trim).collect::<Vec<_>>().join(" "),
        body,
        html_body,
        idempotency_key: idempotency_key.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issues(settings: &InvitationEmailSettings) -> Vec<(String, String)> {
        let mut checks = Checks::new();
        check_templates(&mut checks, settings);
        match checks.finish() {
            Ok(()) => vec![],
            Err(v) => v.issues.into_iter().map(|i| (i.field, i.message)).collect(),
        }
    }

    #[test]
    fn the_default_templates_pass_and_broken_ones_are_refused_by_field() {
        assert_eq!(issues(&InvitationEmailSettings::default()), vec![]);
        let mut s = InvitationEmailSettings {
            body: "Hello {{ first_name }}".into(),
            ..Default::default()
        };
        assert_eq!(
            issues(&s),
            vec![(
                "settings.invitation_email.body".to_owned(),
                "must use {{ activation_link }}".to_owned()
            )]
        );
        s.body = "{{activation_link}}".into();
        s.subject = "{first_name}, welcome".into();
        assert_eq!(
            issues(&s),
            vec![(
                "settings.invitation_email.subject".to_owned(),
                "{first_name} is not a placeholder: write {{ first_name }}".to_owned()
            )]
        );
        s.body = "{{ activation_link }".into();
        s.subject = "{% if %}".into();
        s.html_body = Some("{{ activation_link }} {{ password }}".into());
        let fields: Vec<String> = issues(&s).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "settings.invitation_email.subject",
                "settings.invitation_email.body",
                "settings.invitation_email.html_body"
            ]
        );
    }
}
