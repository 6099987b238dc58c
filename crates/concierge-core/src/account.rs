//! The resident account state machine (R-STATUS-1..5) and activation tokens.
//!
//! ```text
//!  NotInvited ──invite──▶ PendingActivation ──activate──▶ Live
//!                          │   ▲
//!           7 days pass    ▼   │ invite (again: new link, new 7 days)
//!                       ActivationExpired
//! ```
//!
//! Expiry is derived from the invitation's expiry instant and `now`, never swept: an account
//! whose link ran out is `ActivationExpired` the moment it is read, whatever ran or did not run.
//! Every transition is a method taking `now`; anything else is refused with
//! [`Error::InvalidTransition`] naming the status and the action, and changes nothing.
//!
//! An invitation keeps a random nonce and the SHA-256 hash of its token, never the token: the
//! token is derived from the nonce with the [`ActivationSecret`], which is not stored with the
//! data (see [`crate::credentials`]). Presented tokens are compared by hash in constant time.
//!
//! Going Live takes the token and, when Concierge keeps passwords ([`PasswordMode::Managed`]),
//! a new password, stored only as its Argon2id hash ([`PasswordHash`]).

use crate::credentials::{self, ActivationSecret, hash_token, hashes_equal};
pub use crate::credentials::{ActivationToken, selector_of};
use crate::error::{Error, Result, TokenRejection};
use crate::password::PasswordHash;
#[cfg(doc)]
use crate::password::PasswordMode;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How long an activation link is valid by default (R-STATUS-2): 7 days.
pub const DEFAULT_ACTIVATION_VALIDITY: Duration = Duration::days(7);

/// How many replaced invitations an account remembers, to tell "superseded" from "invalid".
const REMEMBERED_SUPERSEDED: usize = 4;

/// A resident account's status (R-STATUS-1).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AccountStatus {
    /// Known, but no welcome email sent yet.
    NotInvited,
    /// The welcome email was sent; the link is valid for 7 days (R-STATUS-2).
    PendingActivation,
    /// The resident activated the account (R-STATUS-3).
    Live,
    /// The link ran out before the resident activated (R-STATUS-4).
    ActivationExpired,
}

impl AccountStatus {
    /// The snake_case name, as the bindings and the CLI show it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a snake_case name.
    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }

    /// Every status.
    pub const ALL: &'static [Self] = <Self as strum::VariantArray>::VARIANTS;
}

impl fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An action on an account, as named in [`Error::InvalidTransition`].
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum AccountAction {
    /// Send (or send again) the welcome email with a new activation link.
    Invite,
    /// Activate with the link's token.
    Activate,
}

impl AccountAction {
    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl fmt::Display for AccountAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is stored; `ActivationExpired` is never stored, it is derived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
enum Stage {
    NotInvited,
    Invited,
    Live,
}

/// The stored half of an activation link: the hash, never the token.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
struct Invitation {
    /// Which invitation of the account this is (1 for the first).
    #[serde(default)]
    number: u32,
    /// The random nonce the token is derived from; no secret by itself.
    #[serde(default)]
    nonce: String,
    token_hash: String,
    issued_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
}

impl fmt::Debug for Invitation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invitation")
            .field("number", &self.number)
            .field("token_hash", &"<redacted>")
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("used_at", &self.used_at)
            .finish()
    }
}

/// A resident's account: its stage and the current activation link's stored half.
///
/// The fields are private so the only way to change an account is a transition method.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Account {
    stage: Stage,
    invitation: Option<Invitation>,
    #[serde(default)]
    superseded_hashes: Vec<String>,
    invitations_sent: u32,
    activated_at: Option<DateTime<Utc>>,
    /// The Argon2id hash of the password set at activation (managed passwords only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    password_hash: Option<PasswordHash>,
}

impl Default for Account {
    fn default() -> Self {
        Self::new()
    }
}

impl Account {
    /// A new account, Not Invited.
    pub fn new() -> Self {
        Self {
            stage: Stage::NotInvited,
            invitation: None,
            superseded_hashes: Vec::new(),
            invitations_sent: 0,
            activated_at: None,
            password_hash: None,
        }
    }

    /// The status at `now`. Pending Activation turns into Activation Expired by itself once
    /// the link's validity has passed.
    pub fn status(&self, now: DateTime<Utc>) -> AccountStatus {
        match self.stage {
            Stage::NotInvited => AccountStatus::NotInvited,
            Stage::Live => AccountStatus::Live,
            Stage::Invited => match &self.invitation {
                Some(inv) if now < inv.expires_at => AccountStatus::PendingActivation,
                _ => AccountStatus::ActivationExpired,
            },
        }
    }

    /// When the current invitation was sent.
    pub fn invited_at(&self) -> Option<DateTime<Utc>> {
        self.invitation.as_ref().map(|i| i.issued_at)
    }

    /// When the current activation link stops working.
    pub fn activation_expires_at(&self) -> Option<DateTime<Utc>> {
        match self.stage {
            Stage::Invited => self.invitation.as_ref().map(|i| i.expires_at),
            _ => None,
        }
    }

    /// When the account went live.
    pub fn activated_at(&self) -> Option<DateTime<Utc>> {
        self.activated_at
    }

    /// How many welcome emails have been sent for this account.
    pub fn invitations_sent(&self) -> u32 {
        self.invitations_sent
    }

    /// Invite (R-STATUS-2) or invite again after expiry (R-STATUS-4): a new link valid for
    /// `validity` from `now`, its token derived from a new nonce with `secret`. Allowed from Not
    /// Invited and Activation Expired, and from Pending Activation only when the pending link
    /// was made with another secret, so that its email can never be sent (see
    /// [`Account::link_is_derivable`]).
    ///
    /// Returns the new token; only its nonce and hash are kept.
    pub fn invite(
        &mut self,
        selector: &str,
        now: DateTime<Utc>,
        validity: Duration,
        secret: &ActivationSecret,
    ) -> Result<ActivationToken> {
        let from = self.status(now);
        let allowed = match from {
            AccountStatus::NotInvited | AccountStatus::ActivationExpired => true,
            AccountStatus::PendingActivation => !self.link_is_derivable(selector, secret),
            AccountStatus::Live => false,
        };
        if !allowed {
            return Err(Error::InvalidTransition {
                from,
                action: AccountAction::Invite,
            });
        }
        let nonce = credentials::new_nonce()?;
        let token = ActivationToken::derive(secret, selector, &nonce);
        if let Some(old) = self.invitation.take() {
            self.superseded_hashes.push(old.token_hash);
            if self.superseded_hashes.len() > REMEMBERED_SUPERSEDED {
                self.superseded_hashes.remove(0);
            }
        }
        self.invitations_sent += 1;
        self.invitation = Some(Invitation {
            number: self.invitations_sent,
            nonce,
            token_hash: token.hash(),
            issued_at: now,
            expires_at: now + validity,
            used_at: None,
        });
        self.stage = Stage::Invited;
        Ok(token)
    }

    /// The number of the current invitation (1 for the first), if there is one.
    pub fn invitation_number(&self) -> Option<u32> {
        self.invitation.as_ref().map(|i| i.number)
    }

    /// Whether `secret` re-creates the current invitation's token (the one whose hash is kept).
    /// False when there is no invitation, or it was made with another secret.
    pub fn link_is_derivable(&self, selector: &str, secret: &ActivationSecret) -> bool {
        self.invitation.as_ref().is_some_and(|inv| {
            !inv.nonce.is_empty()
                && hashes_equal(
                    &ActivationToken::derive(secret, selector, &inv.nonce).hash(),
                    &inv.token_hash,
                )
        })
    }

    /// The token of invitation `number`, re-derived with `secret` to put in its email.
    ///
    /// `Ok(None)`: the email is no longer needed (a newer invitation replaced this one, or its
    /// link was used). An [`Error::Validation`] on `activation_secret`: `secret` does not
    /// re-create the token whose hash is kept (the secret changed since the invitation was
    /// made); inviting again makes a new link.
    pub fn link_token(
        &self,
        selector: &str,
        number: u32,
        secret: &ActivationSecret,
    ) -> Result<Option<ActivationToken>> {
        let Some(inv) = self
            .invitation
            .as_ref()
            .filter(|inv| inv.number == number && inv.used_at.is_none())
        else {
            return Ok(None);
        };
        if !self.link_is_derivable(selector, secret) {
            return Err(Error::invalid(
                "activation_secret",
                "does not re-create this invitation's link: the activation secret changed since \
                 it was made (restore the previous secret, or invite the resident again)",
            ));
        }
        Ok(Some(ActivationToken::derive(secret, selector, &inv.nonce)))
    }

    /// Checks what [`Account::activate`] checks, changing nothing: `token` is the current,
    /// unused, unexpired link, and the account is Pending Activation. Refuses an expired, used,
    /// superseded or unknown token with [`Error::TokenRejected`], and any status but Pending
    /// Activation with [`Error::InvalidTransition`] (R-STATUS-5).
    pub fn check_activation(&self, token: &str, now: DateTime<Utc>) -> Result<()> {
        let presented = hash_token(token);
        let rejected = |reason| Err(Error::TokenRejected { reason });
        let Some(inv) = &self.invitation else {
            return rejected(TokenRejection::Invalid);
        };
        if !hashes_equal(&presented, &inv.token_hash) {
            let superseded = self
                .superseded_hashes
                .iter()
                .any(|h| hashes_equal(&presented, h));
            return rejected(if superseded {
                TokenRejection::Superseded
            } else {
                TokenRejection::Invalid
            });
        }
        if inv.used_at.is_some() {
            return rejected(TokenRejection::AlreadyUsed);
        }
        let from = self.status(now);
        match from {
            AccountStatus::PendingActivation => Ok(()),
            AccountStatus::ActivationExpired => rejected(TokenRejection::Expired),
            AccountStatus::NotInvited | AccountStatus::Live => Err(Error::InvalidTransition {
                from,
                action: AccountAction::Activate,
            }),
        }
    }

    /// Activate with the link's token (R-STATUS-3), keeping the password's hash when Concierge
    /// keeps passwords (`None` when the host's identity provider does). Refuses what
    /// [`Account::check_activation`] refuses; a refused call changes nothing. The token works
    /// once.
    pub fn activate(
        &mut self,
        token: &str,
        password: Option<PasswordHash>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.check_activation(token, now)?;
        if let Some(inv) = &mut self.invitation {
            inv.used_at = Some(now);
        }
        self.stage = Stage::Live;
        self.activated_at = Some(now);
        self.password_hash = password;
        Ok(())
    }

    /// Whether `password` is the one set at activation. False when none was set (the account is
    /// not live, or its passwords are kept by the host's identity provider).
    pub fn verify_password(&self, password: &str) -> bool {
        self.password_hash
            .as_ref()
            .is_some_and(|h| h.verify(password))
    }

    /// Whether a password was set at activation.
    pub fn has_password(&self) -> bool {
        self.password_hash.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn secret() -> ActivationSecret {
        ActivationSecret::from_bytes(b"a test secret of at least 32 bytes!".to_vec()).unwrap()
    }

    fn t0() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-05T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    // R-STATUS-1
    #[test]
    fn a_new_account_is_not_invited() {
        assert_eq!(Account::new().status(t0()), AccountStatus::NotInvited);
    }

    // R-STATUS-2, R-STATUS-3
    #[test]
    fn invite_then_activate_within_seven_days_goes_live() {
        let mut a = Account::new();
        let token = a
            .invite("res_1", t0(), DEFAULT_ACTIVATION_VALIDITY, &secret())
            .unwrap();
        assert_eq!(a.status(t0()), AccountStatus::PendingActivation);
        let later = t0() + Duration::days(6) + Duration::hours(23);
        assert_eq!(a.status(later), AccountStatus::PendingActivation);
        a.activate(token.expose(), None, later).unwrap();
        assert_eq!(a.status(later), AccountStatus::Live);
        assert_eq!(a.activated_at(), Some(later));
    }

    // R-STATUS-4
    #[test]
    fn pending_expires_after_seven_days_without_a_sweep_and_can_be_reinvited() {
        let mut a = Account::new();
        let old = a
            .invite("res_1", t0(), DEFAULT_ACTIVATION_VALIDITY, &secret())
            .unwrap();
        let expired_at = t0() + Duration::days(7);
        assert_eq!(a.status(expired_at), AccountStatus::ActivationExpired);
        let err = a.activate(old.expose(), None, expired_at).unwrap_err();
        assert!(matches!(
            err,
            Error::TokenRejected {
                reason: TokenRejection::Expired
            }
        ));
        let new = a
            .invite("res_1", expired_at, DEFAULT_ACTIVATION_VALIDITY, &secret())
            .unwrap();
        assert_eq!(a.status(expired_at), AccountStatus::PendingActivation);
        assert_eq!(a.invitations_sent(), 2);
        let err = a.activate(old.expose(), None, expired_at).unwrap_err();
        assert!(matches!(
            err,
            Error::TokenRejected {
                reason: TokenRejection::Superseded
            }
        ));
        a.activate(new.expose(), None, expired_at + Duration::days(1))
            .unwrap();
        assert_eq!(
            a.status(expired_at + Duration::days(1)),
            AccountStatus::Live
        );
    }

    // R-STATUS-5
    #[test]
    fn other_transitions_are_refused_naming_status_and_action_and_change_nothing() {
        let mut a = Account::new();
        let token = a
            .invite("res_1", t0(), DEFAULT_ACTIVATION_VALIDITY, &secret())
            .unwrap();
        let before = a.clone();
        let err = a
            .invite("res_1", t0(), DEFAULT_ACTIVATION_VALIDITY, &secret())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot invite an account that is pending_activation"
        );
        assert_eq!(a, before);
        a.activate(token.expose(), None, t0()).unwrap();
        let err = a
            .invite("res_1", t0(), DEFAULT_ACTIVATION_VALIDITY, &secret())
            .unwrap_err();
        assert_eq!(err.to_string(), "cannot invite an account that is live");
    }

    // R-STATUS-5
    #[test]
    fn a_used_token_is_refused_the_second_time() {
        let mut a = Account::new();
        let token = a
            .invite("res_1", t0(), DEFAULT_ACTIVATION_VALIDITY, &secret())
            .unwrap();
        a.activate(token.expose(), None, t0()).unwrap();
        let err = a.activate(token.expose(), None, t0()).unwrap_err();
        assert!(matches!(
            err,
            Error::TokenRejected {
                reason: TokenRejection::AlreadyUsed
            }
        ));
    }

    // R-STATUS-5
    #[test]
    fn tokens_are_unguessable_hashed_and_never_printed() {
        let mut a = Account::new();
        let t1 = a
            .invite("res_1", t0(), DEFAULT_ACTIVATION_VALIDITY, &secret())
            .unwrap();
        let mut b = Account::new();
        let t2 = b
            .invite("res_1", t0(), DEFAULT_ACTIVATION_VALIDITY, &secret())
            .unwrap();
        assert_ne!(t1.expose(), t2.expose());
        let verifier = t1.expose().rsplit_once('.').unwrap().1;
        // 32 bytes of randomness, base64url without padding.
        assert_eq!(verifier.len(), 43);
        assert_eq!(t1.selector(), Some("res_1"));
        let stored = serde_json::to_string(&a).unwrap();
        assert!(
            !stored.contains(verifier),
            "the store must hold only the hash"
        );
        assert!(!format!("{a:?}").contains(verifier));
        assert_eq!(format!("{t1:?}"), "ActivationToken(<redacted>)");
        let wrong = format!("res_1.{}", "A".repeat(43));
        assert!(matches!(
            a.activate(&wrong, None, t0()).unwrap_err(),
            Error::TokenRejected {
                reason: TokenRejection::Invalid
            }
        ));
    }

    // R-STATUS-5: the link is re-created from the stored nonce only with the same secret.
    #[test]
    fn the_link_is_re_derived_with_the_secret_and_a_changed_secret_is_a_configuration_error() {
        let mut a = Account::new();
        let sent = a
            .invite("res_1", t0(), DEFAULT_ACTIVATION_VALIDITY, &secret())
            .unwrap();
        assert_eq!(a.invitation_number(), Some(1));
        let again = a.link_token("res_1", 1, &secret()).unwrap().unwrap();
        assert_eq!(again, sent);
        assert!(a.link_token("res_1", 2, &secret()).unwrap().is_none());
        let other = ActivationSecret::random().unwrap();
        let err = a.link_token("res_1", 1, &other).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Validation);
        assert!(err.to_string().contains("activation_secret"), "{err}");
        // Pending, but its email can never be sent with this secret: inviting again is allowed,
        // and with the secret that made the link it is refused (R-STATUS-5).
        let err = a
            .invite("res_1", t0(), DEFAULT_ACTIVATION_VALIDITY, &secret())
            .unwrap_err();
        assert!(matches!(err, Error::InvalidTransition { .. }));
        let new = a
            .invite("res_1", t0(), DEFAULT_ACTIVATION_VALIDITY, &other)
            .unwrap();
        assert_eq!(a.invitation_number(), Some(2));
        assert_eq!(a.link_token("res_1", 2, &other).unwrap().unwrap(), new);
        assert!(matches!(
            a.activate(sent.expose(), None, t0()).unwrap_err(),
            Error::TokenRejected {
                reason: TokenRejection::Superseded
            }
        ));
        a.activate(new.expose(), None, t0()).unwrap();
        assert!(a.link_token("res_1", 2, &other).unwrap().is_none(), "used");
    }

    // R-STATUS-3
    #[test]
    fn activation_keeps_only_the_password_hash() {
        let mut a = Account::new();
        let token = a
            .invite("res_1", t0(), DEFAULT_ACTIVATION_VALIDITY, &secret())
            .unwrap();
        assert!(!a.verify_password("correct horse battery"));
        let hash = PasswordHash::create(&secrecy::SecretString::from(
            "correct horse battery".to_owned(),
        ))
        .unwrap();
        a.activate(token.expose(), Some(hash), t0()).unwrap();
        assert!(a.has_password());
        assert!(a.verify_password("correct horse battery"));
        assert!(!a.verify_password("wrong horse battery"));
        let stored = serde_json::to_string(&a).unwrap();
        assert!(stored.contains("$argon2id$"));
        assert!(!stored.contains("correct horse"));
        assert!(!format!("{a:?}").contains("argon2"));
    }

    #[derive(Clone, Debug)]
    enum Op {
        Invite,
        ActivateCurrent,
        ActivateOldest,
        ActivateGarbage,
        Advance(i64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => Just(Op::Invite),
            3 => Just(Op::ActivateCurrent),
            1 => Just(Op::ActivateOldest),
            1 => Just(Op::ActivateGarbage),
            3 => (1i64..(24 * 9)).prop_map(Op::Advance),
        ]
    }

    proptest! {
        // R-STATUS-1..5: no sequence of actions reaches a state the spec forbids.
        #[test]
        fn no_sequence_of_actions_reaches_a_forbidden_state(ops in proptest::collection::vec(op(), 1..40)) {
            let validity = DEFAULT_ACTIVATION_VALIDITY;
            let mut now = t0();
            let mut account = Account::new();
            let mut tokens: Vec<ActivationToken> = Vec::new();
            let mut went_live_at: Option<DateTime<Utc>> = None;
            for op in ops {
                let before = account.clone();
                let status_before = account.status(now);
                let result = match &op {
                    Op::Invite => account.invite("res_x", now, validity, &secret()).map(|t| tokens.push(t)),
                    Op::ActivateCurrent => match tokens.last() {
                        Some(t) => account.activate(t.expose(), None, now),
                        None => account.activate("res_x.AAAAAAAAAAAAAAAAAAAAAAAAAAAA", None, now),
                    },
                    Op::ActivateOldest => match tokens.first() {
                        Some(t) => account.activate(t.expose(), None, now),
                        None => Ok(()),
                    },
                    Op::ActivateGarbage => account.activate("garbage", None, now),
                    Op::Advance(h) => { now += Duration::hours(*h); Ok(()) }
                };
                let status_after = account.status(now);
                match (&op, &result) {
                    (_, Err(_)) => prop_assert_eq!(&account, &before, "a refused action changed the account"),
                    (Op::Invite, Ok(())) => {
                        prop_assert!(matches!(status_before, AccountStatus::NotInvited | AccountStatus::ActivationExpired));
                        prop_assert_eq!(status_after, AccountStatus::PendingActivation);
                    }
                    (Op::ActivateCurrent | Op::ActivateOldest, Ok(())) if !matches!(op, Op::ActivateOldest) || tokens.len() == 1 => {
                        prop_assert_eq!(status_before, AccountStatus::PendingActivation);
                        prop_assert_eq!(status_after, AccountStatus::Live);
                        went_live_at = Some(now);
                    }
                    (Op::ActivateOldest, Ok(())) => prop_assert_eq!(tokens.len(), 0),
                    (Op::ActivateGarbage, Ok(())) => prop_assert!(false, "garbage token accepted"),
                    _ => {}
                }
                // Live is final, and only reached by activating.
                if went_live_at.is_some() {
                    prop_assert_eq!(status_after, AccountStatus::Live);
                } else {
                    prop_assert_ne!(status_after, AccountStatus::Live);
                }
                // Pending and Expired follow from the invitation time alone.
                if let Some(invited) = account.invited_at() {
                    if went_live_at.is_none() {
                        let expected = if now < invited + validity { AccountStatus::PendingActivation } else { AccountStatus::ActivationExpired };
                        prop_assert_eq!(status_after, expected);
                    }
                } else {
                    prop_assert_eq!(status_after, AccountStatus::NotInvited);
                }
            }
        }
    }
}
