//! When playbooks run: the next fire from croner in the playbook's time zone (DST-correct), a
//! bounded per-playbook jitter, missed fires collapsed into one run, no overlap with the
//! playbook's previous run, and a per-tenant concurrency limit. Every wait goes through the
//! injectable clock; the decisions are pure functions, tested without sleeping.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::playbook::{Playbook, Schedule};

/// The largest jitter added to a playbook's fires.
pub const MAX_JITTER: Duration = Duration::from_secs(30);

/// A stable jitter for a playbook: spread over a tenth of its interval, at most [`MAX_JITTER`],
/// so many playbooks on `*/5` do not all hit Graph in the same second.
pub fn jitter(name: &str, interval: Duration) -> Duration {
    let bound = (interval / 10).min(MAX_JITTER);
    if bound.is_zero() {
        return Duration::ZERO;
    }
    let h = crate::playbook::stable_hash(name.as_bytes());
    Duration::from_millis(h % bound.as_millis().max(1) as u64)
}

/// The next run: at `slot`, or at once (for the latest missed slot) when slots were missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextRun {
    /// The schedule slot this run stands for.
    pub slot: DateTime<Utc>,
    /// When to start it (before jitter).
    pub at: DateTime<Utc>,
}

/// Decides the next run after the run for `last_slot`, at `now`: the following slot when it is
/// still ahead; when one or more slots passed meanwhile (a long run, a suspended machine), one
/// run now for the latest of them, not one per missed slot.
pub fn next_run(
    schedule: &Schedule,
    tz: chrono_tz::Tz,
    last_slot: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<NextRun> {
    let next = schedule.next_after(tz, last_slot)?;
    if next > now {
        return Some(NextRun { slot: next, at: next });
    }
    let latest = schedule
        .last_at_or_before(tz, now)
        .filter(|s| *s >= next)
        .unwrap_or(next);
    Some(NextRun { slot: latest, at: now })
}

/// Runs `run(playbook)` on each playbook's schedule until `cancel`, with at most `concurrency`
/// runs at once; a playbook's next run never starts before its previous one ended.
pub async fn run_schedules<F, Fut>(
    playbooks: Vec<Arc<Playbook>>,
    clock: Clock,
    concurrency: usize,
    cancel: CancellationToken,
    run: F,
) where
    F: Fn(Arc<Playbook>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for playbook in playbooks {
        let (clock, cancel, permits, run) = (clock.clone(), cancel.clone(), permits.clone(), run.clone());
        tasks.spawn(async move {
            let tz = playbook.timezone;
            let mut last = clock.now();
            let spread = jitter(&playbook.name, playbook.schedule.interval(tz, last));
            loop {
                let Some(next) = next_run(&playbook.schedule, tz, last, clock.now()) else {
                    tracing::error!(playbook = %playbook.name, "The schedule has no future fire; the playbook will not run.");
                    return;
                };
                tokio::select! {
                    _ = clock.sleep_until(next.at + chrono::TimeDelta::from_std(spread).unwrap_or_default()) => {}
                    _ = cancel.cancelled() => return,
                }
                let permit = tokio::select! {
                    p = permits.clone().acquire_owned() => p,
                    _ = cancel.cancelled() => return,
                };
                let Ok(permit) = permit else { return };
                run(playbook.clone()).await;
                drop(permit);
                last = next.slot;
            }
        });
    }
    while tasks.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use croner::parser::{CronParser, Seconds, Year};

    fn schedule(text: &str) -> Schedule {
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(text)
            .unwrap();
        Schedule {
            text: text.into(),
            cron,
        }
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    const AMS: chrono_tz::Tz = chrono_tz::Europe::Amsterdam;

    #[test]
    fn daily_fires_at_local_time_across_dst() {
        let s = schedule("0 9 * * *");
        // Winter: 09:00 CET is 08:00 UTC; summer: 09:00 CEST is 07:00 UTC.
        assert_eq!(
            s.next_after(AMS, t("2026-03-28T12:00:00Z")),
            Some(t("2026-03-29T07:00:00Z"))
        );
        assert_eq!(
            s.next_after(AMS, t("2026-03-27T12:00:00Z")),
            Some(t("2026-03-28T08:00:00Z"))
        );
        assert_eq!(
            s.next_after(AMS, t("2026-10-24T12:00:00Z")),
            Some(t("2026-10-25T08:00:00Z"))
        );
    }

    #[test]
    fn spring_forward_skipped_hour_runs_once() {
        // 02:30 does not exist on 2026-03-29 in Amsterdam (02:00 → 03:00).
        let s = schedule("30 2 * * *");
        let first = s.next_after(AMS, t("2026-03-28T12:00:00Z")).unwrap();
        let second = s.next_after(AMS, first).unwrap();
        assert!(
            first > t("2026-03-28T12:00:00Z") && first < t("2026-03-30T00:00:00Z"),
            "{first}"
        );
        assert_eq!(second, t("2026-03-30T00:30:00Z"), "the next day at 02:30 CEST");
        // An hourly schedule has 23 fires that day, never two at the same instant.
        let h = schedule("0 * * * *");
        let mut at = t("2026-03-28T23:00:00Z");
        let mut fires = Vec::new();
        while let Some(n) = h.next_after(AMS, at).filter(|n| *n <= t("2026-03-29T22:00:00Z")) {
            fires.push(n);
            at = n;
        }
        assert_eq!(fires.len(), 23);
    }

    #[test]
    fn fall_back_repeated_hour_runs_once() {
        // 02:30 happens twice on 2026-10-25 in Amsterdam (03:00 CEST → 02:00 CET): one run.
        let s = schedule("30 2 * * *");
        let first = s.next_after(AMS, t("2026-10-24T12:00:00Z")).unwrap();
        let second = s.next_after(AMS, first).unwrap();
        assert!(
            first >= t("2026-10-25T00:30:00Z") && first <= t("2026-10-25T01:30:00Z"),
            "{first}"
        );
        assert_eq!(second, t("2026-10-26T01:30:00Z"));
    }

    #[test]
    fn missed_fires_run_once() {
        let s = schedule("*/5 * * * *");
        let last = t("2026-11-26T10:00:00Z");
        // On time: the next slot.
        let on_time = next_run(&s, chrono_tz::UTC, last, t("2026-11-26T10:02:00Z")).unwrap();
        assert_eq!(
            on_time,
            NextRun {
                slot: t("2026-11-26T10:05:00Z"),
                at: t("2026-11-26T10:05:00Z")
            }
        );
        // After 47 minutes away: one run now, standing for the latest missed slot.
        let now = t("2026-11-26T10:47:00Z");
        let late = next_run(&s, chrono_tz::UTC, last, now).unwrap();
        assert_eq!(
            late,
            NextRun {
                slot: t("2026-11-26T10:45:00Z"),
                at: now
            }
        );
        // And then back on schedule.
        let after = next_run(&s, chrono_tz::UTC, late.slot, t("2026-11-26T10:47:30Z")).unwrap();
        assert_eq!(after.at, t("2026-11-26T10:50:00Z"));
    }

    #[test]
    fn jitter_is_bounded_and_stable() {
        for name in ["a", "close-eicar-test-alerts", "notify-high-severity-incidents"] {
            let j = jitter(name, Duration::from_secs(300));
            assert!(j < Duration::from_secs(30), "{name}: {j:?}");
            assert_eq!(j, jitter(name, Duration::from_secs(300)));
            assert!(jitter(name, Duration::from_secs(60)) < Duration::from_secs(6));
        }
        assert_eq!(jitter("x", Duration::ZERO), Duration::ZERO);
    }

    #[tokio::test]
    async fn runs_never_overlap_and_respect_concurrency() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let text = "name: p\nschedule: '* * * * *'\ntrigger: { alerts: {} }\nactions: [ { log: { message: x } } ]\n";
        let settings = crate::config::Settings::embedded();
        let mk = |name: &str| {
            let text = text.replace("name: p", &format!("name: {name}"));
            Arc::new(
                crate::playbook::parse_str(
                    &text,
                    std::path::Path::new("p.yaml"),
                    std::path::Path::new("."),
                    &settings,
                )
                .playbook
                .unwrap(),
            )
        };
        let playbooks = vec![mk("a"), mk("b"), mk("c")];
        // 600x: a minute passes every 100 ms.
        let clock = Clock::scaled(600.0);
        let cancel = CancellationToken::new();
        let running = Arc::new(AtomicUsize::new(0));
        let max_seen = Arc::new(AtomicUsize::new(0));
        let runs = Arc::new(AtomicUsize::new(0));
        let (r, m, n, c) = (running.clone(), max_seen.clone(), runs.clone(), clock.clone());
        let task = tokio::spawn(run_schedules(playbooks, clock.clone(), 2, cancel.clone(), move |_p| {
            let (r, m, n, c) = (r.clone(), m.clone(), n.clone(), c.clone());
            async move {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
                // Each run takes 90 s of clock time: longer than the 60 s schedule.
                c.sleep(Duration::from_secs(90)).await;
                r.fetch_sub(1, Ordering::SeqCst);
                n.fetch_add(1, Ordering::SeqCst);
            }
        }));
        clock.sleep(Duration::from_secs(600)).await;
        cancel.cancel();
        task.await.unwrap();
        assert!(max_seen.load(Ordering::SeqCst) <= 2, "concurrency limit");
        let total = runs.load(Ordering::SeqCst);
        // Ten minutes, runs of 90 s, two at a time, three playbooks: far fewer than 30 slots.
        assert!((4..=14).contains(&total), "{total} runs");
    }
}
