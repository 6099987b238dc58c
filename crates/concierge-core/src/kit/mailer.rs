//! The conformance kit's checks of a mailer adapter: one email per idempotency key, a
//! malformed recipient refused for good, and the email's body (where activation links live)
//! kept out of errors. It sends one test email to the address given.

use super::*;

/// Runs the mailer checks against `mailer`, sending one email to `to` (twice, with the same
/// idempotency key made from `run_id`); no error it gives may hold one of `secrets` (its
/// credentials) or the made-up link the kit puts in the email's body.
pub async fn check_mailer(
    mailer: &dyn Mailer,
    to: &str,
    run_id: &str,
    secrets: &[SecretString],
) -> AdapterReport {
    let name = mailer.name().to_owned();
    let mut report = AdapterReport::new(&name);
    let errors = Errors::default();
    let link = canary(run_id);
    let mut secrets = secrets.to_vec();
    secrets.push(link.clone());
    let message = |to: &str, key: String| EmailMessage {
        from: "concierge-kit@example.com".into(),
        to: to.to_owned(),
        subject: "Concierge conformance kit".into(),
        body: format!(
            "A test of the mailer adapter. Link: https://example.com/activate?token={}\n",
            link.expose_secret()
        ),
        html_body: None,
        idempotency_key: key,
    };
    let key = format!("concierge-kit-{run_id}");
    let first = errors.see(mailer.send(message(to, key.clone()))).await;
    let second = errors.see(mailer.send(message(to, key))).await;
    report.record(
        "send_once",
        "sending twice with the same idempotency key gives one message id: one email (or one \
         the receiving server folds by its Message-ID)",
        match (first, second) {
            (Ok(a), Ok(b)) if a.message_id == b.message_id => Ok(a.message_id),
            (Ok(a), Ok(b)) => failed(format!(
                "two message ids for one key: {} and {}",
                a.message_id, b.message_id
            )),
            (Err(e), _) | (_, Err(e)) => failed(e.to_string()),
        },
    );

    let bad = errors
        .see(mailer.send(message(
            "not an address",
            format!("concierge-kit-{run_id}-malformed"),
        )))
        .await;
    report.record(
        "malformed_recipient_refused",
        "a recipient that is not an email address is refused, naming the provider and \
         operation, not retryable (the outbox would otherwise try it again and again)",
        refused_for_good(bad, &name, "send", &[], |r| {
            format!("sent as {}", r.message_id)
        }),
    );
    errors.check_secrets(&mut report, &secrets);
    report
}
