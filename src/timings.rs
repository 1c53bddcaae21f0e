//! Where the time goes, stage by stage (parse, validate, introspect, diff, order, render,
//! execute), for the benchmark: with `RECONCILE_TIMINGS=1` the binary prints one line per
//! stage to standard error when it ends. Off, a stage costs one atomic load.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static ENABLED: AtomicBool = AtomicBool::new(false);
static STAGES: Mutex<Vec<(&'static str, Duration)>> = Mutex::new(Vec::new());

/// Starts recording stage times.
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Runs `f` as (part of) stage `name`, recording how long it took when enabled.
pub fn stage<T>(name: &'static str, f: impl FnOnce() -> T) -> T {
    if !ENABLED.load(Ordering::Relaxed) {
        return f();
    }
    let start = Instant::now();
    let out = f();
    record(name, start.elapsed());
    out
}

/// Adds `elapsed` to stage `name`.
pub fn record(name: &'static str, elapsed: Duration) {
    if !ENABLED.load(Ordering::Relaxed) {
        return;
    }
    let mut stages = STAGES.lock().unwrap_or_else(|e| e.into_inner());
    match stages.iter_mut().find(|(n, _)| *n == name) {
        Some((_, total)) => *total += elapsed,
        None => stages.push((name, elapsed)),
    }
}

/// Whether stages are being recorded.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// One line per stage, in the order they first ran: `stage parse 12.3 ms`.
pub fn report() -> String {
    let stages = STAGES.lock().unwrap_or_else(|e| e.into_inner());
    stages
        .iter()
        .map(|(name, d)| format!("stage {name} {:.1} ms\n", d.as_secs_f64() * 1000.0))
        .collect()
}
