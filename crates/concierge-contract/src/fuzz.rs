//! A small mutation fuzzer for the adapters' parsers, where a coverage-guided one cannot run
//! (it needs a nightly toolchain): from seed inputs (valid vendor messages), each input is made
//! by a few mutations, JSON-aware (a value replaced by one of another type, a key dropped or
//! renamed, a number pushed to its limits, a string made huge or odd) or byte-level (flip,
//! insert, delete, splice, truncate), and handed to the parser under test; a panic is a failure
//! naming the input. Deterministic for a seed; the count is `CONCIERGE_FUZZ_ITERATIONS` (long
//! mode) or what the test gives. [`run_generated`] starts each input from a page generated from
//! the vendor's schemas ([`crate::schema_gen`]) instead of from fixed seeds.

use rand::rngs::StdRng;
use rand::{Rng as _, SeedableRng};
use serde_json::Value;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The fuzzer's generator: seeded, so a run is repeatable.
struct Rng(StdRng);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0.random()
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { self.0.random_range(0..n) }
    }
}

/// Values of every JSON type, at their edges.
fn odd_value(rng: &mut Rng) -> Value {
    match rng.below(14) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => serde_json::json!(i64::MAX),
        3 => serde_json::json!(i64::MIN),
        4 => serde_json::json!(-1),
        5 => serde_json::json!(0),
        6 => serde_json::json!(1.5e308),
        7 => serde_json::json!(""),
        8 => serde_json::json!("x".repeat(10_000)),
        9 => serde_json::json!("2026-13-45T99:99:99Z"),
        10 => serde_json::json!("\u{0}\u{ffff}\u{1F600}"),
        11 => serde_json::json!([]),
        12 => serde_json::json!({}),
        _ => serde_json::json!([[[[{}]]]]),
    }
}

/// Mutates one place of `value`, chosen at random.
fn mutate_json(value: &mut Value, rng: &mut Rng, depth: usize) {
    match value {
        Value::Object(map) if !map.is_empty() && depth < 8 && rng.below(4) != 0 => {
            let keys: Vec<String> = map.keys().cloned().collect();
            let key = keys[rng.below(keys.len())].clone();
            match rng.below(5) {
                0 => {
                    map.remove(&key);
                }
                1 => {
                    let v = map.remove(&key).unwrap_or(Value::Null);
                    map.insert(format!("{key}_"), v);
                }
                2 => {
                    map.insert(key, odd_value(rng));
                }
                _ => {
                    if let Some(v) = map.get_mut(&key) {
                        mutate_json(v, rng, depth + 1);
                    }
                }
            }
        }
        Value::Array(items) if !items.is_empty() && depth < 8 && rng.below(4) != 0 => {
            let i = rng.below(items.len());
            match rng.below(4) {
                0 => {
                    items.remove(i);
                }
                1 => {
                    let copy = items[i].clone();
                    items.push(copy);
                }
                _ => mutate_json(&mut items[i], rng, depth + 1),
            }
        }
        other => *other = odd_value(rng),
    }
}

fn mutate_bytes(bytes: &mut Vec<u8>, rng: &mut Rng, seeds: &[Vec<u8>]) {
    if bytes.is_empty() {
        bytes.push(b'{');
        return;
    }
    let i = rng.below(bytes.len());
    match rng.below(6) {
        0 => bytes[i] ^= 1 << rng.below(8),
        1 => bytes.insert(i, b"{}[]\",:0-e.\\n"[rng.below(13)]),
        2 => {
            bytes.remove(i);
        }
        3 => bytes.truncate(i),
        4 => {
            let other = &seeds[rng.below(seeds.len())];
            if !other.is_empty() {
                let j = rng.below(other.len());
                bytes.splice(i.., other[j..].iter().copied());
            }
        }
        _ => bytes[i] = (rng.next() & 0xff) as u8,
    }
}

/// How many inputs to try: `CONCIERGE_FUZZ_ITERATIONS` when set (the long mode), else `quick`.
pub fn iterations(quick: usize) -> usize {
    std::env::var("CONCIERGE_FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(quick)
}

/// Hands `iterations` inputs made from `seeds` to `parse`, and the seeds themselves first;
/// panics, naming the input, if `parse` panics on one. Returns how many inputs were tried.
pub fn run(seeds: &[&str], iterations: usize, seed: u64, parse: impl Fn(&[u8])) -> usize {
    let seeds: Vec<Vec<u8>> = seeds.iter().map(|s| s.as_bytes().to_vec()).collect();
    let mut rng = Rng(StdRng::seed_from_u64(seed));
    let try_one = |input: &[u8]| {
        if catch_unwind(AssertUnwindSafe(|| parse(input))).is_err() {
            panic!(
                "the parser panicked on this input: {}",
                String::from_utf8_lossy(input)
            );
        }
    };
    for s in &seeds {
        try_one(s);
    }
    for _ in 0..iterations {
        let base = &seeds[rng.below(seeds.len())];
        let input = if rng.below(3) != 0
            && let Ok(mut value) = serde_json::from_slice::<Value>(base)
        {
            for _ in 0..=rng.below(3) {
                mutate_json(&mut value, &mut rng, 0);
            }
            serde_json::to_vec(&value).unwrap_or_default()
        } else {
            let mut bytes = base.clone();
            for _ in 0..=rng.below(4) {
                mutate_bytes(&mut bytes, &mut rng, &seeds);
            }
            bytes
        };
        try_one(&input);
    }
    seeds.len() + iterations
}

/// Runs `parse` on `iterations` pages generated from `schemas` (a map of name → schema): each a
/// JSON array of up to four instances of one of `roots`, given as generated to one input in two
/// and mutated (as [`run`] mutates) to the other. A panic fails with the input. Returns how
/// many inputs were tried.
pub fn run_generated(
    schemas: &Value,
    roots: &[&str],
    iterations: usize,
    seed: u64,
    parse: impl Fn(&[u8]),
) -> usize {
    let mut rng = Rng(StdRng::seed_from_u64(seed));
    for _ in 0..iterations {
        let root = roots[rng.below(roots.len())];
        let n = rng.below(5);
        let mut page = Value::Array(
            (0..n)
                .map(|_| crate::schema_gen::instance(schemas, root, &mut rng.0))
                .collect(),
        );
        if rng.below(2) == 0 {
            for _ in 0..=rng.below(3) {
                mutate_json(&mut page, &mut rng, 0);
            }
        }
        let input = serde_json::to_vec(&page).unwrap_or_default();
        if catch_unwind(AssertUnwindSafe(|| parse(&input))).is_err() {
            panic!(
                "the parser panicked on this input: {}",
                String::from_utf8_lossy(&input)
            );
        }
    }
    iterations
}
