//! When playbooks run: the next fire from croner in the playbook's time zone (DST-correct), a
//! bounded per-playbook jitter, missed fires collapsed into one run, no overlap with the
//! playbook's previous run, and a per-tenant concurrency limit. Every wait goes through the
//! injectable clock; the decisions are pure functions, tested without sleeping.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Mutex, Semaphore, watch};
use tokio::task::JoinSet;
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

/// The schedules of a set of playbooks that may change while they run (hot reload): one task
/// per playbook name, at most `concurrency` runs at once, a playbook's next run never before its
/// previous one ended. A new version of a playbook takes over from its next fire; a run in
/// progress finishes on the version it started with.
pub struct Schedules<F> {
    clock: Clock,
    permits: Arc<Semaphore>,
    cancel: CancellationToken,
    run: F,
    tasks: HashMap<String, Scheduled>,
    joins: JoinSet<()>,
}

/// One playbook's task: its current version, how to stop it, and the lock it holds while a
/// run is in progress.
struct Scheduled {
    version: watch::Sender<Arc<Playbook>>,
    stop: CancellationToken,
    running: Arc<Mutex<()>>,
}

/// What [`Schedules::apply`] changed, by playbook name.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub added: Vec<String>,
    /// A different file (an edit), or the same file compiled again (lists changed).
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

impl<F, Fut> Schedules<F>
where
    F: Fn(Arc<Playbook>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    /// No playbooks yet; `cancel` stops every schedule (runs in progress finish).
    pub fn new(clock: Clock, concurrency: usize, cancel: CancellationToken, run: F) -> Self {
        Schedules {
            clock,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            cancel,
            run,
            tasks: HashMap::new(),
            joins: JoinSet::new(),
        }
    }

    /// Schedules exactly `playbooks`: new names start, removed ones stop after any run in
    /// progress, the others run their new version from their next fire.
    pub fn apply(&mut self, playbooks: &[Arc<Playbook>]) -> Changes {
        let mut changes = Changes::default();
        let names: HashSet<&str> = playbooks.iter().map(|p| p.name.as_str()).collect();
        self.tasks.retain(|name, task| {
            let keep = names.contains(name.as_str());
            if !keep {
                task.stop.cancel();
                changes.removed.push(name.clone());
            }
            keep
        });
        for p in playbooks {
            match self.tasks.get(&p.name) {
                Some(task) => {
                    if !Arc::ptr_eq(&task.version.borrow(), p) {
                        task.version.send_replace(p.clone());
                        changes.changed.push(p.name.clone());
                    }
                }
                None => {
                    let (version, receiver) = watch::channel(p.clone());
                    let task = Scheduled {
                        version,
                        stop: self.cancel.child_token(),
                        running: Arc::new(Mutex::new(())),
                    };
                    self.joins.spawn(schedule_one(
                        receiver,
                        task.running.clone(),
                        self.clock.clone(),
                        self.permits.clone(),
                        task.stop.clone(),
                        self.run.clone(),
                    ));
                    self.tasks.insert(p.name.clone(), task);
                    changes.added.push(p.name.clone());
                }
            }
        }
        for list in [&mut changes.added, &mut changes.changed, &mut changes.removed] {
            list.sort();
        }
        changes
    }

    /// The lock a playbook's task holds while one of its runs is in progress: holding it, no
    /// run of that name is in progress or starts. None for a name not scheduled (a removed
    /// playbook's task ends after its run: wait for it with the lock taken before `apply`).
    pub fn running_lock(&self, name: &str) -> Option<Arc<Mutex<()>>> {
        self.tasks.get(name).map(|t| t.running.clone())
    }

    /// Waits until every schedule has stopped (after `cancel`): runs in progress finish.
    pub async fn join(mut self) {
        while self.joins.join_next().await.is_some() {}
    }
}

/// One playbook's schedule: wait for the next fire of its current version, take a permit,
/// run, repeat; a new version recomputes the next fire from now.
async fn schedule_one<F, Fut>(
    mut version: watch::Receiver<Arc<Playbook>>,
    running: Arc<Mutex<()>>,
    clock: Clock,
    permits: Arc<Semaphore>,
    stop: CancellationToken,
    run: F,
) where
    F: Fn(Arc<Playbook>) -> Fut,
    Fut: Future<Output = ()>,
{
    let mut last = clock.now();
    loop {
        let playbook = version.borrow_and_update().clone();
        let tz = playbook.timezone;
        let spread = jitter(&playbook.name, playbook.schedule.interval(tz, last));
        let next = next_run(&playbook.schedule, tz, last, clock.now());
        let at = next.map(|n| n.at + chrono::TimeDelta::from_std(spread).unwrap_or_default());
        if next.is_none() {
            tracing::error!(playbook = %playbook.name, "The schedule has no future fire; the playbook will not run until it is changed.");
        }
        tokio::select! {
            () = async { match at { Some(at) => clock.sleep_until(at).await, None => std::future::pending().await } } => {}
            changed = version.changed() => {
                if changed.is_err() {
                    return;
                }
                last = clock.now();
                continue;
            }
            () = stop.cancelled() => return,
        }
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => p,
            () = stop.cancelled() => return,
        };
        let Ok(permit) = permit else { return };
        {
            let _running = running.lock().await;
            // The version current when the run starts; a reload meanwhile is the next run's.
            let playbook = version.borrow_and_update().clone();
            run(playbook).await;
        }
        drop(permit);
        last = next.map_or_else(|| clock.now(), |n| n.slot);
    }
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
    async fn applied_changes_take_over_from_the_next_run() {
        use std::sync::Mutex as StdMutex;
        let settings = crate::config::Settings::embedded();
        let mk = |name: &str, description: &str| {
            let text = format!(
                "name: {name}\ndescription: {description}\nschedule: '* * * * *'\ntrigger: {{ alerts: {{}} }}\nactions: [ {{ log: {{ message: x }} }} ]\n"
            );
            let p = std::path::Path::new("p.yaml");
            Arc::new(
                crate::playbook::parse_str(&text, p, std::path::Path::new("."), &settings)
                    .playbook
                    .unwrap(),
            )
        };
        let clock = Clock::scaled(600.0);
        let cancel = CancellationToken::new();
        let seen: Arc<StdMutex<Vec<(String, String)>>> = Arc::default();
        let record = seen.clone();
        let mut schedules = Schedules::new(clock.clone(), 4, cancel.clone(), move |p: Arc<Playbook>| {
            let record = record.clone();
            async move { record.lock().unwrap().push((p.name.clone(), p.description.clone())) }
        });
        let (a1, b) = (mk("a", "v1"), mk("b", "v1"));
        let added = schedules.apply(&[a1, b]);
        assert_eq!(added.added, ["a", "b"]);
        clock.sleep(Duration::from_secs(150)).await;
        let a2 = mk("a", "v2");
        let changes = schedules.apply(std::slice::from_ref(&a2));
        assert_eq!(
            changes,
            Changes {
                added: vec![],
                changed: vec!["a".into()],
                removed: vec!["b".into()]
            }
        );
        assert_eq!(
            schedules.apply(&[a2]),
            Changes::default(),
            "the same version again is no change"
        );
        let at_change = seen.lock().unwrap().len();
        clock.sleep(Duration::from_secs(150)).await;
        cancel.cancel();
        schedules.join().await;
        let seen = seen.lock().unwrap();
        let (before, after) = seen.split_at(at_change);
        assert!(before.iter().any(|r| r == &("a".into(), "v1".into())), "{seen:?}");
        assert!(before.iter().any(|r| r.0 == "b"), "{seen:?}");
        assert!(!after.is_empty(), "{seen:?}");
        assert!(
            after.iter().all(|r| r == &("a".into(), "v2".into())),
            "after the change only a's new version runs: {seen:?}"
        );
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
        let mut schedules = Schedules::new(clock.clone(), 2, cancel.clone(), move |_p: Arc<Playbook>| {
            let (r, m, n, c) = (r.clone(), m.clone(), n.clone(), c.clone());
            async move {
                let now = r.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
                // Each run takes 90 s of clock time: longer than the 60 s schedule.
                c.sleep(Duration::from_secs(90)).await;
                r.fetch_sub(1, Ordering::SeqCst);
                n.fetch_add(1, Ordering::SeqCst);
            }
        });
        schedules.apply(&playbooks);
        clock.sleep(Duration::from_secs(600)).await;
        cancel.cancel();
        schedules.join().await;
        assert!(max_seen.load(Ordering::SeqCst) <= 2, "concurrency limit");
        let total = runs.load(Ordering::SeqCst);
        // Ten minutes, runs of 90 s, two at a time, three playbooks: far fewer than 30 slots.
        assert!((4..=14).contains(&total), "{total} runs");
    }
}
