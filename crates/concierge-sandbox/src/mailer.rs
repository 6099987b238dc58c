//! The sandbox's mailer: keeps every email it accepts, in memory, one delivery per idempotency key.

use crate::faults::Faults;
use async_trait::async_trait;
use concierge_core::{
    EmailMessage, Mailer, ProviderError, ProviderErrorKind, ProviderResult, SendEmailResponse,
};
use std::collections::HashMap;
use std::sync::Mutex;

/// An email the sandbox mailer accepted.
#[derive(Clone, serde::Serialize, schemars::JsonSchema)]
pub struct SentEmail {
    /// Sender.
    pub sender: String,
    /// Recipient.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Body. Holds the activation link: left out of a record's repr.
    #[schemars(extend("x-sensitive" = true))]
    pub body: String,
    /// HTML body, when the email has one. Holds the activation link: left out of a record's
    /// repr.
    #[schemars(extend("x-sensitive" = true))]
    pub html_body: Option<String>,
    /// The idempotency key it was sent with.
    pub idempotency_key: String,
    /// The mailer's message id.
    pub message_id: String,
}

impl std::fmt::Debug for SentEmail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentEmail")
            .field("to", &self.to)
            .field("subject", &self.subject)
            .field("body", &"<redacted>")
            .field("message_id", &self.message_id)
            .finish()
    }
}

impl SentEmail {
    /// The activation token in the body's link (`…token=<token>`), if there is one.
    pub fn activation_token(&self) -> Option<String> {
        let start = self.body.find("token=")? + "token=".len();
        let token: String = self.body[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        (!token.is_empty()).then_some(token)
    }
}

/// A [`Mailer`] that keeps every email it accepts, in order, and delivers each idempotency key
/// once, as a real transactional mail API does.
#[derive(Debug)]
pub struct SandboxMailer {
    faults: Faults,
    state: Mutex<MailState>,
}

#[derive(Debug, Default)]
struct MailState {
    sent: Vec<SentEmail>,
    by_key: HashMap<String, String>,
}

impl SandboxMailer {
    /// A mailer sharing `faults`.
    pub fn new(faults: Faults) -> Self {
        Self {
            faults,
            state: Mutex::new(MailState::default()),
        }
    }

    /// Every email accepted, oldest first.
    pub fn sent(&self) -> Vec<SentEmail> {
        self.lock().sent.clone()
    }

    /// Emails accepted for `to`, oldest first.
    pub fn sent_to(&self, to: &str) -> Vec<SentEmail> {
        self.lock()
            .sent
            .iter()
            .filter(|m| m.to.eq_ignore_ascii_case(to))
            .cloned()
            .collect()
    }

    /// The activation token of the newest email to `to`.
    pub fn last_activation_token(&self, to: &str) -> Option<String> {
        self.sent_to(to)
            .last()
            .and_then(SentEmail::activation_token)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MailState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl Mailer for SandboxMailer {
    fn name(&self) -> &str {
        "sandbox-mailer"
    }

    async fn send(&self, message: EmailMessage) -> ProviderResult<SendEmailResponse> {
        self.faults.before(self.name(), "send").await?;
        // As an SMTP server would: a recipient that is not an address is refused for good.
        if !concierge_core::strata::is_plausible_email(&message.to) {
            return Err(ProviderError::new(
                self.name(),
                "send",
                ProviderErrorKind::Rejected,
                "the recipient is not an email address",
            )
            .with_retryable(false));
        }
        let mut state = self.lock();
        if let Some(id) = state.by_key.get(&message.idempotency_key) {
            return Ok(SendEmailResponse {
                message_id: id.clone(),
            });
        }
        let message_id = format!("sandbox-msg-{}", state.sent.len() + 1);
        state
            .by_key
            .insert(message.idempotency_key.clone(), message_id.clone());
        state.sent.push(SentEmail {
            sender: message.from,
            to: message.to,
            subject: message.subject,
            body: message.body,
            html_body: message.html_body,
            idempotency_key: message.idempotency_key,
            message_id: message_id.clone(),
        });
        Ok(SendEmailResponse { message_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(key: &str) -> EmailMessage {
        EmailMessage {
            from: "a@example.org".into(),
            to: "b@example.org".into(),
            subject: "hi".into(),
            body: "link: https://x.invalid/activate?token=res_1.abc\n".into(),
            html_body: None,
            idempotency_key: key.into(),
        }
    }

    #[tokio::test]
    async fn the_same_idempotency_key_is_delivered_once() {
        let m = SandboxMailer::new(Faults::new());
        let a = m.send(email("k1")).await.unwrap();
        let b = m.send(email("k1")).await.unwrap();
        assert_eq!(a, b);
        assert_eq!(m.sent().len(), 1);
        assert_eq!(
            m.last_activation_token("B@example.org").as_deref(),
            Some("res_1.abc")
        );
    }
}
