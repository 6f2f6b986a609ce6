//! `covenant serve`: the rules as a decision service over HTTP, with the analyst's page.
//!
//! Analysts and programs ask the same questions as `covenant ask`, and get the same answer
//! JSON, each with a decision id and the version of the rules it was answered under. The
//! service reads the rules, then listens; it watches the rule files and swaps in a change only
//! when it checks; it writes one line per decision to the decision log off the request path;
//! on SIGINT or SIGTERM it stops taking connections, answers what is in flight (for at most 30
//! seconds), and flushes the log.

mod log;
mod metrics;
mod routes;
mod state;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use arc_swap::ArcSwapOption;

use super::{Exit, RulesArgs};
use state::{Loaded, ReloadStatus, Shared};

/// Most diagnostics rendered for a check or a refused reload, as the command line prints.
const MOST_DIAGNOSTICS: usize = 100;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(flatten)]
    rules: RulesArgs,
    /// The address to listen on (port 0: any free port, printed at the start)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Override an assumption for every answer: ID=VALUE (repeatable); a request's own `set`
    /// goes over these
    #[arg(long = "set", value_name = "ID=VALUE")]
    set: Vec<String>,
    /// Append one JSON line per decision to FILE (id, time, question, answer, rules version)
    #[arg(long, value_name = "FILE")]
    decision_log: Option<PathBuf>,
    /// The largest JSON request body accepted, in bytes (larger ones get 413); ledgers and
    /// batches are streamed and not limited
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    max_body: usize,
}

pub fn run(args: Args) -> Exit {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            errln!("error: cannot start the service's runtime: {e}");
            return Exit::Error;
        }
    };
    let exit = runtime.block_on(serve(args));
    // A reload blocked on a file (a pipe named as a rule file, say) must not keep the process.
    runtime.shutdown_timeout(Duration::from_secs(1));
    exit
}

async fn serve(args: Args) -> Exit {
    // Every path must exist now: a typo should not become a service that never reloads.
    for path in &args.rules.rules {
        if let Err(e) = std::fs::metadata(path) {
            errln!(
                "error: --rules `{}`: {}",
                path.display(),
                covenant::source::describe_io(&e)
            );
            return Exit::Error;
        }
    }
    let log = match args.decision_log.as_deref().map(log::DecisionLog::open) {
        Some(Err(e)) => {
            errln!("error: {e}");
            return Exit::Error;
        }
        Some(Ok(l)) => Some(l),
        None => None,
    };
    // The rules first: the service says it listens only once it can answer. Rules that do
    // not check at the start stop it (exit 2), as every command does.
    let first = {
        let (paths, set) = (args.rules.rules.clone(), args.set.clone());
        tokio::task::spawn_blocking(move || Loaded::read(&paths, &set)).await
    };
    let loaded = match first {
        Ok(Ok(loaded)) => loaded,
        Ok(Err((text, _))) => {
            err!("{text}");
            if !text.ends_with('\n') {
                errln!("");
            }
            errln!("error: the rules cannot be served");
            return Exit::Error;
        }
        Err(_) => {
            errln!("error: reading the rules stopped");
            return Exit::Error;
        }
    };
    let listener = match tokio::net::TcpListener::bind(&args.listen).await {
        Ok(l) => l,
        Err(e) => {
            errln!(
                "error: --listen `{}`: {}",
                args.listen,
                covenant::source::describe_io(&e)
            );
            return Exit::Error;
        }
    };
    let address = match listener.local_addr() {
        Ok(a) => a,
        Err(e) => {
            errln!("error: --listen `{}`: {e}", args.listen);
            return Exit::Error;
        }
    };
    let metrics = metrics::Metrics::new();
    metrics.serving(&loaded.version);
    errln!(
        "covenant serve: rules {} ({} files, {} agreements)",
        loaded.version,
        loaded.rules.sources().len(),
        loaded.rules.rule_set().agreements.len()
    );
    let shared = Arc::new(Shared {
        current: ArcSwapOption::from_pointee(loaded),
        paths: args.rules.rules.clone(),
        base_set: args.set.clone(),
        reload: Mutex::new(ReloadStatus::default()),
        metrics,
        log,
        max_body: args.max_body,
    });

    // Reloads: a debounced watcher of the rule files and SIGHUP both ask; one task reloads,
    // one change at a time, a burst of asks read as one. SIGHUP also reopens the decision log
    // (for rotation).
    let (reload_tx, mut reload_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let _watcher = if shared.paths.is_empty() {
        None
    } else {
        match watch(&shared.paths, reload_tx.clone()) {
            Ok(w) => Some(w),
            Err(e) => {
                errln!("error: cannot watch the rule files: {e}");
                return Exit::Error;
            }
        }
    };
    #[cfg(unix)]
    {
        let tx = reload_tx.clone();
        let shared = Arc::clone(&shared);
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
            Ok(mut hup) => {
                tokio::spawn(async move {
                    while hup.recv().await.is_some() {
                        if let Some(log) = &shared.log {
                            log.reopen();
                        }
                        let _ = tx.send(());
                    }
                });
            }
            Err(e) => errln!("covenant serve: SIGHUP will not reload: {e}"),
        }
    }
    {
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            while reload_rx.recv().await.is_some() {
                while reload_rx.try_recv().is_ok() {}
                let s = Arc::clone(&shared);
                let _ = tokio::task::spawn_blocking(move || s.reload()).await;
            }
        });
    }

    outln!("covenant serve: listening on http://{address}");
    let app = routes::router(Arc::clone(&shared));
    let drained = accept(listener, app, shutdown_signal()).await;
    let mut exit = Exit::Yes;
    if !drained {
        errln!(
            "covenant serve: connections still open {} s after the stop were closed",
            DRAIN.as_secs()
        );
    }
    if let Some(log) = &shared.log {
        match log.close() {
            Ok(n) => errln!("covenant serve: decision log closed ({n} lines written)"),
            Err(e) => {
                errln!("error: {e}");
                exit = Exit::Error;
            }
        }
    }
    errln!("covenant serve: stopped");
    exit
}

/// How long a client has to send a request's head.
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// How long in-flight requests have to finish once the service is asked to stop.
const DRAIN: Duration = Duration::from_secs(30);

/// Serves connections until `stop` completes, then stops accepting and lets the requests in
/// flight finish (at most [`DRAIN`]). Each connection is HTTP/1.1 with a read timeout on
/// request heads, and answers a request whose client has closed its sending side. Returns
/// whether every connection ended within the drain.
async fn accept(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    stop: impl std::future::Future<Output = ()>,
) -> bool {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .half_close(true)
        .keep_alive(true);
    tokio::pin!(stop);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of descriptors, say: wait a little rather than spin.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let watched = graceful.watch(connection);
        tokio::spawn(async move {
            let _ = watched.await;
        });
    }
    drop(listener);
    tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_ok()
}

/// Waits for SIGINT (Ctrl-C) or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

/// Watches the rule files and folders: a change to a `.cov` file below a folder, or to a file
/// named, asks for a reload (after 250 ms without further change). Files are watched through
/// their folder, so that an editor that saves by replacing the file is seen too.
fn watch(
    paths: &[PathBuf],
    tx: tokio::sync::mpsc::UnboundedSender<()>,
) -> Result<
    notify_debouncer_mini::Debouncer<notify_debouncer_mini::notify::RecommendedWatcher>,
    String,
> {
    use notify_debouncer_mini::notify::RecursiveMode;
    let absolute = |p: &PathBuf| std::fs::canonicalize(p).unwrap_or_else(|_| p.clone());
    let files: Vec<PathBuf> = paths.iter().filter(|p| !p.is_dir()).map(absolute).collect();
    let folders: Vec<PathBuf> = paths.iter().filter(|p| p.is_dir()).map(absolute).collect();
    let wanted = {
        let (files, folders) = (files.clone(), folders.clone());
        move |path: &std::path::Path| {
            files.iter().any(|f| f == path)
                || (path.extension().is_some_and(|e| e == "cov")
                    && folders.iter().any(|d| path.starts_with(d)))
        }
    };
    let mut debouncer = notify_debouncer_mini::new_debouncer(
        Duration::from_millis(250),
        move |events: notify_debouncer_mini::DebounceEventResult| {
            if let Ok(events) = events {
                if events.iter().any(|e| wanted(&e.path)) {
                    let _ = tx.send(());
                }
            }
        },
    )
    .map_err(|e| e.to_string())?;
    for folder in &folders {
        debouncer
            .watcher()
            .watch(folder, RecursiveMode::Recursive)
            .map_err(|e| format!("`{}`: {e}", folder.display()))?;
    }
    for file in &files {
        let parent = file.parent().unwrap_or(file);
        debouncer
            .watcher()
            .watch(parent, RecursiveMode::NonRecursive)
            .map_err(|e| format!("`{}`: {e}", parent.display()))?;
    }
    Ok(debouncer)
}
