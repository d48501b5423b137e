//! Injected faults and scripted changes, for reliability tests of the engine.
//!
//! # The `--faults` SPEC
//!
//! ```text
//! spec   := group (';' group)*
//! group  := route '=' fault (',' fault)*
//! route  := token | alerts | alert | incidents | expand | incident | comments | hunting | batch
//!         | machines | machine_action | machineactions | indicators
//!         | identities | identity_action | revoke_sessions | confirm_compromised | remediate | *
//! fault  := '429' ['@' SECS] ':' P   429 with Retry-After: SECS (default 1; 0 allowed)
//!         | '429n' ':' P             429 without Retry-After
//!         | '429q' ['@' SECS] ':' P  429 with the hunting CPU-quota body (Retry-After only with SECS)
//!         | '429r' ':' P             429 without Retry-After, hunting call-rate body
//!         | ('500' | '504') ':' P
//!         | '503' ['@' SECS] ':' P  503 (with Retry-After: SECS if given)
//!         | 'drop' ':' P             close the connection without answering
//!         | 'cut' ':' P              answer (the request is carried out), but close the
//!                                    connection halfway through the body
//!         | 'latency' ':' MS [':' P] add MS milliseconds (with probability P, default 1)
//! ```
//!
//! Example: `alerts=429:0.3,500:0.05;hunting=429q:0.5;*=latency:200`. `expand` is the incidents
//! list with `$expand=alerts` (`incidents` is the list without it). `alert` is one alert
//! (GET/PATCH `alerts_v2/{id}`), `comments` is either comments route, `*` every route but the
//! `/_emulator` ones. The Defender for Endpoint routes ([`super::defender`]) are `machines` (list
//! and get), `machine_action` (the action POSTs), `machineactions` (list, get and cancel) and
//! `indicators`; their faults answer in the MDE error envelope. The identity and email routes
//! ([`super::identity`]) are `identities` (list and get of identityAccounts), `identity_action`
//! (invokeAction), `revoke_sessions`, `confirm_compromised` and `remediate`. A request draws
//! once: the non-latency faults that apply to its route are exclusive, so their probabilities
//! may add up to at most 1 per route. Draws come from a SplitMix64 seeded with the emulator's
//! seed: the same requests in the same order get the same faults. `$batch` sub-requests draw on
//! their own route; `drop` and `cut` do not apply to them, nor to a request that has no
//! connection (a router called with `oneshot`).
//!
//! # Scripted changes
//!
//! `POST /_emulator/faults` can register [`Scripted`] changes: after the n-th call to a route
//! (counted from the registration, faulted calls included), PATCH an item (and optionally
//! comment on it) as an analyst would, through the same code as the API.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::generate::SplitMix64;

/// The routes faults and scripted changes name.
pub const ROUTES: &[&str] = &[
    "token",
    "alerts",
    "alert",
    "incidents",
    "expand",
    "incident",
    "comments",
    "hunting",
    "batch",
    "machines",
    "machine_action",
    "machineactions",
    "indicators",
    "identities",
    "identity_action",
    "revoke_sessions",
    "confirm_compromised",
    "remediate",
];

/// What an injected fault does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FaultKind {
    /// 429 with `Retry-After` (seconds), or without it.
    Throttle(Option<u64>),
    /// 429 with the hunting CPU-quota body, and `Retry-After` (seconds) if given.
    QuotaCpu(Option<u64>),
    /// 429 with the hunting call-rate body.
    QuotaRate,
    /// 500 or 504.
    Status(u16),
    /// 503, with `Retry-After` (seconds) if given.
    Unavailable(Option<u64>),
    /// Close the connection without a response.
    Drop,
    /// Carry the request out, then close the connection halfway through the response body.
    Cut,
    /// Added latency in milliseconds.
    Latency(u64),
}

/// One rule: on `route` (`*` = every route), `kind` with probability `probability`.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    /// A name from [`ROUTES`] or `*`.
    pub route: String,
    /// What happens.
    pub kind: FaultKind,
    /// Between 0 and 1.
    pub probability: f64,
}

/// The faults in force: parsed from a SPEC (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultSpec {
    /// The rules, in SPEC order.
    pub rules: Vec<FaultRule>,
}

/// A SPEC that does not parse: the message names the part.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid fault spec: {0}")]
pub struct FaultSpecError(pub String);

impl FromStr for FaultSpec {
    type Err = FaultSpecError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let mut rules = Vec::new();
        for group in spec.split(';').map(str::trim).filter(|g| !g.is_empty()) {
            let (route, faults) = group
                .split_once('=')
                .ok_or_else(|| FaultSpecError(format!("`{group}`: expected ROUTE=FAULT,...")))?;
            let route = route.trim();
            if route != "*" && !ROUTES.contains(&route) {
                return Err(FaultSpecError(format!(
                    "unknown route `{route}`; expected one of {} or *",
                    ROUTES.join(", ")
                )));
            }
            for fault in faults.split(',').map(str::trim) {
                rules.push(parse_fault(route, fault)?);
            }
        }
        let config = FaultSpec { rules };
        for route in ROUTES {
            let total: f64 = config
                .applicable(route)
                .filter(|r| !matches!(r.kind, FaultKind::Latency(_)))
                .map(|r| r.probability)
                .sum();
            if total > 1.0 + 1e-9 {
                return Err(FaultSpecError(format!(
                    "the fault probabilities of route `{route}` add up to {total}, more than 1"
                )));
            }
        }
        Ok(config)
    }
}

fn parse_fault(route: &str, fault: &str) -> Result<FaultRule, FaultSpecError> {
    let bad = |why: &str| FaultSpecError(format!("`{route}={fault}`: {why}"));
    let parts: Vec<&str> = fault.split(':').map(str::trim).collect();
    let probability = |text: &str| -> Result<f64, FaultSpecError> {
        match text.parse::<f64>() {
            Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
            _ => Err(bad("the probability must be a number from 0 to 1")),
        }
    };
    let (kind, p) = match parts.as_slice() {
        ["latency", ms] | ["latency", ms, _] => {
            let ms = ms
                .parse()
                .map_err(|_| bad("latency takes milliseconds, e.g. latency:200"))?;
            let p = parts.get(2).map_or(Ok(1.0), |p| probability(p))?;
            (FaultKind::Latency(ms), p)
        }
        [name, p] => {
            let kind = match *name {
                "429" => FaultKind::Throttle(Some(1)),
                "429n" => FaultKind::Throttle(None),
                "429q" => FaultKind::QuotaCpu(None),
                "429r" => FaultKind::QuotaRate,
                "500" => FaultKind::Status(500),
                "503" => FaultKind::Unavailable(None),
                "504" => FaultKind::Status(504),
                "drop" => FaultKind::Drop,
                "cut" => FaultKind::Cut,
                other => match (
                    other.strip_prefix("429@").map(str::parse::<u64>),
                    other.strip_prefix("429q@").map(str::parse::<u64>),
                    other.strip_prefix("503@").map(str::parse::<u64>),
                ) {
                    (Some(Ok(seconds)), _, _) => FaultKind::Throttle(Some(seconds)),
                    (_, Some(Ok(seconds)), _) => FaultKind::QuotaCpu(Some(seconds)),
                    (_, _, Some(Ok(seconds))) => FaultKind::Unavailable(Some(seconds)),
                    _ => {
                        return Err(bad(
                            "unknown fault; expected 429, 429@SECS, 429n, 429q, 429q@SECS, 429r, 500, 503, 503@SECS, 504, drop, cut or latency",
                        ));
                    }
                },
            };
            (kind, probability(p)?)
        }
        _ => return Err(bad("expected FAULT:PROBABILITY or latency:MS")),
    };
    Ok(FaultRule {
        route: route.to_owned(),
        kind,
        probability: p,
    })
}

impl fmt::Display for FaultSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let groups: Vec<String> = self
            .rules
            .iter()
            .map(|rule| {
                let fault = match rule.kind {
                    FaultKind::Throttle(Some(1)) => format!("429:{}", rule.probability),
                    FaultKind::Throttle(Some(s)) => format!("429@{s}:{}", rule.probability),
                    FaultKind::Throttle(None) => format!("429n:{}", rule.probability),
                    FaultKind::QuotaCpu(None) => format!("429q:{}", rule.probability),
                    FaultKind::QuotaCpu(Some(s)) => format!("429q@{s}:{}", rule.probability),
                    FaultKind::QuotaRate => format!("429r:{}", rule.probability),
                    FaultKind::Status(code) => format!("{code}:{}", rule.probability),
                    FaultKind::Unavailable(None) => format!("503:{}", rule.probability),
                    FaultKind::Unavailable(Some(s)) => format!("503@{s}:{}", rule.probability),
                    FaultKind::Drop => format!("drop:{}", rule.probability),
                    FaultKind::Cut => format!("cut:{}", rule.probability),
                    FaultKind::Latency(ms) => format!("latency:{ms}:{}", rule.probability),
                };
                format!("{}={fault}", rule.route)
            })
            .collect();
        f.write_str(&groups.join(";"))
    }
}

impl FaultSpec {
    fn applicable<'c>(&'c self, route: &'c str) -> impl Iterator<Item = &'c FaultRule> + 'c {
        self.rules.iter().filter(move |r| r.route == "*" || r.route == route)
    }
}

/// What a request gets: added latency and at most one fault.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Decision {
    /// Milliseconds to wait first.
    pub latency_ms: u64,
    /// The fault, if any (never [`FaultKind::Latency`]).
    pub fault: Option<FaultKind>,
}

/// A scripted change: after the `after`-th call to `route`, PATCH `alert` or `incident` with
/// `patch` (and post `comment`) as `by`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scripted {
    /// A name from [`ROUTES`].
    pub route: String,
    /// Fires after this many calls to `route` (1 = right after the first).
    pub after: u64,
    /// The alert to change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    /// The incident to change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<String>,
    /// The PATCH body, e.g. `{"status": "inProgress", "assignedTo": "analyst@contoso.com"}`.
    #[serde(default)]
    pub patch: Value,
    /// A comment to add after the PATCH.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The analyst's name (`lastModifiedBy`, `createdByDisplayName`).
    #[serde(default = "analyst")]
    pub by: String,
    /// Whether it has fired (output only).
    #[serde(default)]
    pub fired: bool,
}

fn analyst() -> String {
    "analyst@contoso.com".to_owned()
}

/// Faults, their random source, and scripted changes with their call counters.
#[derive(Debug)]
pub struct FaultState {
    /// The faults in force.
    pub config: FaultSpec,
    rng: SplitMix64,
    /// Registered scripted changes, fired ones included.
    pub scripted: Vec<Scripted>,
    calls: HashMap<String, u64>,
}

impl FaultState {
    /// Faults `config`, draws seeded with `seed`.
    pub fn new(config: FaultSpec, seed: u64) -> Self {
        FaultState {
            config,
            rng: SplitMix64::new(seed),
            scripted: Vec::new(),
            calls: HashMap::new(),
        }
    }

    /// Reseeds the draws.
    pub fn reseed(&mut self, seed: u64) {
        self.rng = SplitMix64::new(seed);
    }

    /// Registers a scripted change; its route's count starts now.
    pub fn script(&mut self, change: Scripted) {
        self.calls.remove(&change.route);
        self.scripted.push(change);
    }

    /// Draws the decision for one request on `route`.
    pub fn decide(&mut self, route: &str, sub_request: bool) -> Decision {
        let mut decision = Decision::default();
        let rules: Vec<FaultRule> = self.config.applicable(route).cloned().collect();
        if rules.is_empty() {
            return decision;
        }
        for rule in rules.iter().filter(|r| matches!(r.kind, FaultKind::Latency(_))) {
            if let FaultKind::Latency(ms) = rule.kind
                && self.uniform() < rule.probability
            {
                decision.latency_ms += ms;
            }
        }
        let draw = self.uniform();
        let mut threshold = 0.0;
        for rule in rules.iter().filter(|r| !matches!(r.kind, FaultKind::Latency(_))) {
            threshold += rule.probability;
            if draw < threshold {
                if !(sub_request && matches!(rule.kind, FaultKind::Drop | FaultKind::Cut)) {
                    decision.fault = Some(rule.kind);
                }
                break;
            }
        }
        decision
    }

    /// Counts a call to `route`; returns the scripted changes that fire now.
    pub fn count(&mut self, route: &str) -> Vec<Scripted> {
        let calls = self.calls.entry(route.to_owned()).or_default();
        *calls += 1;
        let calls = *calls;
        let mut firing = Vec::new();
        for change in &mut self.scripted {
            if !change.fired && change.route == route && change.after == calls {
                change.fired = true;
                firing.push(change.clone());
            }
        }
        firing
    }

    fn uniform(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_parses_and_prints_back() {
        let config: FaultSpec = "alerts=429:0.3,500:0.05;hunting=429q:0.5;*=latency:200"
            .parse()
            .unwrap();
        assert_eq!(config.rules.len(), 4);
        assert_eq!(config.rules[0].kind, FaultKind::Throttle(Some(1)));
        assert_eq!(config.rules[2].kind, FaultKind::QuotaCpu(None));
        assert_eq!(config.rules[3].kind, FaultKind::Latency(200));
        assert_eq!(config.rules[3].probability, 1.0);
        let again: FaultSpec = config.to_string().parse().unwrap();
        assert_eq!(again, config);
        let zero: FaultSpec = "token=429@0:1,429n:0".parse().unwrap();
        assert_eq!(zero.rules[0].kind, FaultKind::Throttle(Some(0)));
        let quota: FaultSpec = "hunting=429q@0:1".parse().unwrap();
        assert_eq!(quota.rules[0].kind, FaultKind::QuotaCpu(Some(0)));
        assert_eq!(quota.to_string(), "hunting=429q@0:1");
        let unavailable: FaultSpec = "alerts=503@7:0.5,503:0.5".parse().unwrap();
        assert_eq!(unavailable.rules[0].kind, FaultKind::Unavailable(Some(7)));
        assert_eq!(unavailable.to_string(), "alerts=503@7:0.5;alerts=503:0.5");
        assert_eq!("".parse::<FaultSpec>().unwrap(), FaultSpec::default());
    }

    #[test]
    fn bad_specs_say_what_is_wrong() {
        for (spec, needle) in [
            ("alert=429", "FAULT:PROBABILITY"),
            ("allerts=429:0.1", "unknown route `allerts`"),
            ("alerts=418:0.1", "unknown fault"),
            ("alerts=429:2", "from 0 to 1"),
            ("alerts=429:0.6;*=500:0.6", "add up to"),
            ("alerts", "ROUTE=FAULT"),
            ("*=latency:soon", "milliseconds"),
        ] {
            let error = spec.parse::<FaultSpec>().unwrap_err().to_string();
            assert!(error.contains(needle), "{spec}: {error}");
        }
    }

    #[test]
    fn draws_are_reproducible_and_near_the_rate() {
        let config: FaultSpec = "alerts=500:0.25".parse().unwrap();
        let run = || {
            let mut state = FaultState::new(config.clone(), 7);
            (0..1000)
                .map(|_| state.decide("alerts", false).fault.is_some())
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        let hits = first.iter().filter(|h| **h).count();
        assert!((180..320).contains(&hits), "{hits}");
        let mut state = FaultState::new("*=drop:1".parse().unwrap(), 1);
        assert_eq!(state.decide("alert", true).fault, None);
        assert_eq!(state.decide("alert", false).fault, Some(FaultKind::Drop));
    }

    #[test]
    fn scripted_fires_once_after_the_nth_call() {
        let mut state = FaultState::new(FaultSpec::default(), 1);
        state.script(Scripted {
            route: "alerts".into(),
            after: 2,
            alert: Some("a".into()),
            incident: None,
            patch: serde_json::json!({"status": "inProgress"}),
            comment: None,
            by: analyst(),
            fired: false,
        });
        assert!(state.count("alerts").is_empty());
        assert!(state.count("incidents").is_empty());
        assert_eq!(state.count("alerts").len(), 1);
        assert!(state.count("alerts").is_empty());
    }
}
