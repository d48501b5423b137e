//! The emulator: a local, Graph-compatible Microsoft Defender XDR tenant, so graphsoar runs and is
//! tested without a real tenant. It answers the same HTTP API as Microsoft Graph and Entra:
//!
//! - `POST /{tenant}/oauth2/v2.0/token`: client credentials, secret or JWT assertion
//!   ([`auth`]); tenant `local`; built-in clients `graphsoar-local` / `local-secret` (every
//!   security role) and `graphsoar-reader` / `reader-secret` (read roles only).
//! - under `/v1.0` and `/beta` (same handlers, [`handlers`]; `/v1.0` leaves out the beta-only
//!   incident properties `recommendedActions` and `recommendedHuntingQueries`): `GET /security/alerts_v2`,
//!   `GET`/`PATCH /security/alerts_v2/{id}`, `POST …/{id}/comments`, the same for
//!   `/security/incidents` (with `$expand=alerts`), `POST /security/runHuntingQuery` (also by its
//!   qualified name `microsoft.graph.security.runHuntingQuery`, as Microsoft's SDKs call it;
//!   recorded answers only, else 501) and `POST /$batch` ([`batch`]); the identity and email
//!   response actions: `identityAccounts` (list, get, `invokeAction`), `users/{id}/revokeSignInSessions`,
//!   `identityProtection/riskyUsers/confirmCompromised` and `analyzedEmails/remediate`: see
//!   [`identity`].
//! - under `/api` and `/api/v1.0`: the Defender for Endpoint API (machines, machine actions,
//!   indicators), with its own tokens, permissions, rate limits and error envelope: see
//!   [`defender`].
//! - OData options, page sizes and paging under concurrent updates: see [`list`].
//! - Faults (`--faults SPEC`, `POST /_emulator/faults`) and scripted changes: see [`faults`].
//! - `/_emulator/load`, `/_emulator/reset`, `/_emulator/stats`, `/_emulator/defender`,
//!   `/_emulator/identity`: see [`admin`].
//!
//! Every response carries `request-id` and `client-request-id`; every Graph error is
//! `{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}`.
//! Without `Prefer: include-unknown-enum-members`, evolvable enum members are answered as
//! `unknownFutureValue`, as Graph does. Not emulated: `moveAlerts`/`mergeIncidents`, and KQL
//! (recorded answers only).
//!
//! Production code uses this module only for the embedded default (`graphsoar run` with no
//! settings, through [`spawn`]); `graph` never imports it.

pub mod admin;
pub mod assertion;
pub mod auth;
pub mod batch;
pub mod dataset;
pub mod defender;
pub mod error;
pub mod faults;
pub mod generate;
pub mod handlers;
pub mod hunting;
pub mod identity;
pub mod list;
mod raw;
pub mod router;
pub mod server;
mod shift;
#[cfg(test)]
mod shipped;
pub mod stats;
pub mod store;
pub mod table;
pub mod update;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

pub use auth::{Client, TENANT_ID};
pub use dataset::{Dataset, DatasetError};
pub use error::{ApiError, GraphJson};
pub use faults::{FaultSpec, FaultSpecError, Scripted};
pub use router::router;
pub use server::{Running, bind, serve, shutdown_signal, spawn};

use auth::{Registered, Tokens};
use faults::FaultState;
use generate::SplitMix64;
use list::Snapshots;
use stats::Stats;
use store::Store;

/// The tenant an emulator starts with.
#[derive(Debug, Clone)]
pub enum Data {
    /// A dataset, its times relative to [`dataset::ANCHOR`] (shifted to the start).
    Dataset(Dataset),
    /// [`generate::generate`]`(alerts, seed)`, generated for the start (`--generate`).
    Generated {
        /// How many alerts.
        alerts: usize,
        /// The generator's seed.
        seed: u64,
    },
}

/// How an emulator starts.
#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    /// The data.
    pub data: Data,
    /// The instant the dataset's anchor stands for (normally now).
    pub start: DateTime<Utc>,
    /// How long issued tokens live.
    pub token_lifetime: Duration,
    /// Faults in force from the start.
    pub faults: FaultSpec,
    /// Seed of fault draws and of `$batch` response order.
    pub seed: u64,
    /// The clients the token endpoint accepts.
    pub clients: Vec<Client>,
    /// The longest a request may take before a 504 (latency faults included).
    pub request_timeout: Duration,
    /// The longest one advanced-hunting query may run (Graph's is 3 minutes).
    pub hunting_timeout: Duration,
    /// Where `externaldata` reads files from (`external/` of a dataset folder); none: it
    /// returns empty tables with a warning.
    pub external_dir: Option<std::path::PathBuf>,
    /// How long a Defender machine action stays `Pending`, and then `InProgress` (see
    /// [`defender::actions`]; default 2 s).
    pub machine_action_delay: Duration,
    /// Defender for Endpoint calls per minute per client and per API (response-actions-api.md
    /// §1.4: 100); 0 = no limit.
    pub defender_calls_per_minute: u32,
    /// Active Defender indicators per tenant (§4.3: 15,000).
    pub max_indicators: usize,
}

impl EmulatorOptions {
    /// `dataset`, starting now, one-hour tokens, no faults, seed 0, the built-in clients and the
    /// dataset's (one with a built-in's id replaces it).
    pub fn new(mut dataset: Dataset) -> Self {
        let extra = std::mem::take(&mut dataset.clients);
        let mut config = EmulatorOptions::with_data(Data::Dataset(dataset));
        for client in extra {
            config.clients.retain(|c| c.client_id != client.client_id);
            config.clients.push(client);
        }
        config
    }

    /// [`EmulatorOptions::new`] with a generated tenant of `alerts` alerts.
    pub fn generated(alerts: usize, seed: u64) -> Self {
        EmulatorOptions::with_data(Data::Generated { alerts, seed })
    }

    fn with_data(data: Data) -> Self {
        EmulatorOptions {
            data,
            start: Utc::now(),
            token_lifetime: Duration::from_secs(3600),
            faults: FaultSpec::default(),
            seed: 0,
            clients: Client::builtin(),
            // Graph ends a request after 3 minutes (reference §8: advanced hunting's limit).
            request_timeout: Duration::from_secs(180),
            hunting_timeout: Duration::from_secs(180),
            external_dir: None,
            machine_action_delay: Duration::from_secs(2),
            defender_calls_per_minute: 100,
            max_indicators: 15_000,
        }
    }

    /// [`EmulatorOptions::new`] with the bundled dataset.
    pub fn bundled() -> Result<Self, EmulatorError> {
        Ok(Self::new(dataset::bundled()?))
    }
}

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The dataset did not load.
    #[error("emulator dataset: {0}")]
    Dataset(#[from] DatasetError),
    /// An item of the dataset is not an alert or incident.
    #[error("emulator dataset: {0}")]
    Data(String),
    /// A client (certificate) is invalid.
    #[error("emulator client: {0}")]
    Client(String),
    /// The faults SPEC is invalid.
    #[error(transparent)]
    Faults(#[from] FaultSpecError),
    /// Contradictory options.
    #[error("emulator: {0}")]
    Config(String),
    /// Binding or serving failed.
    #[error("emulator: {what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// The shared state of a running emulator; cheap to clone.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

struct Inner {
    start: DateTime<Utc>,
    /// The store as started, for `/_emulator/reset` (shares unchanged items with `store`).
    initial: Store,
    store: RwLock<Store>,
    snapshots: Mutex<Snapshots>,
    clients: Vec<Registered>,
    tokens: Mutex<Tokens>,
    token_lifetime: Duration,
    faults: Mutex<FaultState>,
    shuffle: Mutex<SplitMix64>,
    stats: Mutex<Stats>,
    clock: Mutex<DateTime<Utc>>,
    request_timeout: Duration,
    hunting_timeout: Duration,
    external_dir: Option<std::path::PathBuf>,
    defender: Mutex<defender::State>,
    defender_settings: defender::Settings,
    identity: Mutex<identity::State>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator")
            .field("start", &self.inner.start)
            .field("clients", &self.inner.clients)
            .finish_non_exhaustive()
    }
}

/// Locks a mutex, ignoring poisoning (no lock is held across a panic-prone section).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Emulator {
    /// Builds the emulator's state: shifts the dataset to `start` (or generates the tenant for
    /// it), indexes it, parses the clients' certificates.
    pub fn new(config: EmulatorOptions) -> Result<Emulator, EmulatorError> {
        let initial = match config.data {
            Data::Dataset(mut dataset) => {
                dataset.shift_times(config.start);
                Store::from_dataset(dataset)
            }
            Data::Generated { alerts, seed } => generate::generate_store(alerts, seed, config.start),
        }
        .map_err(EmulatorError::Data)?;
        let store = initial.clone();
        let clients = config
            .clients
            .into_iter()
            .map(Registered::new)
            .collect::<Result<Vec<_>, _>>()
            .map_err(EmulatorError::Client)?;
        let inner = Inner {
            start: config.start,
            initial,
            store: RwLock::new(store),
            snapshots: Mutex::new(Snapshots::default()),
            clients,
            tokens: Mutex::new(Tokens::default()),
            token_lifetime: config.token_lifetime,
            faults: Mutex::new(FaultState::new(config.faults, config.seed)),
            shuffle: Mutex::new(SplitMix64::new(config.seed ^ 0x5EED_BA7C)),
            stats: Mutex::new(Stats::new(config.start)),
            clock: Mutex::new(DateTime::<Utc>::MIN_UTC),
            request_timeout: config.request_timeout,
            hunting_timeout: config.hunting_timeout,
            external_dir: config.external_dir,
            defender: Mutex::new(defender::State::default()),
            defender_settings: defender::Settings {
                machine_action_delay: config.machine_action_delay,
                calls_per_minute: config.defender_calls_per_minute,
                max_indicators: config.max_indicators,
            },
            identity: Mutex::new(identity::State::default()),
        };
        Ok(Emulator { inner: Arc::new(inner) })
    }

    /// The instant the dataset's anchor was shifted to.
    pub fn start(&self) -> DateTime<Utc> {
        self.inner.start
    }

    /// The request counters as `GET /_emulator/stats` shows them.
    pub fn stats(&self) -> Value {
        lock(&self.inner.stats).to_json()
    }

    /// Replaces the faults in force.
    pub fn set_faults(&self, faults: FaultSpec) {
        lock(&self.inner.faults).config = faults;
    }

    /// Registers a scripted change.
    pub fn script(&self, change: Scripted) {
        lock(&self.inner.faults).script(change);
    }

    /// Now, strictly after every time handed out before (100 ns apart at least), so
    /// `lastUpdateDateTime` cursors never see two updates at one instant.
    pub fn now(&self) -> DateTime<Utc> {
        let mut last = lock(&self.inner.clock);
        let tick = TimeDelta::nanoseconds(100);
        let now = Utc::now();
        let truncated = now - TimeDelta::nanoseconds(i64::from(now.timestamp_subsec_nanos() % 100));
        let next = if truncated > *last { truncated } else { *last + tick };
        *last = next;
        next
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, Store> {
        self.inner.store.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn write(&self) -> RwLockWriteGuard<'_, Store> {
        self.inner.store.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Shuffles `$batch` responses (seeded).
    pub(crate) fn shuffle<T>(&self, items: &mut [T]) {
        let mut rng = lock(&self.inner.shuffle);
        for i in (1..items.len()).rev() {
            let j = rng.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}
