//! The soak suite's world and workload: the five vendors' simulators (Buildium, StrataMax,
//! ButterflyMX, SALTO Nebula, an SMTP sink), optionally faulting and behind resetting proxies;
//! the settings a process opens them with; the workload every flow runs (sync, strata import and
//! Go Live, invitations and their dispatch, keys, visitor passes), idempotent so a killed
//! process's successor simply runs it again; and the state and side effects compared afterwards.

use super::chaos::Chaos;
use super::harness::{Received, Sink};
use concierge::*;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

/// The share of requests each simulator fails itself (5xx, 429, held past the client timeout,
/// and for the intercom and lock system a reply lost after the work was done).
pub const SIM_FAULT_RATE: f64 = 0.3;
/// The share of exchanges a proxy resets (half before the vendor sees the request, half after).
pub const RESET_RATE: f64 = 0.05;
/// Proxied SMTP has several exchanges per email, so its rate per exchange is lower.
pub const SMTP_RESET_RATE: f64 = 0.01;
/// Keys written per run, for the first current residents of the first PMS property.
pub const KEYS: usize = 4;
/// Visitor passes requested per run.
pub const PASSES: usize = 5;
const HANG: Duration = Duration::from_millis(400);
const MAILBOX: &str = "butterflymx@soak.example";

pub fn admin() -> Admin {
    Admin::full_access("soak", "Soak desk")
}

/// The simulators, and the proxies in front of them when faulting.
pub struct World {
    pub buildium: concierge_buildium_sim::SimHandle,
    pub strata: concierge_strata_sim::SimHandle,
    pub bmx: concierge_butterflymx_sim::SimHandle,
    pub nebula: concierge_nebula_sim::SimHandle,
    pub sink: Sink,
    proxies: BTreeMap<&'static str, Chaos>,
}

fn addr_of(url: &str) -> SocketAddr {
    let url = reqwest::Url::parse(url).expect("url");
    format!(
        "{}:{}",
        url.host_str().expect("host"),
        url.port().expect("port")
    )
    .parse()
    .expect("addr")
}

impl World {
    /// Starts every simulator (same seeds, same world each time) and an SMTP sink in `mail`.
    pub async fn start(python: &Path, mail: &Path) -> World {
        let buildium =
            concierge_buildium_sim::BuildiumSimulator::start(concierge_buildium_sim::SimConfig {
                seed: 7,
                properties: 2,
                units_per_property: 12,
                rate_limit_per_sec: None,
                hang_delay: HANG,
                ..Default::default()
            })
            .await
            .expect("buildium");
        let strata =
            concierge_strata_sim::StrataSimulator::start(concierge_strata_sim::StrataSimConfig {
                seed: 42,
                buildings: 2,
                lots_per_building: 6,
                scenarios: false,
                rate_limit_per_sec: None,
                ..concierge_strata_sim::StrataSimConfig::new(
                    concierge_strata_sim::Vendor::StrataMax,
                )
            })
            .await
            .expect("strata");
        let bmx = concierge_butterflymx_sim::ButterflyMxSim::start(
            concierge_butterflymx_sim::SimConfig::default(),
        )
        .await
        .expect("butterflymx");
        let nebula =
            concierge_nebula_sim::NebulaSimulator::start(concierge_nebula_sim::SimConfig {
                write_time: Duration::from_millis(20),
                ..Default::default()
            })
            .await
            .expect("nebula");
        nebula.set_auto_card("enc-1", true);
        let sink = Sink::start(python, mail, None);
        World {
            buildium,
            strata,
            bmx,
            nebula,
            sink,
            proxies: BTreeMap::new(),
        }
    }

    /// From now on every simulator fails [`SIM_FAULT_RATE`] of requests and every connection
    /// goes through a proxy resetting [`RESET_RATE`] of exchanges; call before [`Self::settings`].
    pub async fn fault(&mut self, seed: u64) {
        let mut plan = concierge_buildium_sim::FaultPlan::new(SIM_FAULT_RATE, seed, HANG);
        plan.hang = HANG;
        self.buildium.set_faults(plan);
        let mut plan = concierge_strata_sim::FaultPlan::new(SIM_FAULT_RATE, seed + 1);
        plan.hang = HANG;
        self.strata.set_faults(plan);
        let mut plan = concierge_butterflymx_sim::FaultPlan::new(SIM_FAULT_RATE, seed + 2);
        plan.hang = HANG;
        self.bmx.set_faults(plan);
        let mut plan = concierge_nebula_sim::FaultPlan::new(SIM_FAULT_RATE, seed + 3);
        plan.hang = HANG;
        self.nebula.set_faults(plan);
        let upstreams = [
            ("buildium", addr_of(&self.buildium.base_url()), RESET_RATE),
            ("strata", addr_of(&self.strata.base_url()), RESET_RATE),
            ("butterflymx", addr_of(&self.bmx.base_url()), RESET_RATE),
            ("salto", addr_of(&self.nebula.base_url()), RESET_RATE),
            (
                "smtp",
                format!("127.0.0.1:{}", self.sink.port).parse().unwrap(),
                SMTP_RESET_RATE,
            ),
        ];
        for (i, (name, upstream, rate)) in upstreams.into_iter().enumerate() {
            let proxy = Chaos::start(upstream, rate, seed + 10 + i as u64).await;
            self.proxies.insert(name, proxy);
        }
    }

    /// Requests the simulators received, those they answered with a fault, and connections
    /// the proxies reset.
    pub fn faults(&self) -> (u64, u64, u64) {
        let buildium = self.buildium.stats();
        let strata = self.strata.stats();
        let bmx = self.bmx.stats();
        let requests = buildium.total()
            + strata.total()
            + bmx.total()
            + self.nebula.requests().values().sum::<u64>();
        let bmx_failed: u64 = bmx
            .by_route_and_status
            .iter()
            .filter(|((_, status), _)| *status >= 400)
            .map(|(_, n)| n)
            .sum();
        let failed = (buildium.total() - buildium.status_count(200))
            + (strata.total() - strata.status_count(200))
            + bmx_failed
            + self.nebula.faults_injected();
        let resets = self.proxies.values().map(Chaos::resets).sum();
        (requests, failed, resets)
    }

    /// `url` with its host and port replaced by the proxy's for `name`, if there is one.
    fn via(&self, name: &str, url: &str) -> String {
        match self.proxies.get(name) {
            Some(proxy) => url.replace(&addr_of(url).to_string(), &proxy.addr.to_string()),
            None => url.to_owned(),
        }
    }

    /// The settings every process of a run opens the store in `dir` with.
    pub fn settings(&self, dir: &Path) -> Value {
        let retry = json!({"max_attempts": 12, "initial_backoff_ms": 5, "max_backoff_ms": 40});
        let smtp_port = self
            .proxies
            .get("smtp")
            .map_or(self.sink.port, |p| p.addr.port());
        let bmx = self.via("butterflymx", &self.bmx.base_url());
        json!({
            "store": dir.join("concierge.db").to_str().unwrap(),
            "activation_secret": "soak-activation-secret-0123456789abcdef",
            "dispatch_inline": false,
            "outbox_base_backoff_seconds": 1,
            "outbox_max_backoff_seconds": 1,
            "outbox_max_attempts": 1000,
            "key_write_deadline_seconds": 5,
            "smtp": {
                "host": "127.0.0.1", "port": smtp_port, "tls": "none", "timeout_seconds": 2,
                "pool_size": 2, "max_per_second": 1000,
            },
            "buildium": {
                "base_url": self.via("buildium", &self.buildium.base_url()),
                "client_id": self.buildium.client_id(),
                "client_secret": self.buildium.client_secret(),
                "rate_limit_per_sec": null,
                "timeout_seconds": 0.2,
                "retry": retry,
            },
            "stratamax": {
                "base_url": self.via("strata", &self.strata.base_url()),
                "api_key": self.strata.api_key(),
                "rate_limit_per_second": null,
                "timeout_seconds": 0.2,
                "retry": retry,
            },
            "butterflymx": {
                "client_id": self.bmx.client_id(),
                "client_secret": self.bmx.client_secret(),
                "api_base_url": bmx,
                "accounts_url": bmx,
                "rate_limit_per_second": null,
                "timeout_seconds": 0.2,
                "retry": retry,
            },
            "salto": {
                "base_url": self.via("salto", &self.nebula.base_url()),
                "token_url": self.via("salto", &self.nebula.token_url()),
                "client_id": self.nebula.client_id(),
                "client_secret": self.nebula.client_secret(),
                "installation": "inst-1",
                "poll_initial_ms": 10,
                "poll_max_ms": 30,
                "timeout_seconds": 0.2,
                "retry": retry,
            },
        })
    }

    /// The intercom's one-time consent, given by the building admin before any run. A code is
    /// good for one exchange: when a fault loses the exchange's reply, the admin consents again.
    pub async fn consent(&self, c: &Concierge) {
        for _ in 0..20 {
            let code = secrecy::SecretString::from(self.bmx.issue_consent_code());
            match c.connect_intercom(&admin(), code).await {
                Ok(()) => return,
                Err(Error::Provider(e)) => eprintln!("consent again: {}", e.message),
                Err(e) => panic!("consent: {e}"),
            }
        }
        panic!("no consent in 20 tries");
    }
}

/// Opens the handle every process of a run uses.
pub async fn open(settings: &Value) -> Concierge {
    Concierge::open(serde_json::from_value(settings.clone()).expect("settings"))
        .await
        .expect("open")
}

/// The property named `name`, registered (and set up by `settings`) if there is none yet.
async fn property(c: &Concierge, name: &str, settings: PropertySettings) -> Result<Property> {
    if let Some(p) = c
        .list_properties(&admin())
        .await?
        .into_iter()
        .find(|p| p.name == name)
    {
        return Ok(p);
    }
    c.register_property(&admin(), NewProperty::new(name, name).settings(settings))
        .await
}

/// Runs every flow once, as far as it gets; `say` hears each phase as it starts and each
/// acknowledged result (`ACK <what> <id>`). True when every flow is finished: nothing left to
/// sync, import, send, write or create. A fault that outlasts the retries is only a reason to
/// run again.
pub async fn work(c: &Concierge, say: &mut dyn FnMut(String)) -> bool {
    let mut done = true;
    for phase in ["sync", "strata", "invite", "keys", "passes"] {
        say(format!("PHASE {phase}"));
        let finished = match phase {
            "sync" => sync(c, say).await,
            "strata" => strata(c, say).await,
            "invite" => invite(c, say).await,
            "keys" => keys(c, say).await,
            _ => passes(c, say).await,
        };
        match finished {
            Ok(true) => {}
            Ok(false) => done = false,
            Err(e) if e.is_retryable() || matches!(e, Error::Provider(_)) => done = false,
            Err(e) => panic!("{phase}: {e}"),
        }
    }
    done
}

async fn sync(c: &Concierge, say: &mut dyn FnMut(String)) -> Result<bool> {
    let desk = admin();
    let mut pms = c.list_pms_properties(&desk).await?;
    pms.sort_by(|a, b| a.external.id.cmp(&b.external.id));
    for p in pms {
        let ours = property(c, &format!("pms-{}", p.external.id), Default::default()).await?;
        if ours.external.is_none() {
            c.link_pms_property(&desk, &ours.id, &p.external.id).await?;
        }
    }
    let mut done = true;
    for report in c.sync_all(&desk, SyncOptions::default()).await? {
        match report.run.aborted {
            None => say(format!("ACK sync {}", report.run.property_id)),
            Some(_) => done = false,
        }
    }
    Ok(done)
}

async fn strata(c: &Concierge, say: &mut dyn FnMut(String)) -> Result<bool> {
    let desk = admin();
    let home = property(c, "strata", Default::default()).await?;
    let linked = c.list_strata_buildings(&desk, Default::default()).await?;
    for b in c.strata_provider_buildings(&desk).await? {
        if !linked.iter().any(|r| r.external == b.external) {
            c.link_strata_building(
                &desk,
                LinkStrataBuilding {
                    property_id: home.id.clone(),
                    strata_building_id: b.external.id,
                },
            )
            .await?;
        }
    }
    let mut done = true;
    let mut active = Vec::new();
    for roll in c.list_strata_buildings(&desk, Default::default()).await? {
        if roll.last_sync.as_ref().is_none_or(|s| s.aborted.is_some()) {
            let report = c.sync_strata_building(&desk, &roll.id).await?;
            if report.run.aborted.is_some() {
                done = false;
                continue;
            }
        }
        if roll.status == StrataBuildingStatus::Active {
            active.push(roll.id);
        }
    }
    if active.is_empty() {
        return Ok(false);
    }
    let go = GoLive {
        roll_ids: active,
        user_types: StrataUserType::ALL.to_vec(),
    };
    let preview = c.preview_go_live(&desk, go.clone()).await?;
    if preview.welcome_emails > 0 {
        let report = c
            .confirm_go_live(
                &desk,
                ConfirmGoLive {
                    roll_ids: go.roll_ids,
                    user_types: go.user_types,
                    plan: preview.plan,
                },
            )
            .await?;
        for b in report.buildings {
            for resident in b.report.residents {
                say(format!("ACK imported {resident}"));
            }
        }
    }
    Ok(done)
}

/// Everyone's residents, property by property (name order), by external id.
async fn residents(c: &Concierge) -> Result<Vec<(Property, Vec<Resident>)>> {
    let mut properties = c.list_properties(&admin()).await?;
    properties.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = Vec::new();
    for p in properties {
        let mut rs = c
            .list_residents(
                &admin(),
                ResidentFilter::property(&p.id),
                PageRequest::first().limit(500),
            )
            .await?
            .items;
        rs.sort_by_key(|r| r.external.as_ref().map(|e| e.id.clone()));
        out.push((p, rs));
    }
    Ok(out)
}

async fn invite(c: &Concierge, say: &mut dyn FnMut(String)) -> Result<bool> {
    let now = c.now();
    for (p, rs) in residents(c).await? {
        if !p.name.starts_with("pms-") {
            continue;
        }
        for r in rs {
            let invitable = r.email.is_some()
                && r.status(now) == AccountStatus::NotInvited
                && r.occupancy.phase(p.today(now)) != OccupancyPhase::Past;
            if invitable {
                c.invite(&admin(), &r.id).await?;
                say(format!("ACK invite {}", r.id));
            }
        }
    }
    let report = c.dispatch_outbox().await?;
    assert_eq!(report.parked, 0, "no email is given up on: {report:?}");
    // Finished when nothing is left to send: an entry a killed process left to retry later is
    // not due yet, so this pass did not see it.
    Ok(outbox(c, OutboxStatus::Pending).await? == 0)
}

/// How many outbox entries have `status`.
async fn outbox(c: &Concierge, status: OutboxStatus) -> Result<usize> {
    Ok(
        c.list_outbox(&admin(), status, PageRequest::first().limit(500))
            .await?
            .items
            .len(),
    )
}

async fn keys(c: &Concierge, say: &mut dyn FnMut(String)) -> Result<bool> {
    let desk = admin();
    c.reconcile_keys().await?;
    let all = residents(c).await?;
    let Some((p, rs)) = all.iter().find(|(p, _)| p.name.starts_with("pms-")) else {
        return Ok(false);
    };
    let mut done = true;
    let today = p.today(c.now());
    let holders = rs
        .iter()
        .filter(|r| r.occupancy.phase(today) == OccupancyPhase::Current)
        .take(KEYS);
    for r in holders {
        match c.make_key(&desk, MakeKey::resident(&r.id, "enc-1")).await {
            Ok(key) if key.state == KeyState::Active => say(format!("ACK key {}", key.id)),
            Ok(_) => done = false,
            Err(Error::Conflict {
                kind: ConflictKind::KeyAlreadyLive,
                ..
            }) => {}
            Err(e) => return Err(e),
        }
    }
    let listed = c
        .list_keys(&desk, KeyFilter::default(), PageRequest::first().limit(500))
        .await?
        .items;
    Ok(done && listed.iter().all(|k| k.state == KeyState::Active))
}

async fn passes(c: &Concierge, say: &mut dyn FnMut(String)) -> Result<bool> {
    let desk = admin();
    let mut settings = PropertySettings::default();
    settings.visitors.placeholder_mailbox = Some(MAILBOX.into());
    let mut p = property(c, "visitors", settings).await?;
    if p.intercom.is_none() {
        let building = c.intercom_buildings(&desk).await?.remove(0);
        p = c
            .link_intercom_building(
                &desk,
                LinkIntercomBuilding {
                    property_id: p.id.clone(),
                    intercom_building_id: building.external.id,
                },
            )
            .await?;
    }
    c.provision_visitor_site(&desk, &p.id).await?;
    if !c.visitor_preflight(&desk, &p.id).await?.passed {
        return Ok(false);
    }
    c.reconcile_visitor_passes().await?;
    for i in 0..PASSES {
        let visit = CreateVisitorPass {
            property_id: p.id.clone(),
            visitor_name: format!("Visitor {i}"),
            starts_at: VisitTime::parse(&format!("2030-03-01T{:02}:00", 9 + i)).unwrap(),
            ends_at: VisitTime::parse(&format!("2030-03-01T{:02}:30", 9 + i)).unwrap(),
            resident_id: None,
            request_key: Some(format!("soak-visit-{i}")),
        };
        let view = c.create_visitor_pass(&desk, visit).await?;
        if view.pass.state == VisitorPassState::Active {
            say(format!("ACK pass {}", view.pass.id));
        }
    }
    let listed = visitor_passes(c, &p.id).await?;
    Ok(listed.len() == PASSES
        && listed
            .iter()
            .all(|v| v.pass.state == VisitorPassState::Active))
}

/// Every visitor pass of `property`.
async fn visitor_passes(c: &Concierge, property: &PropertyId) -> Result<Vec<VisitorPassView>> {
    let filter = VisitorPassFilter {
        property_id: property.clone(),
        state: None,
        resident_id: None,
    };
    Ok(
        c.list_visitor_passes(&admin(), filter, PageRequest::first().limit(500))
            .await?
            .items,
    )
}

/// What a run leaves in the store, independent of our ids and of when it ran.
pub async fn snapshot(c: &Concierge) -> Vec<String> {
    let desk = admin();
    let now = c.now();
    let mut lines = Vec::new();
    let all = residents(c).await.expect("residents");
    let mut holder_of = BTreeMap::new();
    for (p, rs) in &all {
        lines.push(format!(
            "property {} pms {:?} intercom {}",
            p.name,
            p.external.as_ref().map(|e| &e.id),
            p.intercom.is_some()
        ));
        for r in rs {
            holder_of.insert(r.id.to_string(), r.external.clone().map(|e| e.id));
            lines.push(format!(
                "resident {} {:?} {} {} {:?} {}",
                p.name,
                r.external.as_ref().map(|e| &e.id),
                r.first_name,
                r.last_name,
                r.email,
                r.status(now).as_str()
            ));
        }
    }
    for k in c
        .list_keys(&desk, KeyFilter::default(), PageRequest::first().limit(500))
        .await
        .expect("keys")
        .items
    {
        let holder = match &k.holder {
            KeyHolder::Resident(id) => holder_of.get(id.as_str()).cloned().flatten(),
            other => Some(format!("{other:?}")),
        };
        lines.push(format!("key {holder:?} {:?}", k.state));
    }
    for roll in c
        .list_strata_buildings(&desk, Default::default())
        .await
        .expect("rolls")
    {
        lines.push(format!(
            "roll {} pending {} imported {} auto {}",
            roll.external.id, roll.pending, roll.imported, roll.auto_import
        ));
    }
    if let Some((p, _)) = all.iter().find(|(p, _)| p.name == "visitors") {
        for v in visitor_passes(c, &p.id).await.expect("passes") {
            lines.push(format!(
                "pass {} {} to {} {}",
                v.pass.visitor_name,
                v.starts_local,
                v.ends_local,
                v.pass.state.as_str()
            ));
        }
    }
    for status in [OutboxStatus::Pending, OutboxStatus::Parked] {
        let n = outbox(c, status).await.expect("outbox");
        lines.push(format!("outbox {status:?} {n}"));
    }
    lines.sort();
    lines
}

/// What the vendors received, counted for duplicates.
#[derive(Debug, Default)]
pub struct Effects {
    /// Keys the lock system wrote.
    pub keys_written: u64,
    /// Lock-system users with more than one key written.
    pub users_with_two_keys: usize,
    /// Keychains (passes) on the intercom.
    pub keychains: usize,
    /// Passes with more than one keychain.
    pub passes_twice: usize,
    /// Emails received (every delivery).
    pub emails: usize,
    /// Recipients.
    pub recipients: usize,
    /// Recipients sent two different emails (different Message-IDs).
    pub recipients_twice: usize,
    /// Deliveries of a Message-ID already received: an email in flight when its sender was
    /// killed or its connection reset, sent again identically.
    pub redelivered: usize,
}

impl Effects {
    pub fn of(world: &World) -> Effects {
        let mut users_with_two_keys = 0;
        for user in world.nebula.user_ids() {
            if world.nebula.keys_written_for(&user) > 1 {
                users_with_two_keys += 1;
            }
        }
        let keychains = world.bmx.world().keychains;
        let mut names: BTreeMap<String, usize> = BTreeMap::new();
        for k in &keychains {
            *names.entry(k.name.clone()).or_default() += 1;
        }
        let received: Vec<Received> = world.sink.messages();
        let mut by_recipient: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut ids = BTreeSet::new();
        let mut redelivered = 0;
        for m in &received {
            let id = m.headers.get("message-id").cloned().unwrap_or_default();
            let to = m.headers.get("to").cloned().unwrap_or_default();
            if !ids.insert(id.clone()) {
                redelivered += 1;
            }
            by_recipient.entry(to).or_default().insert(id);
        }
        Effects {
            keys_written: world.nebula.keys_written(),
            users_with_two_keys,
            keychains: keychains.len(),
            passes_twice: names.values().filter(|n| **n > 1).count(),
            emails: received.len(),
            recipients: by_recipient.len(),
            recipients_twice: by_recipient.values().filter(|s| s.len() > 1).count(),
            redelivered,
        }
    }
}
