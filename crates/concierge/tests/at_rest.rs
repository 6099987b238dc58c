//! Nothing secret rests in the database: not the activation token (outbox included) nor the
//! password, byte for byte in the SQLite files; the activation secret lives in a key file beside
//! the database, and a changed secret parks the welcome email with a configuration error
//! (R-STATUS-5, R-SDK-2).

#![cfg(all(feature = "sandbox", feature = "sqlite"))]

use chrono::Duration;
use concierge::sandbox::Sandbox;
use concierge::store::SqliteStore;
use concierge::*;
use std::path::Path;

const PASSWORD: &str = "canary-Pa55word-at-rest-9e1f";

/// Every byte of the database's files: the database, its write-ahead log and shared memory.
fn database_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        if let Ok(bytes) = std::fs::read(dir.join(format!("concierge.db{suffix}"))) {
            all.extend(bytes);
        }
    }
    assert!(!all.is_empty(), "no database files");
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

async fn open(dir: &Path, sandbox: &Sandbox, secret: Option<ActivationSecret>) -> Concierge {
    let store = SqliteStore::open(dir.join("concierge.db")).await.unwrap();
    let mut builder = Concierge::builder().sandbox(sandbox).store(store);
    if let Some(secret) = secret {
        builder = builder.activation_secret(secret);
    }
    builder.build().unwrap()
}

async fn place(c: &Concierge, admin: &Admin) -> Unit {
    let p = c
        .register_property(admin, NewProperty::new("Harbour View", "harbour-view"))
        .await
        .unwrap();
    let b = c
        .register_building(admin, NewBuilding::new(&p.id, "Tower A"))
        .await
        .unwrap();
    c.register_unit(admin, NewUnit::new(&b.id, "1204"))
        .await
        .unwrap()
}

// R-STATUS-5, R-SDK-2
#[tokio::test]
async fn neither_the_token_nor_the_password_is_ever_in_the_database_files() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::new(11);
    let admin = Admin::full_access("desk-1", "Front desk");
    let c = open(dir.path(), &sandbox, None).await;
    let unit = place(&c, &admin).await;

    // The mailer is down: the welcome email waits in the outbox, retrying.
    sandbox
        .faults()
        .fail_times("send", ProviderErrorKind::Unavailable, 1000);
    let ada = c
        .move_in(
            &admin,
            MoveIn::new(&unit.id, "Ada", "Lovelace")
                .email("ada@example.org")
                .send_mobile_activation(true),
        )
        .await
        .unwrap();
    sandbox.clock().advance(Duration::minutes(5));
    let report = c.dispatch_outbox().await.unwrap();
    assert_eq!((report.delivered, report.retrying), (0, 1));
    let waiting = c
        .list_outbox(&admin, OutboxStatus::Pending, PageRequest::first())
        .await
        .unwrap()
        .items;
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].attempts, 2);
    c.close().await;
    let while_waiting = database_bytes(dir.path());

    // The key file is beside the database, owner-only.
    let key_file = dir.path().join("concierge.db.activation-key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }

    // The mailer is back; another process (another handle on the same files, the secret from
    // the key file) delivers.
    sandbox.faults().clear();
    let c = open(dir.path(), &sandbox, None).await;
    sandbox.clock().advance(Duration::hours(2));
    assert_eq!(c.dispatch_outbox().await.unwrap().delivered, 1);
    let [email] = sandbox.mailer().sent().try_into().unwrap();
    let token = email.activation_token().unwrap();
    let verifier = token.rsplit_once('.').unwrap().1.to_owned();
    assert!(token.starts_with(ada.id.as_str()));
    assert!(email.html_body.as_deref().unwrap().contains("Activate it"));
    c.close().await;
    let after_delivery = database_bytes(dir.path());
    for (when, bytes) in [
        ("while the email waited", &while_waiting),
        ("after delivery", &after_delivery),
    ] {
        assert!(!contains(bytes, &token), "the token is in the files {when}");
        assert!(
            !contains(bytes, &verifier),
            "the verifier is in the files {when}"
        );
    }
    let key = std::fs::read_to_string(&key_file).unwrap();
    assert!(
        !contains(&after_delivery, key.trim()),
        "the key is in the db"
    );

    // The link in the delivered email activates the account, with a password (R-STATUS-3).
    let c = open(dir.path(), &sandbox, None).await;
    let live = c
        .activate(
            Activation::new(&token)
                .accept_terms(true)
                .password(PASSWORD),
        )
        .await
        .unwrap();
    assert_eq!(live.status(c.now()), AccountStatus::Live);
    assert!(live.account.verify_password(PASSWORD));
    assert!(!format!("{live:?}").contains(PASSWORD));
    // Used once: refused the second time (R-STATUS-5).
    let again = c
        .activate(
            Activation::new(&token)
                .accept_terms(true)
                .password(PASSWORD),
        )
        .await
        .unwrap_err();
    assert!(!format!("{again} {again:?}").contains(PASSWORD));
    c.close().await;
    let after_activation = database_bytes(dir.path());
    assert!(
        contains(&after_activation, "$argon2id$"),
        "the hash is kept"
    );
    assert!(
        !contains(&after_activation, PASSWORD),
        "the password is in the files"
    );
    assert!(
        !contains(&after_activation, &verifier),
        "the token is in the files"
    );
}

// R-STATUS-5
#[tokio::test]
async fn a_changed_secret_parks_the_email_with_a_configuration_error_and_inviting_again_fixes_it() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = Sandbox::new(12);
    let admin = Admin::full_access("desk-1", "Front desk");
    let first = ActivationSecret::random().unwrap();
    let c = open(dir.path(), &sandbox, Some(first)).await;
    let unit = place(&c, &admin).await;
    sandbox
        .faults()
        .fail_next("send", ProviderErrorKind::Unavailable);
    let ada = c
        .move_in(
            &admin,
            MoveIn::new(&unit.id, "Ada", "Lovelace")
                .email("ada@example.org")
                .send_mobile_activation(true),
        )
        .await
        .unwrap();
    c.close().await;

    // Opened again with another secret: the queued link cannot be made.
    let c = open(
        dir.path(),
        &sandbox,
        Some(ActivationSecret::random().unwrap()),
    )
    .await;
    sandbox.clock().advance(Duration::hours(1));
    let report = c.dispatch_outbox().await.unwrap();
    assert_eq!((report.delivered, report.parked), (0, 1));
    assert!(sandbox.mailer().sent().is_empty());
    let parked = c
        .list_outbox(&admin, OutboxStatus::Parked, PageRequest::first())
        .await
        .unwrap()
        .items;
    let error = parked[0].last_error.as_deref().unwrap();
    assert!(error.contains("activation secret changed"), "{error}");
    assert_eq!(
        c.account_status(&admin, &ada.id).await.unwrap(),
        AccountStatus::PendingActivation
    );

    // Inviting again makes a new link with the secret in use, and it is sent.
    let again = c.invite(&admin, &ada.id).await.unwrap();
    assert_eq!(again.account.invitations_sent(), 2);
    let token = sandbox
        .mailer()
        .last_activation_token("ada@example.org")
        .unwrap();
    c.activate(
        Activation::new(token)
            .accept_terms(true)
            .password("correct horse battery staple"),
    )
    .await
    .unwrap();
    // R-STATUS-3
    assert_eq!(
        c.account_status(&admin, &ada.id).await.unwrap(),
        AccountStatus::Live
    );
}
