//! The deployment files hold what they promise: the `Dockerfile` (no container daemon here, so
//! its stages and instructions are read and checked, and its health check is run against a
//! serving engine), `graphsoar health`, the systemd unit (`systemd-analyze verify`, and the engine
//! run under `MemoryDenyWriteExecute`'s rule), `examples/production.yaml` (loaded with the real
//! settings loader), and the Prometheus rules and Grafana dashboard (every metric they query is
//! one the engine exports; `promtool` checks and unit-tests the rules).
//!
//! External tools (`systemd-analyze`, `promtool`, `python3`) are used when present; without one
//! its test prints a note and passes, except with `CI=true`, where `.ci/run` installs them and a
//! missing one is a failure.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use graphsoar::config::{Credential, Settings, Tenant};
use graphsoar::engine::health::{self, Health};
use graphsoar::engine::runner::RunReport;
use graphsoar::state::Store;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::support::{TempDir, graphsoar_in, root, stderr, stdout};

/// The one metric the engine gains from the hot-reload work (issue 13), which the rules and the
/// dashboard already query; every other name must be in the engine's `/metrics` output.
const RELOAD_FAILURES: &str = "graphsoar_reload_failures_total";

// ---------------------------------------------------------------------------------------------
// Tools

/// Whether `tool` can be run; without it a test prints why it skips (or fails under `CI=true`).
fn tool_present(tool: &str, why: &str) -> bool {
    let found = Command::new(tool).arg("--version").output().is_ok();
    if !found {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{tool} is missing: .ci/run installs it ({why})");
        }
        eprintln!("skipped: {tool} is not installed ({why})");
    }
    found
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn both(out: &Output) -> String {
    format!("{}{}", stdout(out), stderr(out))
}

// ---------------------------------------------------------------------------------------------
// Dockerfile

/// One instruction, its continuation lines joined.
#[derive(Debug, Clone)]
struct Instruction {
    keyword: String,
    args: String,
    /// The 1-based line it starts on.
    line: usize,
}

/// One `FROM` and what follows it.
#[derive(Debug)]
struct Stage {
    image: String,
    name: Option<String>,
    instructions: Vec<Instruction>,
}

impl Stage {
    fn all<'a>(&'a self, keyword: &'a str) -> impl Iterator<Item = &'a Instruction> + 'a {
        self.instructions.iter().filter(move |i| i.keyword == keyword)
    }

    fn last(&self, keyword: &str) -> Option<&Instruction> {
        self.instructions.iter().rev().find(|i| i.keyword == keyword)
    }
}

/// The stages of a Dockerfile: comments and blank lines dropped, `\` continuations joined,
/// keywords upper-cased, as the builder reads them.
fn parse_dockerfile(text: &str) -> Vec<Stage> {
    let mut instructions = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, raw) in text.lines().enumerate() {
        let trimmed = raw.trim();
        if trimmed.starts_with('#') || (trimmed.is_empty() && current.is_none()) {
            continue;
        }
        let (start, mut joined) = current.take().unwrap_or((n + 1, String::new()));
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                joined.push_str(part);
                joined.push(' ');
                current = Some((start, joined));
            }
            None => {
                joined.push_str(trimmed);
                if !joined.trim().is_empty() {
                    instructions.push((start, joined));
                }
            }
        }
    }
    let mut stages: Vec<Stage> = Vec::new();
    for (line, text) in instructions {
        let (keyword, args) = text.split_once(char::is_whitespace).unwrap_or((&text, ""));
        let instruction = Instruction {
            keyword: keyword.to_ascii_uppercase(),
            args: args.trim().to_owned(),
            line,
        };
        if instruction.keyword == "FROM" {
            let words: Vec<&str> = instruction
                .args
                .split_whitespace()
                .filter(|w| !w.starts_with("--"))
                .collect();
            let name = match words.as_slice() {
                [_, as_, name] if as_.eq_ignore_ascii_case("as") => Some((*name).to_owned()),
                _ => None,
            };
            stages.push(Stage {
                image: words.first().map(|w| (*w).to_owned()).unwrap_or_default(),
                name,
                instructions: Vec::new(),
            });
        } else {
            stages
                .last_mut()
                .unwrap_or_else(|| panic!("line {line}: {} before any FROM", instruction.keyword))
                .instructions
                .push(instruction);
        }
    }
    stages
}

/// An exec-form argument list (`["a", "b"]`).
fn exec_form(args: &str, what: &str) -> Vec<String> {
    serde_json::from_str(args).unwrap_or_else(|e| panic!("{what} is not in exec form ([\"...\"]): {args} ({e})"))
}

/// The command of `HEALTHCHECK [--option=...] CMD [...]`.
fn healthcheck_command(args: &str) -> Vec<String> {
    let mut rest = args.trim();
    while rest.starts_with("--") {
        rest = rest.split_once(char::is_whitespace).map_or("", |(_, r)| r.trim_start());
    }
    let cmd = rest
        .strip_prefix("CMD")
        .unwrap_or_else(|| panic!("HEALTHCHECK without CMD: {args}"));
    exec_form(cmd.trim(), "the HEALTHCHECK command")
}

/// Cargo.toml's `rust-version`.
fn rust_version() -> String {
    read("Cargo.toml")
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .map(|v| v.trim_matches('"').to_owned())
        .expect("Cargo.toml has rust-version")
}

#[test]
fn dockerfile_parser_reads_stages_and_continuations() {
    let stages = parse_dockerfile("# comment\nFROM a:1 AS b\nRUN one \\\n  # inside\n  two\nfrom c\nuser 7\n");
    assert_eq!(stages.len(), 2);
    assert_eq!(
        (stages[0].image.as_str(), stages[0].name.as_deref()),
        ("a:1", Some("b"))
    );
    let run = stages[0].last("RUN").unwrap();
    assert_eq!((run.args.as_str(), run.line), ("one  two", 3));
    assert_eq!(stages[1].last("USER").unwrap().args, "7");
    assert_eq!(
        healthcheck_command("--interval=5s --retries=3 CMD [\"x\", \"y\"]"),
        ["x", "y"]
    );
}

/// The image builds with `cargo build --release --locked` on the Rust image of Cargo.toml's
/// rust-version, and runs as a non-root user from a smaller image of the same Debian release,
/// with the state and playbooks as volumes and graphsoar as its own health check.
#[test]
fn dockerfile_builds_locked_and_runs_unprivileged() {
    let text = read("Dockerfile");
    let stages = parse_dockerfile(&text);
    assert!(stages.len() >= 2, "a multi-stage build: {stages:#?}");
    let runtime = stages.last().unwrap();

    // The binary comes from the build stage.
    let copy = runtime
        .all("COPY")
        .find(|c| c.args.contains("--from=") && c.args.ends_with("/usr/local/bin/graphsoar"))
        .expect("the final stage copies the binary from the build stage to /usr/local/bin/graphsoar");
    let from = copy
        .args
        .split_whitespace()
        .find_map(|w| w.strip_prefix("--from="))
        .unwrap();
    assert_eq!(from, "build", ".ci/run runs the RUN lines of the stage named `build`");
    let build = stages
        .iter()
        .find(|s| s.name.as_deref() == Some(from))
        .unwrap_or_else(|| panic!("no stage named {from}"));
    let workdir = build.last("WORKDIR").map_or("/", |w| w.args.as_str());
    let source = copy.args.split_whitespace().rev().nth(1).unwrap();
    assert_eq!(source, format!("{workdir}/target/release/graphsoar"), "{copy:?}");

    // The build stage: the toolchain of rust-version, a locked release build, one line per RUN
    // (.ci/run runs these lines as they are).
    let version = rust_version();
    let suite = build
        .image
        .strip_prefix(&format!("rust:{version}-"))
        .unwrap_or_else(|| {
            panic!(
                "the build stage uses rust:{version}-<debian release>, not {}",
                build.image
            )
        });
    let suite = suite.trim_start_matches("slim-");
    assert!(
        runtime.image.starts_with(&format!("debian:{suite}")),
        "the runtime image ({}) is the Debian release the binary was built on ({suite})",
        runtime.image
    );
    let runs: Vec<&Instruction> = build.all("RUN").collect();
    assert!(
        runs.iter().any(|r| r.args == "cargo build --release --locked"),
        "the build stage runs `cargo build --release --locked`: {runs:?}"
    );
    let raw: Vec<&str> = text.lines().collect();
    for r in &runs {
        assert!(
            !raw[r.line - 1].trim_end().ends_with('\\'),
            "Dockerfile:{}: keep the build stage's RUN on one line (.ci/run extracts it)",
            r.line
        );
    }

    // Not root, by number too (Kubernetes' runAsNonRoot checks the number).
    let user = runtime.last("USER").expect("the final stage sets USER").args.clone();
    let uid = user.split(':').next().unwrap();
    assert!(
        uid.parse::<u32>().is_ok_and(|n| n != 0),
        "USER {user}: a numeric, non-zero uid"
    );

    // The state and the playbooks are volumes, where the baked-in settings put them.
    let volumes: Vec<String> = runtime
        .all("VOLUME")
        .flat_map(|v| {
            if v.args.starts_with('[') {
                exec_form(&v.args, "VOLUME")
            } else {
                v.args.split_whitespace().map(str::to_owned).collect()
            }
        })
        .collect();
    let config_copy = runtime
        .all("COPY")
        .find(|c| c.args.ends_with("/etc/graphsoar/graphsoar.yaml"))
        .expect("the image has settings at /etc/graphsoar/graphsoar.yaml");
    let config_source = config_copy.args.split_whitespace().rev().nth(1).unwrap();
    let (settings, warnings) = Settings::parse_str(&read(config_source), Path::new("/etc/graphsoar/graphsoar.yaml"))
        .unwrap_or_else(|e| panic!("{config_source}: {e:?}"));
    assert!(warnings.is_empty(), "{warnings:?}");
    let in_volume = |p: &Path| volumes.iter().any(|v| p.starts_with(v));
    assert!(
        in_volume(&settings.state),
        "state {} in {volumes:?}",
        settings.state.display()
    );
    assert!(
        in_volume(&settings.outbox),
        "outbox {} in {volumes:?}",
        settings.outbox.display()
    );
    assert!(
        volumes.iter().any(|v| Path::new(v) == settings.playbooks),
        "playbooks {} is a volume: {volumes:?}",
        settings.playbooks.display()
    );
    let listen = settings.listen.expect("the image's settings serve /healthz");
    assert!(
        listen.ip().is_unspecified(),
        "reachable from outside the container: {listen}"
    );
    let exposed = runtime.last("EXPOSE").expect("EXPOSE").args.clone();
    assert_eq!(exposed, listen.port().to_string());

    // It runs graphsoar with those settings, and checks its health with graphsoar.
    assert_eq!(
        exec_form(&runtime.last("ENTRYPOINT").expect("ENTRYPOINT").args, "ENTRYPOINT"),
        ["graphsoar"]
    );
    assert_eq!(
        exec_form(&runtime.last("CMD").expect("CMD").args, "CMD"),
        ["run", "--config", "/etc/graphsoar/graphsoar.yaml"]
    );
    let check = healthcheck_command(&runtime.last("HEALTHCHECK").expect("HEALTHCHECK").args);
    assert_eq!(check[..2], ["graphsoar", "health"], "{check:?}");

    let ignore = read(".dockerignore");
    for entry in ["target/", ".git", "outbox/", "*.db"] {
        assert!(ignore.lines().any(|l| l.trim() == entry), ".dockerignore lists {entry}");
    }
}

// ---------------------------------------------------------------------------------------------
// graphsoar health

/// The engine's real health endpoints on a loopback port, served until the runtime drops.
struct Served {
    addr: SocketAddr,
    _runtime: tokio::runtime::Runtime,
}

fn serve_health(ready: bool) -> Served {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let state = Health::new(3);
    state.set_ready(ready);
    let addr = runtime
        .block_on(health::serve(
            "127.0.0.1:0".parse().unwrap(),
            state,
            None,
            CancellationToken::new(),
        ))
        .unwrap();
    Served {
        addr,
        _runtime: runtime,
    }
}

/// The Dockerfile's HEALTHCHECK, as written, passes against a serving engine whose settings
/// listen on every address (it asks loopback), and fails once nothing answers.
#[test]
fn the_dockerfile_healthcheck_passes_against_a_serving_engine() {
    let stages = parse_dockerfile(&read("Dockerfile"));
    let runtime = stages.last().unwrap();
    let check = healthcheck_command(&runtime.last("HEALTHCHECK").unwrap().args);
    let served = serve_health(false);
    let dir = TempDir::new("deploy-healthcheck");
    let settings = read("deploy/container.yaml").replace("0.0.0.0:9464", &format!("0.0.0.0:{}", served.addr.port()));
    assert!(settings.contains(&format!(":{}", served.addr.port())));
    let config = dir.write("graphsoar.yaml", settings);
    let args: Vec<String> = check[1..]
        .iter()
        .map(|a| {
            if a == "/etc/graphsoar/graphsoar.yaml" {
                config.display().to_string()
            } else {
                a.clone()
            }
        })
        .collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = graphsoar_in(dir.path(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
    assert!(
        stdout(&out).contains(&format!("http://127.0.0.1:{}/healthz: 200 OK", served.addr.port())),
        "{}",
        both(&out)
    );
    let port = served.addr.port();
    drop(served);
    let out = graphsoar_in(dir.path(), &args);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(
        stderr(&out).contains(&format!("http://127.0.0.1:{port}/healthz")),
        "names what it asked: {}",
        both(&out)
    );
}

/// Anything but 200 is unhealthy: `--url` at `/readyz` of an engine that is not ready.
#[test]
fn health_is_1_when_the_answer_is_not_200() {
    let served = serve_health(false);
    let dir = TempDir::new("deploy-health-503");
    let url = format!("http://{}/readyz", served.addr);
    let out = graphsoar_in(dir.path(), &["health", "--url", &url]);
    assert_eq!(out.status.code(), Some(1), "{}", both(&out));
    assert!(stderr(&out).contains("answered HTTP 503"), "{}", both(&out));
    let ready = serve_health(true);
    let url = format!("http://{}/readyz", ready.addr);
    let out = graphsoar_in(dir.path(), &["health", "--url", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
}

/// Settings without `listen` leave nothing to ask: exit 2, saying what to set.
#[test]
fn health_without_listen_says_what_to_set() {
    let dir = TempDir::new("deploy-health-nolisten");
    dir.write("graphsoar.yaml", "cursor_overlap: 5m\n");
    let out = graphsoar_in(dir.path(), &["health"]);
    assert_eq!(out.status.code(), Some(2), "{}", both(&out));
    let err = stderr(&out);
    assert!(
        err.contains("graphsoar.yaml has no `listen` address") && err.contains("set `listen: 127.0.0.1:9464`"),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// systemd

/// `key=value` settings of a unit file, in order (a key may repeat).
fn unit_settings(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';') && !l.starts_with('['))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect()
}

fn unit_value<'a>(settings: &'a [(String, String)], key: &str) -> Option<&'a str> {
    settings.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// A copy of the shipped unit in a temporary folder, its ExecStart pointing at `binary`.
fn unit_copy(dir: &TempDir, binary: &str) -> PathBuf {
    let unit = read("deploy/graphsoar.service");
    let shipped = "ExecStart=/usr/local/bin/graphsoar ";
    assert!(unit.contains(shipped), "ExecStart runs /usr/local/bin/graphsoar");
    dir.write(
        "graphsoar.service",
        unit.replace(shipped, &format!("ExecStart={binary} ")),
    )
}

/// `systemd-analyze verify` accepts the unit with nothing to say, once its ExecStart is a real
/// binary (the cargo-built one); pointing it at a missing binary is refused, so the check can
/// fail. `.ci/run` verifies the unit as shipped, with the release binary installed at
/// /usr/local/bin/graphsoar.
#[test]
fn the_systemd_unit_passes_systemd_analyze_verify() {
    if !tool_present("systemd-analyze", "Debian package systemd") {
        return;
    }
    let dir = TempDir::new("deploy-unit");
    let unit = unit_copy(&dir, env!("CARGO_BIN_EXE_graphsoar"));
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", both(&out));
    assert_eq!(both(&out).trim(), "", "verify prints no warnings");

    let missing = TempDir::new("deploy-unit-missing");
    let unit = unit_copy(
        &missing,
        &missing.path().join("no-such-graphsoar").display().to_string(),
    );
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .unwrap();
    assert!(!out.status.success(), "a missing binary is refused: {}", both(&out));
}

/// The unit's promises, and that they fit the engine and examples/production.yaml: a dynamic
/// user, state and settings directories, the credentials the settings read, the hardening, a
/// stop timeout longer than the engine's shutdown grace, SIGHUP for reloads.
#[test]
fn the_systemd_unit_fits_the_engine_and_the_production_settings() {
    let unit = unit_settings(&read("deploy/graphsoar.service"));
    let get = |key: &str| unit_value(&unit, key).unwrap_or_else(|| panic!("the unit sets {key}="));
    for (key, value) in [
        ("DynamicUser", "yes"),
        ("StateDirectory", "graphsoar"),
        ("ConfigurationDirectory", "graphsoar"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("NoNewPrivileges", "yes"),
        ("CapabilityBoundingSet", ""),
        ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"),
        ("MemoryDenyWriteExecute", "yes"),
        ("Restart", "on-failure"),
        ("ExecReload", "/bin/kill -HUP $MAINPID"),
        ("KillSignal", "SIGTERM"),
        (
            "ExecStart",
            "/usr/local/bin/graphsoar run --config /etc/graphsoar/graphsoar.yaml",
        ),
    ] {
        assert_eq!(get(key), value, "{key}=");
    }
    assert!(
        unit.iter()
            .any(|(k, v)| k == "SystemCallFilter" && v == "@system-service"),
        "SystemCallFilter=@system-service"
    );

    // systemd waits longer than the engine lets running actions finish.
    let help = stdout(&graphsoar_in(root(), &["run", "--help"]));
    let grace = help
        .split("--shutdown-grace")
        .nth(1)
        .and_then(|s| s.split("[default: ").nth(1))
        .and_then(|s| s.split(']').next())
        .unwrap_or_else(|| panic!("the --shutdown-grace default in\n{help}"));
    let seconds = |text: &str| {
        graphsoar::duration::Duration::parse(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .to_std()
    };
    assert!(
        seconds(get("TimeoutStopSec")) > seconds(grace),
        "TimeoutStopSec={} is longer than --shutdown-grace {grace}",
        get("TimeoutStopSec")
    );
    assert!(seconds(get("RestartSec")) >= std::time::Duration::from_secs(1));

    // The credentials are those production.yaml reads, where systemd puts them.
    let credentials: BTreeSet<String> = unit
        .iter()
        .filter(|(k, _)| k == "LoadCredential")
        .map(|(_, v)| v.split(':').next().unwrap().to_owned())
        .collect();
    let (settings, _dir) = production_settings();
    let dir = Path::new("/run/credentials/graphsoar.service");
    let Tenant::Remote(tenant) = &settings.tenant else {
        panic!("production.yaml names a tenant");
    };
    let Credential::SecretFile(secret) = &tenant.credential else {
        panic!("production.yaml uses client_secret_file: {:?}", tenant.credential);
    };
    let password = settings
        .smtp
        .as_ref()
        .and_then(|s| s.password_file.clone())
        .expect("production.yaml sets smtp.password_file");
    let read_by_settings: BTreeSet<String> = [secret, &password]
        .into_iter()
        .map(|p| {
            p.strip_prefix(dir)
                .unwrap_or_else(|_| panic!("{} is in {}", p.display(), dir.display()))
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(credentials, read_by_settings);
    // The service writes only its state directory.
    let state_dir = Path::new("/var/lib").join(get("StateDirectory"));
    assert!(settings.state.starts_with(&state_dir), "{}", settings.state.display());
    assert!(settings.outbox.starts_with(&state_dir), "{}", settings.outbox.display());
}

/// What `MemoryDenyWriteExecute=yes` enforces (the kernel's "deny write-execute" rule, which
/// systemd applies with `prctl(PR_SET_MDWE)` or seccomp) does not stop the engine: a whole
/// `run --once` of the shipped playbooks (Rhai conditions, templates, TLS-capable HTTP, SQLite)
/// succeeds under it. The wrapper first checks the rule is in force (a writable and executable
/// mapping is refused), so the test cannot pass without it.
#[test]
fn the_engine_runs_under_memory_deny_write_execute() {
    if !tool_present("python3", "to apply PR_SET_MDWE before starting graphsoar") {
        return;
    }
    const WRAPPER: &str = r#"
import ctypes, mmap, os, sys
PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN = 65, 1
if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
    sys.exit(77)
try:
    mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
    sys.exit(78)
except OSError:
    pass
os.execv(sys.argv[1], sys.argv[1:])
"#;
    let dir = TempDir::new("deploy-mdwe");
    crate::support::copy_dir(&root().join("playbooks"), &dir.path().join("playbooks"));
    let out = Command::new("python3")
        .args(["-c", WRAPPER, env!("CARGO_BIN_EXE_graphsoar"), "run", "--once"])
        .current_dir(dir.path())
        .env_remove("GRAPHSOAR_CONFIG")
        .output()
        .unwrap();
    match out.status.code() {
        Some(77) => eprintln!("skipped: this kernel has no PR_SET_MDWE (Linux 6.3 and later)"),
        Some(78) => panic!("PR_SET_MDWE was accepted but a writable, executable mapping was not refused"),
        code => {
            assert_eq!(code, Some(0), "{}", both(&out));
            assert!(stdout(&out).contains("close-eicar-test-alerts"), "{}", both(&out));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// examples/production.yaml

/// examples/production.yaml loaded by the real loader from a folder holding the files it names
/// relative to itself (its lists and hunting schema), as /etc/graphsoar would.
fn production_settings() -> (Settings, TempDir) {
    let dir = TempDir::new("deploy-production");
    let text = read("examples/production.yaml");
    let config = dir.write("graphsoar.yaml", &text);
    let raw: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    for (_, file) in raw["lists"].as_mapping().expect("production.yaml names lists") {
        dir.write(file.as_str().unwrap(), "# a test list\nvalue-1\n");
    }
    dir.write(
        raw["hunting_schema"]
            .as_str()
            .expect("production.yaml names hunting_schema"),
        read("examples/hunting-schema.json"),
    );
    let (settings, warnings) = Settings::load_file(&config).unwrap_or_else(|errors| {
        panic!(
            "production.yaml does not load:\n{}",
            errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
        )
    });
    assert!(
        warnings.is_empty(),
        "production.yaml loads without warnings: {warnings:?}"
    );
    (settings, dir)
}

/// The loader accepts it as it is, with no warning, and so does `graphsoar validate` with the
/// shipped playbooks.
#[test]
fn the_production_example_loads_with_the_real_loader() {
    let (settings, dir) = production_settings();
    assert!(matches!(settings.tenant, Tenant::Remote(_)));
    assert_eq!(settings.listen, Some("127.0.0.1:9464".parse().unwrap()));
    assert!(settings.lists["scanner_ips"].contains(&"value-1".to_owned()));
    let config = dir.path().join("graphsoar.yaml").display().to_string();
    let playbooks = root().join("playbooks").display().to_string();
    let out = graphsoar_in(dir.path(), &["validate", "--config", &config, &playbooks]);
    assert_eq!(out.status.code(), Some(0), "{}", both(&out));
}

/// Every key of the settings format (from its JSON Schema, so a new key fails this test until
/// the example has it) appears in the example, set or commented out, each with a comment saying
/// what it does (on its line or the line above).
#[test]
fn the_production_example_names_and_comments_every_settings_key() {
    let schema = schemars::schema_for!(graphsoar::config::SettingsConfig).to_value();
    let defs = &schema["$defs"];
    let mut keys = Vec::new();
    for (name, property) in schema["properties"].as_object().unwrap() {
        keys.push((name.clone(), 0));
        let reference = property.to_string();
        if let Some(def) = reference.split("#/$defs/").nth(1).and_then(|r| r.split('"').next())
            && let Some(children) = defs[def]["properties"].as_object()
        {
            keys.extend(children.keys().map(|c| (c.clone(), 1)));
        }
    }
    assert!(keys.len() > 30, "{keys:?}");
    let text = read("examples/production.yaml");
    let lines: Vec<&str> = text.lines().collect();
    let mut missing = Vec::new();
    for (key, depth) in &keys {
        let found = lines.iter().enumerate().find(|(_, l)| {
            let body = l.trim_start().trim_start_matches('#').trim_start();
            let indent = l.len() - l.trim_start().len();
            body.starts_with(&format!("{key}:")) && (l.trim_start().starts_with('#') || indent == depth * 2)
        });
        match found {
            None => missing.push(format!("{key}: absent")),
            Some((n, line)) => {
                let commented = line.trim_start().starts_with('#')
                    || line.contains(" # ")
                    || n > 0 && lines[n - 1].trim_start().starts_with('#');
                if !commented {
                    missing.push(format!("{key}: no comment"));
                }
            }
        }
    }
    assert!(missing.is_empty(), "examples/production.yaml: {missing:?}");
}

/// The keys the example marks "not yet supported" are still refused by the loader; once one is
/// built, this fails so the example is updated.
#[test]
fn the_production_example_marks_only_refused_keys_as_not_yet_supported() {
    let text = read("examples/production.yaml");
    let section = text
        .split("Not yet supported")
        .nth(1)
        .expect("production.yaml has a 'Not yet supported' section");
    let keys: Vec<&str> = section
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("# "))
        .filter_map(|l| l.split_once(':').map(|(k, _)| k))
        .filter(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect();
    assert_eq!(keys, ["ha", "tenants"]);
    for key in keys {
        let settings = format!("{key}: {{}}\n");
        let result = Settings::parse_str(&settings, Path::new("graphsoar.yaml"));
        let errors = result
            .err()
            .unwrap_or_else(|| panic!("`{key}` is accepted now: move it out of 'Not yet supported'"));
        assert!(errors.iter().any(|e| e.to_string().contains(key)), "{key}: {errors:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// Prometheus rules and the Grafana dashboard

/// The metric families the engine's /metrics exports (all of them: a run recorded and the
/// state attached, so the per-playbook and pending-action families are present).
fn exported_metrics() -> BTreeSet<String> {
    let dir = TempDir::new("deploy-metrics");
    let state = Health::new(1);
    state.attach_store(Arc::new(Store::open(&dir.db(), "default").unwrap()));
    state.record(
        &RunReport {
            playbook: "p".into(),
            ..RunReport::default()
        },
        chrono::Utc::now(),
    );
    let names: BTreeSet<String> = state
        .metrics()
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect();
    assert!(names.contains("graphsoar_pending_actions"), "{names:?}");
    names
}

/// The graphsoar metric names a PromQL expression reads.
fn metrics_in(expr: &str) -> BTreeSet<String> {
    let re = regex::Regex::new(r"\bgraphsoar_[a-z0-9_]+").unwrap();
    re.find_iter(expr).map(|m| m.as_str().to_owned()).collect()
}

/// Every expression of the rules file, by alert name.
fn rule_expressions() -> BTreeMap<String, String> {
    let rules: serde_yaml::Value = serde_yaml::from_str(&read("examples/prometheus/graphsoar-rules.yaml")).unwrap();
    let mut out = BTreeMap::new();
    for group in rules["groups"].as_sequence().expect("groups") {
        for rule in group["rules"].as_sequence().expect("rules") {
            let name = rule["alert"].as_str().expect("alerting rules").to_owned();
            out.insert(name, rule["expr"].as_str().expect("expr").to_owned());
        }
    }
    out
}

/// The rules alert on what the issue asks for, and every metric they read is one the engine
/// exports (or the reload counter).
#[test]
fn the_alerting_rules_read_only_exported_metrics() {
    let mut known = exported_metrics();
    known.insert(RELOAD_FAILURES.to_owned());
    let mut read_by_rules = BTreeSet::new();
    for (alert, expr) in rule_expressions() {
        let names = metrics_in(&expr);
        assert!(!names.is_empty(), "{alert}: {expr}");
        for name in names {
            assert!(
                known.contains(&name),
                "{alert} reads {name}, which /metrics does not export"
            );
            read_by_rules.insert(name);
        }
    }
    for wanted in [
        "graphsoar_up",
        "graphsoar_last_success_timestamp_seconds",
        "graphsoar_pending_actions",
        "graphsoar_condition_errors_total",
        RELOAD_FAILURES,
    ] {
        assert!(read_by_rules.contains(wanted), "no rule reads {wanted}");
    }
}

/// `promtool check rules` accepts the rules, and their unit tests pass.
#[test]
fn the_alerting_rules_pass_promtool() {
    if !tool_present("promtool", "Debian package prometheus") {
        return;
    }
    let dir = root().join("examples/prometheus");
    for args in [
        ["check", "rules", "graphsoar-rules.yaml"],
        ["test", "rules", "graphsoar-rules.test.yaml"],
    ] {
        let out = Command::new("promtool").args(args).current_dir(&dir).output().unwrap();
        assert!(out.status.success(), "promtool {}:\n{}", args.join(" "), both(&out));
    }
}

/// The panels of a dashboard, those inside collapsed rows too.
fn panels(dashboard: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    let mut stack: Vec<&Value> = dashboard["panels"].as_array().into_iter().flatten().collect();
    while let Some(p) = stack.pop() {
        stack.extend(p["panels"].as_array().into_iter().flatten());
        out.push(p);
    }
    out
}

/// The dashboard is JSON Grafana can import with a `${DS_PROMETHEUS}` input, every panel uses
/// that data source, it shows what the issue lists, and every metric it queries is exported
/// (or the reload counter). With promtool present, its queries are also parsed as PromQL.
#[test]
fn the_grafana_dashboard_queries_only_exported_metrics() {
    let dashboard: Value = serde_json::from_str(&read("examples/grafana/graphsoar-dashboard.json")).unwrap();
    let inputs = dashboard["__inputs"].as_array().expect("__inputs");
    assert!(
        inputs
            .iter()
            .any(|i| i["name"] == "DS_PROMETHEUS" && i["type"] == "datasource" && i["pluginId"] == "prometheus"),
        "{inputs:?}"
    );
    let mut known = exported_metrics();
    known.insert(RELOAD_FAILURES.to_owned());
    let mut queried = BTreeSet::new();
    let mut exprs = Vec::new();
    for panel in panels(&dashboard) {
        let title = panel["title"].as_str().unwrap_or("?");
        if panel["type"] == "row" {
            continue;
        }
        assert_eq!(panel["datasource"]["uid"], "${DS_PROMETHEUS}", "panel {title}");
        let targets = panel["targets"]
            .as_array()
            .unwrap_or_else(|| panic!("panel {title} has targets"));
        assert!(!targets.is_empty(), "panel {title}");
        for t in targets {
            let expr = t["expr"]
                .as_str()
                .unwrap_or_else(|| panic!("panel {title}: a target without expr"));
            for name in metrics_in(expr) {
                assert!(
                    known.contains(&name),
                    "panel {title} queries {name}, which /metrics does not export"
                );
                queried.insert(name);
            }
            exprs.push(expr.to_owned());
        }
    }
    for wanted in [
        "graphsoar_runs_total",
        "graphsoar_actions_total",
        "graphsoar_items_fetched_total",
        "graphsoar_items_matched_total",
        "graphsoar_pending_actions",
        "graphsoar_last_success_timestamp_seconds",
        "graphsoar_condition_errors_total",
        "graphsoar_playbooks",
        RELOAD_FAILURES,
    ] {
        assert!(queried.contains(wanted), "no panel shows {wanted}");
    }

    // The queries parse: promtool checks them as recording rules, Grafana's variables filled in.
    if !tool_present("promtool", "Debian package prometheus") {
        return;
    }
    let rules = serde_json::json!({ "groups": [{ "name": "dashboard", "rules": exprs.iter().enumerate().map(|(i, e)| {
        let e = e.replace("$__rate_interval", "5m").replace("$instance", ".*").replace("$playbook", ".*");
        serde_json::json!({ "record": format!("dashboard:query_{i}"), "expr": e })
    }).collect::<Vec<_>>() }] });
    let dir = TempDir::new("deploy-dashboard");
    let file = dir.write("rules.yaml", serde_json::to_string(&rules).unwrap());
    let out = Command::new("promtool")
        .arg("check")
        .arg("rules")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "the dashboard's queries:\n{}", both(&out));
}
