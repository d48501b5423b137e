//! Hot reload while the engine serves the bundled tenant, in process, with the real file
//! watcher: a valid edit takes over from the next run (and cancels the pending actions of the
//! version it replaces), an invalid edit is rejected with its diagnostics in the log and
//! `/metrics` while the last good version keeps running, an added file is scheduled, a deleted
//! one stops (its pending actions cancelled), an editor's write-and-rename and a ConfigMap-style
//! symlink swap are caught, and SIGHUP's trigger forces a reload.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use graphsoar::action::Params;
use graphsoar::action::log::LogParams;
use graphsoar::emulator::{self, EmulatorOptions};
use graphsoar::engine::health::Health;
use graphsoar::engine::reload::{Cause, Reloader};
use graphsoar::playbook::LogLevel;
use graphsoar::state::{
    ActionState, HistoryFilter, ItemKind, NewEntry, PlanCommit, REASON_PLAYBOOK_CHANGED, REASON_PLAYBOOK_GONE, RunMode,
    Store,
};

use crate::engine_service::service_over;
use crate::support::TempDir;

/// A playbook that runs every minute (every 100 ms at 600x) and matches nothing.
fn playbook(name: &str, description: &str) -> String {
    format!(
        "name: {name}\ndescription: {description}\nschedule: \"* * * * *\"\ntrigger:\n  alerts: {{ since: 1h }}\n\
         condition: alert.title == \"no alert has this title\"\nactions:\n  - log: {{ message: \"{{{{ alert.id }}}}\" }}\n"
    )
}

/// Serves `service` with `reloader` until the sender is used (or dropped).
fn serve(
    service: &Arc<graphsoar::engine::service::Service>,
    health: &Arc<Health>,
    reloader: Reloader,
) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let (service, health) = (service.clone(), health.clone());
    let serving = tokio::spawn(async move {
        let stop = async {
            let _ = stop_rx.await;
        };
        service
            .serve_until(
                stop,
                std::future::pending(),
                Duration::from_secs(30),
                &health,
                Some(reloader),
            )
            .await;
    });
    (stop_tx, serving)
}

/// The log lines of this thread (the test runs on one thread, the engine's tasks with it).
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Log {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// The value of an unlabelled sample, or the sum of a family's samples for `playbook`.
fn metric(health: &Health, name: &str, playbook: Option<&str>) -> f64 {
    health
        .metrics()
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| match playbook {
            None => l.split(' ').next() == Some(name),
            Some(p) => l.starts_with(&format!("{name}{{")) && l.contains(&format!("playbook=\"{p}\"")),
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

async fn wait_for(what: &str, log: &Log, health: &Health, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}\n{}\n{}",
            health.metrics(),
            log.text()
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Waits until ledger entry `id` is cancelled, and checks why.
async fn wait_cancelled(what: &str, log: &Log, health: &Health, store: &Store, id: i64, reason: &str) {
    wait_for(what, log, health, || {
        store.entry(id).unwrap().state == ActionState::Cancelled
    })
    .await;
    assert_eq!(store.entry(id).unwrap().reason.as_deref(), Some(reason), "{what}");
}

/// The hash of the newest finished run of `playbook` (the runs `pending_of` makes never finish).
fn last_run_hash(store: &Store, playbook: &str) -> Option<String> {
    let filter = HistoryFilter {
        playbook: Some(playbook.into()),
        ..HistoryFilter::default()
    };
    let mut runs = store.recent_runs(&filter).unwrap();
    runs.retain(|r| r.finished.is_some());
    runs.sort_by_key(|r| r.id.0);
    runs.pop().map(|r| r.playbook_hash)
}

/// A pending action of `playbook` planned by a version of it with `hash` (as a failed
/// attempt leaves one, to be retried by that version's next run).
fn pending_of(store: &Store, playbook: &str, hash: &str) -> i64 {
    let run = store.start_run(playbook, hash, Utc::now(), RunMode::Live).unwrap();
    let mut plan = PlanCommit::new(run, playbook, hash, Utc::now());
    plan.entries.push(NewEntry {
        item_id: format!("item-{hash}"),
        item_kind: ItemKind::Alert,
        action_index: 0,
        params: Params::Log(LogParams {
            level: LogLevel::Info,
            message: "left pending".into(),
        }),
        hold: Default::default(),
    });
    store.commit_plan(plan).unwrap()[0]
}

fn write_atomically(path: &Path, text: &str) {
    // What editors do: write a temporary file beside it, then rename it over the original.
    let tmp = path.with_extension("yaml.swp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[tokio::test]
async fn playbooks_reload_while_the_engine_serves() {
    let log = Log::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer({
            let log = log.clone();
            move || log.clone()
        })
        .with_ansi(false)
        .finish();
    let _log = tracing::subscriber::set_default(subscriber);

    let running = emulator::spawn(EmulatorOptions::bundled().unwrap()).await.unwrap();
    let dir = TempDir::new("reload");
    dir.write("playbooks/a.yaml", playbook("a", "first version"));
    let service = Arc::new(service_over(&dir, &running, 600.0).await);
    let store = service.engine.store.clone().unwrap();
    let health = Health::new(service.set.playbooks.len());
    let reloader = Reloader::watch(&dir.path().join("playbooks"), &service.engine.settings);
    let force = reloader.trigger();
    let (stop_tx, serving) = serve(&service, &health, reloader);
    let runs_of = |p: &str| metric(&health, "graphsoar_runs_total", Some(p));
    wait_for("a's first runs", &log, &health, || runs_of("a") >= 2.0).await;
    let first = last_run_hash(&store, "a").unwrap();
    assert_eq!(metric(&health, "graphsoar_playbooks", None), 1.0);

    // A valid edit, saved as editors do: the next runs are the new version's, and an action an
    // earlier version left pending is cancelled (the playbook changed). (One of the running
    // version would be retried by its next run, within 100 ms.)
    let left_by_first = pending_of(&store, "a", "1111111111111111");
    let a = dir.path().join("playbooks/a.yaml");
    write_atomically(&a, &playbook("a", "second version"));
    wait_for("the edit to run", &log, &health, || {
        last_run_hash(&store, "a").is_some_and(|h| h != first)
    })
    .await;
    let second = last_run_hash(&store, "a").unwrap();
    wait_cancelled(
        "the first version's action to be cancelled",
        &log,
        &health,
        &store,
        left_by_first,
        REASON_PLAYBOOK_CHANGED,
    )
    .await;
    assert_eq!(metric(&health, "graphsoar_reloads_total", None), 1.0);

    // An edit that does not validate: rejected, said in the log in the usual form and counted,
    // and the second version keeps running. A pending action of an older version stays: the
    // playbook only failed to load.
    let left_by_older = pending_of(&store, "a", "0000000000000000");
    std::fs::write(&a, playbook("a", "broken").replace("alert.title ==", "alert.title = =")).unwrap();
    wait_for("the failed reload", &log, &health, || {
        metric(&health, "graphsoar_reload_failures_total", None) >= 1.0
    })
    .await;
    let text = log.text();
    let shown = a.display().to_string();
    assert!(
        text.lines()
            .any(|l| l.contains(&format!("{shown}:6:")) && l.contains("playbook \"a\": condition:")),
        "the diagnostic names file, line and field:\n{text}"
    );
    assert!(text.contains("the last good playbooks keep running"), "{text}");
    let runs_before = runs_of("a");
    wait_for("more runs of the last good version", &log, &health, || {
        runs_of("a") >= runs_before + 2.0
    })
    .await;
    assert_eq!(last_run_hash(&store, "a").as_deref(), Some(second.as_str()));
    assert_eq!(store.entry(left_by_older).unwrap().state, ActionState::Pending);

    // Fixed, and a second playbook added: both scheduled.
    std::fs::write(&a, playbook("a", "second version")).unwrap();
    dir.write("playbooks/b.yaml", playbook("b", "added"));
    wait_for("b to run", &log, &health, || runs_of("b") >= 1.0).await;
    assert_eq!(metric(&health, "graphsoar_playbooks", None), 2.0);
    assert_eq!(
        last_run_hash(&store, "a").as_deref(),
        Some(second.as_str()),
        "the same text as the running version is no change"
    );

    // Deleted: no more runs, its pending actions cancelled (every file loaded).
    std::fs::remove_file(&a).unwrap();
    wait_for("a to be unscheduled", &log, &health, || {
        metric(&health, "graphsoar_playbooks", None) == 1.0
    })
    .await;
    wait_cancelled(
        "a's pending action to be cancelled",
        &log,
        &health,
        &store,
        left_by_older,
        REASON_PLAYBOOK_GONE,
    )
    .await;
    let runs_after_delete = runs_of("a");
    let runs_of_b = runs_of("b");
    wait_for("b to keep running", &log, &health, || runs_of("b") >= runs_of_b + 3.0).await;
    assert_eq!(runs_of("a"), runs_after_delete, "a deleted playbook does not run");

    // A forced reload (SIGHUP) of an unchanged folder changes nothing.
    let reloads = metric(&health, "graphsoar_reloads_total", None);
    force.send(Cause::Forced).unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(metric(&health, "graphsoar_reloads_total", None), reloads);

    stop_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), serving)
        .await
        .unwrap()
        .unwrap();
    running.shutdown().await.unwrap();
}

/// Kubernetes mounts a ConfigMap as `..<timestamp>/` folders, a `..data` symlink to the current
/// one, and one symlink per file through it; an update swaps `..data` by renaming a new symlink
/// over it. The reload sees the new contents (and no `..` folder is loaded as playbooks).
#[cfg(unix)]
#[tokio::test]
async fn a_configmap_symlink_swap_reloads() {
    use std::os::unix::fs::symlink;
    let running = emulator::spawn(EmulatorOptions::bundled().unwrap()).await.unwrap();
    let dir = TempDir::new("reload-configmap");
    let folder = dir.path().join("playbooks");
    dir.write("playbooks/..2026_12_01/a.yaml", playbook("a", "first"));
    symlink("..2026_12_01", folder.join("..data")).unwrap();
    symlink("..data/a.yaml", folder.join("a.yaml")).unwrap();
    let service = Arc::new(service_over(&dir, &running, 600.0).await);
    let store = service.engine.store.clone().unwrap();
    let health = Health::new(service.set.playbooks.len());
    let reloader = Reloader::watch(&folder, &service.engine.settings);
    let (stop_tx, serving) = serve(&service, &health, reloader);
    let log = Log::default();
    wait_for("a's first run", &log, &health, || last_run_hash(&store, "a").is_some()).await;
    let first = last_run_hash(&store, "a").unwrap();

    dir.write("playbooks/..2026_12_02/a.yaml", playbook("a", "second"));
    symlink("..2026_12_02", folder.join("..data_tmp")).unwrap();
    std::fs::rename(folder.join("..data_tmp"), folder.join("..data")).unwrap();
    std::fs::remove_dir_all(folder.join("..2026_12_01")).unwrap();
    wait_for("the swapped version to run", &log, &health, || {
        last_run_hash(&store, "a").is_some_and(|h| h != first)
    })
    .await;
    assert_eq!(metric(&health, "graphsoar_reload_failures_total", None), 0.0);
    assert_eq!(metric(&health, "graphsoar_playbooks", None), 1.0);

    stop_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), serving)
        .await
        .unwrap()
        .unwrap();
    running.shutdown().await.unwrap();
}

/// A list file the settings name is watched too: editing it is a change (the playbooks
/// compiled again with the new values), removing it a rejected reload naming the list.
#[tokio::test]
async fn a_changed_list_file_reloads_the_playbooks_with_its_values() {
    let dir = TempDir::new("reload-lists");
    dir.write("lists/vip.txt", "alice\n");
    dir.write(
        "playbooks/a.yaml",
        playbook("a", "uses a list").replace("alert.title ==", "alert.title in lists.vip || alert.title =="),
    );
    let mut settings = graphsoar::config::Settings::embedded();
    let list = dir.path().join("lists/vip.txt");
    settings.list_files.insert("vip".into(), list.clone());
    let mut lists = (*settings.lists).clone();
    lists.insert("vip".into(), vec!["alice".into()]);
    settings.lists = Arc::new(lists);
    let folder = dir.path().join("playbooks");
    let (current, diagnostics) = graphsoar::engine::reload::PlaybookSet::load(&folder, &settings);
    assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
    let mut reloader = Reloader::watch(&folder, &settings);
    assert!(matches!(
        reloader.load(&current),
        graphsoar::engine::reload::Outcome::Unchanged
    ));

    std::fs::write(&list, "alice\nbob\n").unwrap();
    let cause = tokio::time::timeout(Duration::from_secs(10), reloader.changed()).await;
    assert_eq!(cause.ok(), Some(Cause::Files), "the list file's change is seen");
    let graphsoar::engine::reload::Outcome::Changed(set) = reloader.load(&current) else {
        panic!("a new list is a change");
    };
    assert_eq!(set.playbooks[0].lists["vip"], ["alice", "bob"]);

    std::fs::remove_file(&list).unwrap();
    let graphsoar::engine::reload::Outcome::Rejected(errors) = reloader.load(&set) else {
        panic!("a missing list file is a failed reload");
    };
    assert!(
        errors[0].contains("lists.vip") && errors[0].contains("vip.txt"),
        "{errors:?}"
    );
}

/// Started while some file did not load, the engine keeps the pending actions of playbooks it
/// does not know (they may be that file's); the first reload in which every file loads cancels
/// those of playbooks that exist nowhere.
#[tokio::test]
async fn the_first_complete_reload_cancels_actions_of_playbooks_that_exist_nowhere() {
    let running = emulator::spawn(EmulatorOptions::bundled().unwrap()).await.unwrap();
    let dir = TempDir::new("reload-complete");
    dir.write("playbooks/a.yaml", playbook("a", "first"));
    let mut service = service_over(&dir, &running, 600.0).await;
    // As if a file had not loaded at start.
    service.set.complete = false;
    let service = Arc::new(service);
    let store = service.engine.store.clone().unwrap();
    let ghost = pending_of(&store, "ghost", "2222222222222222");
    let health = Health::new(service.set.playbooks.len());
    let reloader = Reloader::watch(&dir.path().join("playbooks"), &service.engine.settings);
    let (stop_tx, serving) = serve(&service, &health, reloader);
    let log = Log::default();
    wait_for("a's first run", &log, &health, || last_run_hash(&store, "a").is_some()).await;
    assert_eq!(store.entry(ghost).unwrap().state, ActionState::Pending);

    dir.write("playbooks/b.yaml", playbook("b", "added"));
    wait_cancelled(
        "the ghost's action to be cancelled",
        &log,
        &health,
        &store,
        ghost,
        REASON_PLAYBOOK_GONE,
    )
    .await;

    stop_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), serving)
        .await
        .unwrap()
        .unwrap();
    running.shutdown().await.unwrap();
}
