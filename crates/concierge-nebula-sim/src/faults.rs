//! Injected faults: the kinds of fault, the seeded random [`FaultPlan`], the queue of scripted
//! faults, and the drawing of the next fault of an authorised API request (queued faults first,
//! in order, then the plan), with the count of requests that got one. How a fault is answered is
//! the server's business (`server.rs`).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::VecDeque;
use std::time::Duration;

/// How long a [`FaultKind::Hang`] holds the reply unless the plan says otherwise: 30 s.
pub const DEFAULT_HANG: Duration = Duration::from_secs(30);

/// One kind of injected fault. Faults hit authorised API requests (`/v1/…`) only, never the
/// token endpoint nor a request refused with 401.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// `429` with `Retry-After` (the plan's `retry_after_secs`) and status
    /// `RESOURCE_EXHAUSTED`; nothing is done.
    RateLimited,
    /// `503` with status `UNAVAILABLE`; nothing is done.
    Unavailable,
    /// `500` with status `INTERNAL`; nothing is done.
    InternalError,
    /// The request is carried out, then its reply is replaced by a `502` with a plain-text body
    /// (a gateway that gave up): the client cannot know a write happened. On a read it is a
    /// plain `502`.
    LostReply,
    /// The reply is held for the plan's `hang` before the request is served normally. The
    /// request is carried out even when the client has given up waiting meanwhile.
    Hang,
}

impl FaultKind {
    /// Every kind, in declaration order.
    pub const ALL: [FaultKind; 5] = [
        FaultKind::RateLimited,
        FaultKind::Unavailable,
        FaultKind::InternalError,
        FaultKind::LostReply,
        FaultKind::Hang,
    ];

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            FaultKind::RateLimited => "rate_limited",
            FaultKind::Unavailable => "unavailable",
            FaultKind::InternalError => "internal_error",
            FaultKind::LostReply => "lost_reply",
            FaultKind::Hang => "hang",
        }
    }
}

/// Random faults: each authorised API request, in arrival order, draws from a generator seeded
/// with `seed` whether it gets a fault (probability `rate`) and which of `kinds` (uniformly), so
/// a sequential client sees the same faults on every run.
///
/// ```
/// use concierge_nebula_sim::{FaultKind, FaultPlan};
/// use std::time::Duration;
///
/// let plan = FaultPlan::new(0.3, 7).with_kinds([FaultKind::LostReply, FaultKind::Hang]);
/// assert_eq!(plan.kinds.len(), 2);
/// assert_eq!(plan.hang, Duration::from_secs(30));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FaultPlan {
    /// Probability that a request gets a fault, 0 to 1.
    pub rate: f64,
    /// The kinds drawn from, uniformly. Empty: no random faults.
    pub kinds: Vec<FaultKind>,
    /// The generator's seed.
    pub seed: u64,
    /// How long a [`FaultKind::Hang`] holds the reply (queued hangs too).
    pub hang: Duration,
    /// The `Retry-After` of an injected 429, in seconds (queued ones too).
    pub retry_after_secs: u64,
}

impl FaultPlan {
    /// `rate` of API requests get a fault of any kind, seeded with `seed`; hangs last
    /// [`DEFAULT_HANG`] (30 s) and 429s say `Retry-After: 0`.
    pub fn new(rate: f64, seed: u64) -> Self {
        Self {
            rate,
            kinds: FaultKind::ALL.to_vec(),
            seed,
            hang: DEFAULT_HANG,
            retry_after_secs: 0,
        }
    }

    /// Draws only from `kinds`.
    pub fn with_kinds(mut self, kinds: impl IntoIterator<Item = FaultKind>) -> Self {
        self.kinds = kinds.into_iter().collect();
        self
    }

    /// Hangs last `hang`.
    pub fn with_hang(mut self, hang: Duration) -> Self {
        self.hang = hang;
        self
    }

    /// Injected 429s say `Retry-After: {secs}`.
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after_secs = secs;
        self
    }
}

/// A drawn fault, with the plan's settings it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Fault {
    pub kind: FaultKind,
    pub hang: Duration,
    pub retry_after_secs: u64,
}

/// The simulator's fault state: the plan and its generator, the queue, and the count of
/// requests faulted so far.
pub(crate) struct Faults {
    plan: Option<FaultPlan>,
    rng: StdRng,
    queue: VecDeque<FaultKind>,
    injected: u64,
}

impl Faults {
    pub(crate) fn new() -> Self {
        Self {
            plan: None,
            rng: StdRng::seed_from_u64(0),
            queue: VecDeque::new(),
            injected: 0,
        }
    }

    /// Draws from `plan` from now on, its generator restarted from its seed.
    pub(crate) fn set_plan(&mut self, plan: FaultPlan) {
        self.rng = StdRng::seed_from_u64(plan.seed);
        self.plan = Some(plan);
    }

    /// Queues `kinds` for the next requests, after those already queued.
    pub(crate) fn inject(&mut self, kinds: impl IntoIterator<Item = FaultKind>) {
        self.queue.extend(kinds);
    }

    /// No plan, nothing queued (the count stays).
    pub(crate) fn clear(&mut self) {
        self.plan = None;
        self.queue.clear();
    }

    /// Requests faulted so far.
    pub(crate) fn injected(&self) -> u64 {
        self.injected
    }

    /// The fault of the next authorised API request, if any: the first queued one, else one
    /// drawn from the plan.
    pub(crate) fn next(&mut self) -> Option<Fault> {
        let (hang, retry_after_secs) = self
            .plan
            .as_ref()
            .map_or((DEFAULT_HANG, 0), |p| (p.hang, p.retry_after_secs));
        let kind = match self.queue.pop_front() {
            Some(kind) => kind,
            None => {
                let plan = self.plan.as_ref()?;
                if plan.kinds.is_empty() || self.rng.random::<f64>() >= plan.rate {
                    return None;
                }
                plan.kinds[self.rng.random_range(0..plan.kinds.len())]
            }
        };
        self.injected += 1;
        Some(Fault {
            kind,
            hang,
            retry_after_secs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_faults_come_first_in_order_then_the_plan() {
        let mut faults = Faults::new();
        assert_eq!(faults.next(), None, "no plan, no queue: no fault");
        faults.set_plan(
            FaultPlan::new(1.0, 3)
                .with_kinds([FaultKind::Unavailable])
                .with_hang(Duration::from_millis(5))
                .with_retry_after(2),
        );
        faults.inject([FaultKind::Hang, FaultKind::RateLimited]);
        let kinds: Vec<FaultKind> = (0..3)
            .filter_map(|_| faults.next())
            .map(|f| f.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                FaultKind::Hang,
                FaultKind::RateLimited,
                FaultKind::Unavailable
            ]
        );
        assert_eq!(faults.injected(), 3);
        faults.clear();
        assert_eq!(faults.next(), None);
        assert_eq!(faults.injected(), 3, "clearing keeps the count");
    }

    #[test]
    fn a_plan_draws_the_same_faults_from_the_same_seed() {
        let draw = |seed| {
            let mut faults = Faults::new();
            faults.set_plan(FaultPlan::new(0.5, seed));
            (0..100)
                .map(|_| faults.next().map(|f| f.kind))
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(9), draw(9));
        assert_ne!(draw(9), draw(10));
    }
}
