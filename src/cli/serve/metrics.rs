//! Prometheus metrics of the service, in the Prometheus project's own client: requests by
//! route and status, their latency, reloads by outcome, and the rule set's version.
//!
//! The route label is the route's pattern (`/v1/ask`), never the path asked, so a scan of
//! random paths cannot grow the label set.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Request {
    route: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Route {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Version {
    version: String,
}

fn latency() -> Histogram {
    // 25 µs to about 0.8 s, doubling.
    Histogram::new(exponential_buckets(0.000_025, 2.0, 16))
}

/// The service's metrics and their registry.
pub struct Metrics {
    registry: Registry,
    requests: Family<Request, Counter>,
    latency: Family<Route, Histogram, fn() -> Histogram>,
    reloads: Family<Outcome, Counter>,
    version: Family<Version, Gauge>,
    decisions: Counter,
    log_errors: Gauge,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("covenant");
        let requests = Family::<Request, Counter>::default();
        let latency = Family::<Route, Histogram, fn() -> Histogram>::new_with_constructor(
            latency as fn() -> Histogram,
        );
        let reloads = Family::<Outcome, Counter>::default();
        let version = Family::<Version, Gauge>::default();
        let decisions = Counter::default();
        let log_errors = Gauge::default();
        registry.register(
            "decision_log_errors",
            "Decision-log writes that failed since the start",
            log_errors.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests answered, by route and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its response's head, by route",
            latency.clone(),
        );
        registry.register(
            "reloads",
            "Reloads of the rule files, by outcome (applied or refused)",
            reloads.clone(),
        );
        registry.register(
            "rules_info",
            "The version hash of the rule set serving (value 1)",
            version.clone(),
        );
        registry.register(
            "decisions",
            "Questions answered (each has a decision id)",
            decisions.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            reloads,
            version,
            decisions,
            log_errors,
        }
    }

    /// Counts one request.
    pub fn request(&self, route: &'static str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&Request { route, status })
            .inc();
        self.latency
            .get_or_create(&Route { route })
            .observe(seconds);
    }

    /// Counts one decision.
    pub fn decided(&self) {
        self.decisions.inc();
    }

    /// Counts a reload; an applied one names the new version.
    pub fn reloaded(&self, applied: bool, version: &str) {
        let outcome = if applied { "applied" } else { "refused" };
        self.reloads
            .get_or_create(&Outcome {
                outcome: outcome.to_string(),
            })
            .inc();
        if applied {
            self.serving(version);
        }
    }

    /// The version serving now (the only one with value 1).
    pub fn serving(&self, version: &str) {
        self.version.clear();
        self.version
            .get_or_create(&Version {
                version: version.to_string(),
            })
            .set(1);
    }

    /// The decision log's failed writes, read when metrics are asked for.
    pub fn log_errors(&self, n: u64) {
        self.log_errors.set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// The text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
