//! The engine's own HTTP endpoints, served by `graphsoar run` (not `--once`) when the settings
//! name a `listen` address:
//!
//! - `GET /healthz`: 200 while the process serves (liveness).
//! - `GET /readyz`: 200 while the scheduler runs; 503 before it starts and once it is stopping.
//! - `GET /metrics`: Prometheus text format 0.0.4: runs by playbook and status, items fetched
//!   and matched, actions done/skipped/failed, condition errors, run durations, the time of the
//!   last run and of the last successful one, actions pending in the ledger, the enabled
//!   playbooks scheduled now and the hot reloads (applied and failed).
//!
//! It reads what runs report and what the state holds; it never acts, and it shows no item data
//! (playbook names only).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::runner::RunReport;
use crate::state::Store;

/// What the endpoints show; shared by the scheduler (which records) and the server.
pub struct Health {
    ready: AtomicBool,
    playbooks: AtomicUsize,
    reloads: AtomicU64,
    reload_failures: AtomicU64,
    store: OnceLock<Arc<Store>>,
    runs: Mutex<BTreeMap<String, PlaybookRuns>>,
}

/// The counters of one playbook since the engine started.
#[derive(Debug, Default, Clone)]
struct PlaybookRuns {
    by_status: BTreeMap<&'static str, u64>,
    fetched: u64,
    matched: u64,
    done: u64,
    skipped: u64,
    failed: u64,
    condition_errors: u64,
    seconds: f64,
    last_run: Option<DateTime<Utc>>,
    last_success: Option<DateTime<Utc>>,
}

impl Health {
    /// Not ready yet; `playbooks` is how many enabled playbooks the scheduler runs.
    pub fn new(playbooks: usize) -> Arc<Health> {
        Arc::new(Health {
            ready: AtomicBool::new(false),
            playbooks: AtomicUsize::new(playbooks),
            reloads: AtomicU64::new(0),
            reload_failures: AtomicU64::new(0),
            store: OnceLock::new(),
            runs: Mutex::new(BTreeMap::new()),
        })
    }

    /// The state, once open, for the pending-actions gauge.
    /// The state, once the engine opened it.
    pub fn store(&self) -> Option<Arc<Store>> {
        self.store.get().cloned()
    }

    pub fn attach_store(&self, store: Arc<Store>) {
        let _ = self.store.set(store);
    }

    /// Whether `/readyz` answers 200.
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::SeqCst);
    }

    /// A hot reload applied: `playbooks` enabled playbooks are scheduled now.
    pub fn record_reload(&self, playbooks: usize) {
        self.playbooks.store(playbooks, Ordering::SeqCst);
        self.reloads.fetch_add(1, Ordering::SeqCst);
    }

    /// A hot reload rejected (the last good playbooks keep running).
    pub fn record_reload_failure(&self) {
        self.reload_failures.fetch_add(1, Ordering::SeqCst);
    }

    /// Counts a finished run.
    pub fn record(&self, report: &RunReport, finished: DateTime<Utc>) {
        let mut runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner);
        let r = runs.entry(report.playbook.clone()).or_default();
        let status = report.status(false);
        *r.by_status.entry(status.as_str()).or_default() += 1;
        r.fetched += u64::from(report.fetched);
        r.matched += u64::from(report.matched);
        r.done += u64::from(report.done);
        r.skipped += u64::from(report.skipped);
        r.failed += u64::from(report.failed);
        r.condition_errors += u64::from(report.condition_errors);
        r.seconds += report.duration.as_secs_f64();
        r.last_run = Some(finished);
        if !status.is_failure() {
            r.last_success = Some(finished);
        }
    }

    /// The Prometheus text exposition of everything above.
    pub fn metrics(&self) -> String {
        let runs = self.runs.lock().unwrap_or_else(PoisonError::into_inner).clone();
        let mut out = String::new();
        let mut family = |name: &str, kind: &str, help: &str, samples: Vec<(String, String)>| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            for (labels, value) in samples {
                let _ = writeln!(out, "{name}{labels} {value}");
            }
        };
        let per = |f: &dyn Fn(&PlaybookRuns) -> String| -> Vec<(String, String)> {
            runs.iter()
                .map(|(name, r)| (format!("{{playbook=\"{}\"}}", label(name)), f(r)))
                .collect()
        };
        family(
            "graphsoar_up",
            "gauge",
            "1 while the engine serves; readiness is /readyz.",
            vec![(String::new(), "1".into())],
        );
        family(
            "graphsoar_ready",
            "gauge",
            "1 while the scheduler runs and is not stopping.",
            vec![(String::new(), u8::from(self.ready.load(Ordering::SeqCst)).to_string())],
        );
        family(
            "graphsoar_playbooks",
            "gauge",
            "Enabled playbooks the scheduler runs (changes with each reload).",
            vec![(String::new(), self.playbooks.load(Ordering::SeqCst).to_string())],
        );
        family(
            "graphsoar_reloads_total",
            "counter",
            "Hot reloads of the playbooks applied.",
            vec![(String::new(), self.reloads.load(Ordering::SeqCst).to_string())],
        );
        family(
            "graphsoar_reload_failures_total",
            "counter",
            "Hot reloads rejected because a playbook, template or list did not load; the last good playbooks keep running.",
            vec![(String::new(), self.reload_failures.load(Ordering::SeqCst).to_string())],
        );
        let statuses = runs
            .iter()
            .flat_map(|(name, r)| {
                r.by_status.iter().map(move |(status, n)| {
                    (
                        format!("{{playbook=\"{}\",status=\"{status}\"}}", label(name)),
                        n.to_string(),
                    )
                })
            })
            .collect();
        family("graphsoar_runs_total", "counter", "Finished runs by status.", statuses);
        family(
            "graphsoar_items_fetched_total",
            "counter",
            "Items (alerts, incidents, hunting rows) fetched by triggers.",
            per(&|r| r.fetched.to_string()),
        );
        family(
            "graphsoar_items_matched_total",
            "counter",
            "Fetched items the condition matched.",
            per(&|r| r.matched.to_string()),
        );
        let actions = runs
            .iter()
            .flat_map(|(name, r)| {
                [("done", r.done), ("skipped", r.skipped), ("failed", r.failed)]
                    .into_iter()
                    .map(move |(outcome, n)| {
                        (
                            format!("{{playbook=\"{}\",outcome=\"{outcome}\"}}", label(name)),
                            n.to_string(),
                        )
                    })
            })
            .collect();
        family(
            "graphsoar_actions_total",
            "counter",
            "Actions by outcome (a failed attempt that is retried later counts each time).",
            actions,
        );
        family(
            "graphsoar_condition_errors_total",
            "counter",
            "Condition runtime errors and non-bool results, counted as no match.",
            per(&|r| r.condition_errors.to_string()),
        );
        family(
            "graphsoar_run_seconds_total",
            "counter",
            "Time spent in runs.",
            per(&|r| format!("{:.3}", r.seconds)),
        );
        family(
            "graphsoar_last_run_timestamp_seconds",
            "gauge",
            "When the last run finished (Unix time).",
            per(&|r| r.last_run.map_or(0, |t| t.timestamp()).to_string()),
        );
        family(
            "graphsoar_last_success_timestamp_seconds",
            "gauge",
            "When the last run that did not fail finished (Unix time; 0: none yet).",
            per(&|r| r.last_success.map_or(0, |t| t.timestamp()).to_string()),
        );
        if let Some(store) = self.store.get() {
            match store.pending_by_playbook() {
                Ok(pending) => family(
                    "graphsoar_pending_actions",
                    "gauge",
                    "Actions recorded in the ledger and not finished yet (retried by the next runs).",
                    pending
                        .iter()
                        .map(|(name, n)| (format!("{{playbook=\"{}\"}}", label(name)), n.to_string()))
                        .collect(),
                ),
                Err(e) => tracing::warn!(error = %e, "Cannot count pending actions for /metrics."),
            }
        }
        out
    }
}

/// A label value with `\`, `"` and newlines escaped, as the text format wants.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// Binds `addr` and serves the endpoints until `stop` is cancelled. Binding happens before the
/// engine connects or resumes anything, so liveness answers from the start, and an address in
/// use stops `graphsoar run` before it has done anything.
pub async fn serve(
    addr: SocketAddr,
    health: Arc<Health>,
    approvals: Option<super::links::Signer>,
    stop: CancellationToken,
) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr().unwrap_or(addr);
    let mut app = router(health.clone());
    if let Some(signer) = approvals {
        app = app.merge(super::approval_page::router(signer, health));
    }
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "The health endpoints stopped.");
        }
    });
    Ok(bound)
}

/// The endpoints' router.
pub fn router(health: Arc<Health>) -> Router {
    Router::new()
        .route("/healthz", get(healthz_get))
        .route("/readyz", get(readyz_get))
        .route("/metrics", get(metrics_get))
        .with_state(health)
}

async fn healthz_get() -> &'static str {
    "ok\n"
}

async fn readyz_get(State(health): State<Arc<Health>>) -> Response {
    if health.ready.load(Ordering::SeqCst) {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready: starting or stopping\n").into_response()
    }
}

async fn metrics_get(State(health): State<Arc<Health>>) -> Response {
    // Counting pending actions reads SQLite: off the async threads.
    match tokio::task::spawn_blocking(move || health.metrics()).await {
        Ok(text) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
            text,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_count_runs_and_escape_names() {
        let health = Health::new(2);
        let ok = RunReport {
            playbook: "close-eicar".into(),
            fetched: 10,
            matched: 3,
            done: 3,
            condition_errors: 1,
            ..RunReport::default()
        };
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        health.record(&ok, t("2026-11-26T12:00:00Z"));
        health.record(
            &RunReport {
                playbook: "close-eicar".into(),
                fetched: 10,
                matched: 3,
                done: 3,
                condition_errors: 1,
                failed: 1,
                ..RunReport::default()
            },
            t("2026-11-26T12:05:00Z"),
        );
        health.record(
            &RunReport {
                playbook: "odd\"name".into(),
                error: Some(crate::engine::RunError::Panicked("boom".into())),
                ..RunReport::default()
            },
            t("2026-11-26T12:06:00Z"),
        );
        let text = health.metrics();
        for line in [
            "graphsoar_ready 0",
            "graphsoar_playbooks 2",
            "graphsoar_runs_total{playbook=\"close-eicar\",status=\"ok\"} 1",
            "graphsoar_runs_total{playbook=\"close-eicar\",status=\"partially_failed\"} 1",
            "graphsoar_runs_total{playbook=\"odd\\\"name\",status=\"failed\"} 1",
            "graphsoar_items_fetched_total{playbook=\"close-eicar\"} 20",
            "graphsoar_actions_total{playbook=\"close-eicar\",outcome=\"done\"} 6",
            "graphsoar_actions_total{playbook=\"close-eicar\",outcome=\"failed\"} 1",
            "graphsoar_condition_errors_total{playbook=\"close-eicar\"} 2",
            "graphsoar_last_run_timestamp_seconds{playbook=\"close-eicar\"} 1795694700",
            "graphsoar_last_success_timestamp_seconds{playbook=\"close-eicar\"} 1795694400",
            "graphsoar_last_success_timestamp_seconds{playbook=\"odd\\\"name\"} 0",
            "# TYPE graphsoar_runs_total counter",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
        health.set_ready(true);
        assert!(health.metrics().lines().any(|l| l == "graphsoar_ready 1"));
    }
}
