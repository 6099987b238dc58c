//! The conformance kit's checks of a key encoder adapter: one key per intent, found again
//! after a lost reply, cancelled twice harmlessly, secrets.

use super::*;

/// Runs the key encoder checks against `encoder`, writing one key on `encoder_id` (with a fresh
/// idempotency key made from `run_id`) and cancelling it; no error it gives may hold one of
/// `secrets` (its credentials).
pub async fn check_key_encoder(
    encoder: &dyn KeyEncoder,
    encoder_id: &str,
    run_id: &str,
    secrets: &[SecretString],
) -> AdapterReport {
    let name = encoder.name().to_owned();
    let mut report = AdapterReport::new(&name);
    let errors = Errors::default();
    let listed = errors
        .see(encoder.list_encoders(ListEncodersRequest::default()))
        .await
        .map_err(|e| Verdict::Failed(e.to_string()))
        .and_then(|r| {
            ours(&name, "encoder", r.encoders.iter().map(|e| &e.external))?;
            r.encoders
                .into_iter()
                .find(|e| e.answers_to(encoder_id))
                .ok_or_else(|| Verdict::Failed(format!("no encoder {encoder_id} is listed")))
        });
    let target = match &listed {
        Ok(e) => Some(e.external.clone()),
        Err(_) => None,
    };
    report.record(
        "encoders_listed",
        "the encoders are listed, named by the adapter",
        listed.map(|e| {
            format!(
                "{} (online {}, initialised {})",
                e.name, e.online, e.initialized
            )
        }),
    );
    let Some(target) = target else {
        for (check, rule) in KEY_CHECKS {
            report.record(
                check,
                rule,
                Err(Verdict::Skipped("no encoder to write on".into())),
            );
        }
        report.record(
            "unknown_encoder_refused",
            "writing on an encoder the lock system does not have is refused",
            Err(Verdict::Skipped("no encoder to model one on".into())),
        );
        errors.check_secrets(&mut report, secrets);
        return report;
    };
    let intent = format!("concierge-kit-{run_id}");
    let request = EncodeKeyRequest {
        encoder: target,
        holder_ref: format!("kit-holder-{run_id}"),
        unit_ref: format!("kit-unit-{run_id}"),
        idempotency_key: intent.clone(),
        deadline: std::time::Duration::from_secs(60),
    };

    // An encoder the lock system does not have: the write is refused, for good.
    let missing = {
        let id = &request.encoder.id;
        let made_up = match id.rsplit_once('/') {
            Some((path, _)) => format!("{path}/concierge-kit-no-such-encoder"),
            None => "concierge-kit-no-such-encoder".to_owned(),
        };
        let on_nothing = EncodeKeyRequest {
            encoder: ExternalRef::new(&request.encoder.provider, made_up),
            idempotency_key: format!("{intent}-no-encoder"),
            ..request.clone()
        };
        errors.see(encoder.encode_key(on_nothing)).await
    };
    report.record(
        "unknown_encoder_refused",
        "writing on an encoder the lock system does not have is refused, naming the provider \
         and operation, not retryable",
        refused_for_good(missing, &name, "encode_key", &[], |k| {
            format!("a key {} was written on no encoder", k.key.id)
        }),
    );

    let unknown = errors
        .see(encoder.key_state(KeyStateRequest {
            key: None,
            idempotency_key: Some(format!("{intent}-never-written")),
        }))
        .await;
    report.record(
        KEY_CHECKS[0].0,
        KEY_CHECKS[0].1,
        match unknown {
            Ok(s) if s.state == EncoderKeyState::NotAssigned && s.key.is_none() => {
                Ok("not assigned".into())
            }
            Ok(s) => failed(format!(
                "an intent never written is {:?} with key {:?}",
                s.state, s.key
            )),
            Err(e) if e.kind == ProviderErrorKind::NotFound => Ok("not found".into()),
            Err(e) => failed(e.to_string()),
        },
    );

    let first = errors.see(encoder.encode_key(request.clone())).await;
    let second = errors.see(encoder.encode_key(request.clone())).await;
    let key = match (&first, &second) {
        (Ok(a), Ok(b)) if a.key == b.key => Ok(a.key.clone()),
        (Ok(a), Ok(b)) => Err(Verdict::Failed(format!(
            "the same intent wrote two keys: {} and {}",
            a.key.id, b.key.id
        ))),
        (Err(e), _) | (_, Err(e)) => Err(Verdict::Failed(e.to_string())),
    };
    let written = key.as_ref().ok().cloned();
    report.record(
        KEY_CHECKS[1].0,
        KEY_CHECKS[1].1,
        key.map(|k| format!("key {}", k.id)),
    );

    let found = match &written {
        None => Err(Verdict::Skipped("no key was written".into())),
        Some(k) => match errors
            .see(encoder.key_state(KeyStateRequest {
                key: None,
                idempotency_key: Some(intent.clone()),
            }))
            .await
        {
            Ok(s) if s.key.as_ref() == Some(k) => Ok(format!("{:?}", s.state)),
            Ok(s) => failed(format!(
                "asked by its intent, the key is {:?} ({:?})",
                s.key, s.state
            )),
            Err(e) => failed(e.to_string()),
        },
    };
    report.record(KEY_CHECKS[2].0, KEY_CHECKS[2].1, found);

    let cancelled = match &written {
        None => Err(Verdict::Skipped("no key was written".into())),
        Some(k) => {
            let cancel = CancelKeyRequest {
                key: k.clone(),
                idempotency_key: format!("{intent}-cancel"),
            };
            match (
                errors.see(encoder.cancel_key(cancel.clone())).await,
                errors.see(encoder.cancel_key(cancel)).await,
            ) {
                (Ok(()), Ok(())) => match errors
                    .see(encoder.key_state(KeyStateRequest {
                        key: Some(k.clone()),
                        idempotency_key: None,
                    }))
                    .await
                {
                    Ok(s) if s.state == EncoderKeyState::Outdated => Ok("outdated".into()),
                    Ok(s) => failed(format!("after cancelling, the key is {:?}", s.state)),
                    Err(e) => failed(e.to_string()),
                },
                (Err(e), _) | (_, Err(e)) => failed(e.to_string()),
            }
        }
    };
    report.record(KEY_CHECKS[3].0, KEY_CHECKS[3].1, cancelled);
    errors.check_secrets(&mut report, secrets);
    report
}

const KEY_CHECKS: [(&str, &str); 4] = [
    (
        "unknown_intent_not_assigned",
        "asked about an intent it never wrote, the adapter says not assigned",
    ),
    (
        "encode_once",
        "writing twice with the same idempotency key makes one key",
    ),
    (
        "lost_reply_found_again",
        "a written key is found by its intent's idempotency key (after a lost reply)",
    ),
    (
        "cancel_twice_harmless",
        "cancelling a key twice succeeds both times and leaves it outdated",
    ),
];
