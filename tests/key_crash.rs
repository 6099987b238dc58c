//! A process killed while writing keys never leaves two keys for one intent (R-KEY-4): after a
//! restart, `reconcile_keys` asks the lock system what became of each recorded intent and every
//! key ends up written exactly once.
//!
//! The lock system must outlive the process, so this test's encoder keeps what it wrote in a file
//! (an append-only, fsynced log of idempotency key → key), as a real lock system keeps it on its
//! server. The test re-runs its own binary as a child that moves residents in and makes their keys
//! one after another; the parent kills it with SIGKILL at a random point, 50 times
//! (`KEY_CRASH_ITERATIONS`), and checks after each restart.

use async_trait::async_trait;
use concierge::store::SqliteStore;
use concierge::*;
use concierge_core::{IntentStatus, KeyQuery};
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

const CHILD_ENV: &str = "CONCIERGE_KEY_CRASH_CHILD";

/// A key encoder whose written keys survive the process: one line per key, fsynced.
#[derive(Debug)]
struct FileEncoder {
    path: PathBuf,
    write_time: Duration,
    lock: Mutex<()>,
}

impl FileEncoder {
    fn written(&self) -> HashMap<String, Vec<String>> {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        if let Ok(text) = std::fs::read_to_string(&self.path) {
            // Only whole records count: a line torn by a kill mid-write was never written.
            for line in text.split_inclusive('\n').filter(|l| l.ends_with('\n')) {
                let mut parts = line.split_whitespace();
                if let (Some(intent), Some(key), None) = (parts.next(), parts.next(), parts.next())
                    && intent.starts_with("encode.")
                    && key.starts_with("card-")
                {
                    map.entry(intent.to_owned())
                        .or_default()
                        .push(key.to_owned());
                }
            }
        }
        map
    }
}

#[async_trait]
impl KeyEncoder for FileEncoder {
    fn name(&self) -> &str {
        "file-lock"
    }

    async fn list_encoders(&self, _: ListEncodersRequest) -> ProviderResult<ListEncodersResponse> {
        Ok(ListEncodersResponse {
            encoders: vec![EncoderInfo {
                external: ExternalRef::new("file-lock", "enc-1"),
                name: "Encoder".into(),
                online: true,
                initialized: true,
            }],
        })
    }

    async fn encode_key(&self, req: EncodeKeyRequest) -> ProviderResult<EncodeKeyResponse> {
        if let Some(existing) = self
            .written()
            .get(&req.idempotency_key)
            .and_then(|v| v.first())
        {
            return Ok(EncodeKeyResponse {
                key: ExternalRef::new("file-lock", existing.clone()),
            });
        }
        // The card is on the encoder for a while: a kill here leaves nothing written.
        tokio::time::sleep(self.write_time).await;
        let _guard = self.lock.lock().unwrap();
        let key = format!("card-{}", KeyId::new());
        let torn = std::fs::read(&self.path).is_ok_and(|b| b.last().is_some_and(|c| *c != b'\n'));
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .unwrap();
        let record = format!(
            "{}{} {key}\n",
            if torn { "\n" } else { "" },
            req.idempotency_key
        );
        file.write_all(record.as_bytes()).unwrap();
        file.sync_all().unwrap();
        Ok(EncodeKeyResponse {
            key: ExternalRef::new("file-lock", key),
        })
    }

    async fn key_state(&self, req: KeyStateRequest) -> ProviderResult<KeyStateResponse> {
        let found = req
            .idempotency_key
            .and_then(|k| self.written().get(&k).and_then(|v| v.first().cloned()));
        Ok(match found {
            Some(key) => KeyStateResponse {
                key: Some(ExternalRef::new("file-lock", key)),
                state: EncoderKeyState::Active,
            },
            None => KeyStateResponse {
                key: None,
                state: EncoderKeyState::NotAssigned,
            },
        })
    }

    async fn cancel_key(&self, _: CancelKeyRequest) -> ProviderResult<()> {
        Ok(())
    }
}

async fn open(
    dir: &std::path::Path,
    write_time: Duration,
) -> (Concierge, std::sync::Arc<FileEncoder>) {
    let encoder = std::sync::Arc::new(FileEncoder {
        path: dir.join("lock-system.log"),
        write_time,
        lock: Mutex::new(()),
    });
    let c = Concierge::builder()
        .store(SqliteStore::open(dir.join("concierge.db")).await.unwrap())
        .mailer(concierge::sandbox::SandboxMailer::new(Default::default()))
        .key_encoder(encoder.clone())
        .build()
        .unwrap();
    (c, encoder)
}

/// The child: residents and their keys, one after another, until killed.
#[tokio::test]
#[ignore = "run by the crash test as a child process"]
async fn key_crash_child() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(dir);
    let (c, _) = open(&dir, Duration::from_millis(15)).await;
    let admin = Admin::full_access("desk-1", "desk");
    let unit = c.list_properties(&admin).await.unwrap();
    let property = &unit[0];
    let unit = c.list_units(&admin, &property.id).await.unwrap().remove(0);
    println!("\nREADY");
    for n in 0.. {
        let r = c
            .move_in(
                &admin,
                MoveIn::new(&unit.id, format!("R{}x{n}", std::process::id()), "Crash"),
            )
            .await
            .unwrap();
        // Some writes are retried by the child itself before the kill lands: same intent.
        let key = c
            .make_key(&admin, MakeKey::resident(&r.id, "enc-1"))
            .await
            .unwrap();
        println!("\nKEY {} {}", r.id, key.id);
    }
}

// R-KEY-4
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_written_while_the_process_is_killed_at_random_points_exist_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    {
        let (c, _) = open(dir.path(), Duration::from_millis(3)).await;
        let admin = Admin::full_access("desk-1", "desk");
        let p = c
            .register_property(&admin, NewProperty::new("Crash", "crash"))
            .await
            .unwrap();
        let b = c
            .register_building(&admin, NewBuilding::new(&p.id, "A"))
            .await
            .unwrap();
        c.register_unit(&admin, NewUnit::new(&b.id, "1"))
            .await
            .unwrap();
        c.close().await;
    }
    let iterations: usize = std::env::var("KEY_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let exe = std::env::current_exe().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(std::process::id() as u64);
    let mut reconciled_total = 0;
    let mut acked_total = 0;
    for round in 0..iterations {
        let mut child = Command::new(&exe)
            .args([
                "key_crash_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        loop {
            match rx.recv_timeout(Duration::from_secs(30)) {
                Ok(line) if line == "READY" => break,
                Ok(_) => {}
                Err(_) => panic!("round {round}: the child never started"),
            }
        }
        std::thread::sleep(Duration::from_millis(rng.random_range(20..400)));
        child.kill().unwrap();
        child.wait().unwrap();
        reader.join().unwrap();
        acked_total += rx.try_iter().filter(|l| l.starts_with("KEY ")).count();

        // Restart: settle what the killed process left unfinished. Read everything, close the
        // store, then judge (a failed check must not leave a pool open).
        let (c, encoder) = open(dir.path(), Duration::from_millis(1)).await;
        let settled = c.reconcile_keys().await;
        let unsettled = c
            .store()
            .list_intents(IntentStatus::Recorded)
            .await
            .map(|v| v.len());
        let admin = Admin::full_access("desk-1", "desk");
        let property = c.list_properties(&admin).await.map(|p| p[0].id.clone());
        let keys = match &property {
            Ok(p) => match c.list_units(&admin, p).await {
                Ok(units) => c
                    .store()
                    .list_keys(&KeyQuery::new(None, Some(&units[0].id)))
                    .await
                    .map_err(Error::from),
                Err(e) => Err(e),
            },
            Err(e) => Err(e.clone()),
        };
        c.close().await;
        let written = encoder.written();
        reconciled_total += settled.expect("reconcile");
        assert_eq!(
            unsettled.expect("intents"),
            0,
            "round {round}: an intent is unsettled"
        );
        for (intent, keys) in &written {
            assert_eq!(
                keys.len(),
                1,
                "round {round}: intent {intent} wrote {} keys",
                keys.len()
            );
        }
        let keys = keys.expect("keys");
        let mut per_holder: HashMap<String, usize> = HashMap::new();
        for k in &keys {
            assert_eq!(
                k.state,
                KeyState::Active,
                "round {round}: key {} left {:?}",
                k.id,
                k.state
            );
            *per_holder.entry(k.holder.to_string()).or_default() += 1;
            let written_for = written
                .get(&format!("encode.{}", k.id))
                .expect("the lock system has the key");
            assert_eq!(
                Some(&written_for[0]),
                k.external.as_ref().map(|e| &e.id),
                "round {round}: store and lock system disagree"
            );
        }
        assert!(
            per_holder.values().all(|n| *n == 1),
            "round {round}: a holder has two keys"
        );
        assert_eq!(
            keys.len(),
            written.len(),
            "round {round}: a key in the lock system is unknown to the store"
        );
    }
    eprintln!(
        "{iterations} kills; {acked_total} keys acknowledged, {reconciled_total} interrupted key writes settled after restart"
    );
    assert!(
        acked_total > 0,
        "no key was ever written: the test proved nothing"
    );
    assert!(
        reconciled_total >= iterations / 5,
        "too few kills landed during a key write ({reconciled_total} of {iterations}): the test proved little"
    );
}
