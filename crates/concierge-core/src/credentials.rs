//! Activation links' tokens: the secret they are derived from, their derivation, and the hash
//! that is all a store keeps of them.
//!
//! A token is `<resident id>.<base64url(HMAC-SHA256(secret, resident id || 0x00 || nonce))>`.
//! The nonce is 32 random bytes stored with the invitation (it is no secret by itself); the
//! [`ActivationSecret`] never is stored with the data. So nothing in the database, the outbox
//! included, is enough to make a link: the dispatcher re-derives the token at sending time, and
//! checks it against the stored SHA-256 hash (a changed secret no longer matches).

use crate::error::{Error, Result, StoreError};
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

/// The shortest secret accepted, in bytes: a shorter one could be guessed.
pub const MIN_ACTIVATION_SECRET_LEN: usize = 32;

/// The key activation tokens are derived with. Secret: `Debug` prints `<redacted>`.
#[derive(Clone)]
pub struct ActivationSecret(std::sync::Arc<SecretBox<Vec<u8>>>);

impl ActivationSecret {
    /// A secret from its bytes. Refused (VALIDATION on `activation_secret`) when shorter than
    /// [`MIN_ACTIVATION_SECRET_LEN`].
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        if bytes.len() < MIN_ACTIVATION_SECRET_LEN {
            return Err(Error::invalid(
                "activation_secret",
                format!("must be at least {MIN_ACTIVATION_SECRET_LEN} bytes long"),
            ));
        }
        Ok(Self(std::sync::Arc::new(SecretBox::new(Box::new(bytes)))))
    }

    /// A secret from text (its UTF-8 bytes), as given in the settings.
    pub fn from_text(text: &SecretString) -> Result<Self> {
        Self::from_bytes(text.expose_secret().as_bytes().to_vec())
    }

    /// 32 bytes from the operating system's random source.
    pub fn random() -> Result<Self> {
        Self::from_bytes(random_bytes::<32>()?.to_vec())
    }

    /// The secret as text fit for a key file: base64url of its bytes.
    pub fn to_text(&self) -> SecretString {
        SecretString::from(b64(self.0.expose_secret()))
    }

    /// A secret from the text of a key file ([`ActivationSecret::to_text`]).
    pub fn from_key_file_text(text: &str) -> Result<Self> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text.trim())
            .map_err(|_| Error::invalid("activation_secret", "the key file is not base64url"))?;
        Self::from_bytes(bytes)
    }

    /// Seals `value` for storage under `name`: ChaCha20-Poly1305 with a key derived from this
    /// secret for sealing only, a random nonce, and `name` as associated data (a sealed value
    /// moved to another name does not open). The result is base64url text.
    pub fn seal(&self, name: &str, value: &SecretString) -> Result<String> {
        use chacha20poly1305::aead::{Aead, KeyInit as _, Payload};
        let cipher = chacha20poly1305::ChaCha20Poly1305::new_from_slice(&self.sealing_key())
            .expect("a 32-byte key");
        let nonce = random_bytes::<12>()?;
        let sealed = cipher
            .encrypt(
                chacha20poly1305::Nonce::from_slice(&nonce),
                Payload {
                    msg: value.expose_secret().as_bytes(),
                    aad: name.as_bytes(),
                },
            )
            .map_err(|_| {
                Error::Store(StoreError::Corrupt {
                    message: format!("secret {name} could not be sealed"),
                })
            })?;
        let mut out = nonce.to_vec();
        out.extend(sealed);
        Ok(b64(&out))
    }

    /// Opens what [`ActivationSecret::seal`] sealed under `name`; refused (a store error) when
    /// it was sealed with another secret or under another name, or was altered.
    pub fn open(&self, name: &str, sealed: &str) -> Result<SecretString> {
        use chacha20poly1305::aead::{Aead, KeyInit as _, Payload};
        let corrupt = || {
            Error::Store(StoreError::Corrupt {
                message: format!(
                    "secret {name} does not open with this handle's activation secret \
                     (another secret, or altered)"
                ),
            })
        };
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(sealed)
            .map_err(|_| corrupt())?;
        if bytes.len() < 12 {
            return Err(corrupt());
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let cipher = chacha20poly1305::ChaCha20Poly1305::new_from_slice(&self.sealing_key())
            .expect("a 32-byte key");
        let plain = cipher
            .decrypt(
                chacha20poly1305::Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: name.as_bytes(),
                },
            )
            .map_err(|_| corrupt())?;
        String::from_utf8(plain)
            .map(SecretString::from)
            .map_err(|_| corrupt())
    }

    /// The sealing key: HMAC-SHA256 of a fixed label under the secret, so it differs from
    /// every token's MAC.
    fn sealing_key(&self) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.expose_secret())
            .expect("HMAC takes a key of any length");
        mac.update(b"concierge sealing key v1");
        mac.finalize().into_bytes().into()
    }

    fn derive(&self, selector: &str, nonce: &str) -> String {
        // The key length is never refused by HMAC.
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.0.expose_secret())
            .expect("HMAC takes a key of any length");
        mac.update(selector.as_bytes());
        mac.update(&[0]);
        mac.update(nonce.as_bytes());
        b64(&mac.finalize().into_bytes())
    }
}

impl fmt::Debug for ActivationSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ActivationSecret(<redacted>)")
    }
}

/// A raw activation token. Secret: `Debug` and `Display` print `<redacted>`; read it with
/// [`ActivationToken::expose`] only to put it in the email. It cannot be serialised.
#[derive(Clone)]
pub struct ActivationToken(SecretString);

impl ActivationToken {
    /// The token of `selector`'s invitation with `nonce`, under `secret`.
    pub fn derive(secret: &ActivationSecret, selector: &str, nonce: &str) -> Self {
        Self(SecretString::from(format!(
            "{selector}.{}",
            secret.derive(selector, nonce)
        )))
    }

    /// Wraps a token received from a resident.
    pub fn from_string(token: impl Into<String>) -> Self {
        Self(SecretString::from(token.into()))
    }

    /// The token text.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// The selector part (the resident id), if the token is well formed.
    pub fn selector(&self) -> Option<&str> {
        selector_of(self.expose())
    }

    /// The SHA-256 hash of the token, in hex: what a store keeps.
    pub fn hash(&self) -> String {
        hash_token(self.expose())
    }
}

impl fmt::Debug for ActivationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ActivationToken(<redacted>)")
    }
}

impl fmt::Display for ActivationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl PartialEq for ActivationToken {
    fn eq(&self, other: &Self) -> bool {
        hashes_equal(self.expose(), other.expose())
    }
}

/// The selector of a token (`<selector>.<verifier>`), if it has that shape.
pub fn selector_of(token: &str) -> Option<&str> {
    let (selector, verifier) = token.rsplit_once('.')?;
    (!selector.is_empty() && verifier.len() >= 22).then_some(selector)
}

/// A new invitation nonce: 32 random bytes, base64url.
pub(crate) fn new_nonce() -> Result<String> {
    Ok(b64(&random_bytes::<32>()?))
}

pub(crate) fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn hashes_equal(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| {
        Error::Store(StoreError::Unavailable {
            message: format!("the operating system's random source failed: {e}"),
        })
    })?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_depends_on_secret_selector_and_nonce_and_is_never_printed() {
        let s1 = ActivationSecret::random().unwrap();
        let s2 = ActivationSecret::random().unwrap();
        let t = ActivationToken::derive(&s1, "res_1", "n1");
        assert_eq!(t, ActivationToken::derive(&s1, "res_1", "n1"));
        assert_ne!(t, ActivationToken::derive(&s2, "res_1", "n1"));
        assert_ne!(t, ActivationToken::derive(&s1, "res_2", "n1"));
        assert_ne!(t, ActivationToken::derive(&s1, "res_1", "n2"));
        assert_eq!(t.selector(), Some("res_1"));
        // HMAC-SHA256: 32 bytes, base64url without padding.
        assert_eq!(t.expose().rsplit_once('.').unwrap().1.len(), 43);
        assert_eq!(
            format!("{t:?} {t}"),
            "ActivationToken(<redacted>) <redacted>"
        );
        assert_eq!(format!("{s1:?}"), "ActivationSecret(<redacted>)");
    }

    #[test]
    fn a_secret_round_trips_through_its_key_file_text_and_a_short_one_is_refused() {
        let s = ActivationSecret::random().unwrap();
        let back = ActivationSecret::from_key_file_text(s.to_text().expose_secret()).unwrap();
        let t = |s: &ActivationSecret| ActivationToken::derive(s, "res_1", "n");
        assert_eq!(t(&s), t(&back));
        let err = ActivationSecret::from_text(&SecretString::from("short")).unwrap_err();
        assert_eq!(err.code(), crate::ErrorCode::Validation);
        assert!(!err.to_string().contains("short"));
    }
}

#[cfg(test)]
mod sealing {
    use super::*;

    fn secret(byte: u8) -> ActivationSecret {
        ActivationSecret::from_bytes(vec![byte; 32]).expect("long enough")
    }

    #[test]
    fn a_sealed_value_opens_under_its_name_and_secret_only_and_holds_no_clear_text() {
        let canary = SecretString::from("refresh-CANARY-7f3a".to_owned());
        let sealed = secret(1).seal("bmx/client", &canary).expect("sealed");
        assert!(!sealed.contains("CANARY"));
        assert_ne!(
            sealed,
            secret(1).seal("bmx/client", &canary).expect("sealed")
        );
        let opened = secret(1).open("bmx/client", &sealed).expect("opens");
        assert_eq!(opened.expose_secret(), "refresh-CANARY-7f3a");
        assert!(secret(2).open("bmx/client", &sealed).is_err());
        assert!(secret(1).open("bmx/other", &sealed).is_err());
        let mut altered = sealed.into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).expect("text");
        assert!(secret(1).open("bmx/client", &altered).is_err());
    }
}
