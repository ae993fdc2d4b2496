//! `bench-sync`: a load generator for Passgenau's sync API (protocol v1) against a running server.
//! `bench/sync.sh` builds the release server, starts it on a fresh SQLite file with the demo users,
//! runs this binary and stops the server. Run by hand; it is not part of the test command.
//!
//! Phases (in this order, each can be chosen with `--phases`):
//! - `scale` (first half): seed the database to 10k records, time a no-op and an incremental sync;
//! - `push`: 10k and 100k new records in batches of 100 and of 1000, one fresh device per run;
//! - `pull`: 10k and 100k records in pages of 100 and of 1000;
//! - `noop`: the no-op sync (`GET me` + an empty pull at the current cursor), repeated;
//! - `concurrent`: 100 devices (tokio tasks, their own client ids) push small batches and pull;
//! - `scale` (second half): seed to 1M records, time the same syncs again, print the ratio.

mod api;
mod stats;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use api::{Api, Device, Session};
use stats::{mb, ms, percentile, Meter, ServerProc};

const USAGE: &str = "usage: bench-sync --url URL [--users anna,ben,clara] [--password PW] [--server-pid PID]
                  [--quick] [--phases scale,push,pull,noop,concurrent] [--scale-big N]";

const PUSH_TARGET: f64 = 20_000.0;
const PULL_TARGET: f64 = 40_000.0;
const NOOP_TARGET: Duration = Duration::from_millis(2);
const SCALE_TARGET: f64 = 1.2;

struct Args {
    url: String,
    users: Vec<String>,
    password: String,
    server_pid: Option<u32>,
    quick: bool,
    phases: Vec<String>,
    scale_big: Option<u64>,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut a = Args {
        url: String::new(),
        users: vec!["anna".into(), "ben".into(), "clara".into()],
        password: "passgenau-demo".into(),
        server_pid: None,
        quick: false,
        phases: ["scale", "push", "pull", "noop", "concurrent"].map(String::from).to_vec(),
        scale_big: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().with_context(|| format!("{arg} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--url" => a.url = value()?,
            "--users" => a.users = value()?.split(',').map(str::to_owned).collect(),
            "--password" => a.password = value()?,
            "--server-pid" => a.server_pid = Some(value()?.parse().context("--server-pid")?),
            "--quick" => a.quick = true,
            "--phases" => a.phases = value()?.split(',').map(str::to_owned).collect(),
            "--scale-big" => a.scale_big = Some(value()?.parse().context("--scale-big")?),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if a.url.is_empty() {
        bail!("--url is required\n{USAGE}");
    }
    Ok(a)
}

/// Sizes of one run: the full figures, or a quick look while developing.
struct Plan {
    push_sizes: Vec<u64>,
    batches: Vec<usize>,
    pull_sizes: Vec<u64>,
    pages: Vec<u32>,
    noop_reps: usize,
    devices: usize,
    rounds: usize,
    device_batch: usize,
    scale_small: u64,
    scale_big: u64,
    scale_noop_reps: usize,
    scale_incr_reps: usize,
}

impl Plan {
    fn new(quick: bool, scale_big: Option<u64>) -> Self {
        if quick {
            Plan {
                push_sizes: vec![1_000, 10_000],
                batches: vec![100, 1000],
                pull_sizes: vec![1_000, 10_000],
                pages: vec![100, 1000],
                noop_reps: 200,
                devices: 100,
                rounds: 5,
                device_batch: 10,
                scale_small: 10_000,
                scale_big: scale_big.unwrap_or(100_000),
                scale_noop_reps: 200,
                scale_incr_reps: 50,
            }
        } else {
            Plan {
                push_sizes: vec![10_000, 100_000],
                batches: vec![100, 1000],
                pull_sizes: vec![10_000, 100_000],
                pages: vec![100, 1000],
                noop_reps: 1000,
                devices: 100,
                rounds: 20,
                device_batch: 10,
                scale_small: 10_000,
                scale_big: scale_big.unwrap_or(1_000_000),
                scale_noop_reps: 1000,
                scale_incr_reps: 200,
            }
        }
    }
}

/// What the benchmark knows about the server's data. All writes of the benchmark create records and
/// are applied, so a team's counter (the highest `seq`) equals the number of its records.
struct World {
    api: Api,
    sessions: Vec<Arc<Session>>,
    heads: BTreeMap<String, u64>,
    srv: ServerProc,
    verdicts: Vec<String>,
}

impl World {
    fn total_records(&self) -> u64 {
        self.heads.values().sum()
    }

    fn head(&self, s: &Session) -> u64 {
        self.heads.get(&s.team_id).copied().unwrap_or(0)
    }

    fn verdict(&mut self, what: String, pass: bool) -> &'static str {
        let v = if pass { "PASS" } else { "MISS" };
        self.verdicts.push(format!("{v}  {what}"));
        v
    }

    /// Pushes `n` new records into the first user's team in batches of 1000 (not a measured phase).
    async fn seed(&mut self, n: u64) -> anyhow::Result<()> {
        if n == 0 {
            return Ok(());
        }
        let s = self.sessions[0].clone();
        let mut dev = Device::new();
        let mut m = Meter::default();
        self.srv.start_phase();
        let start = Instant::now();
        let mut done = 0;
        let mut next_report = 100_000;
        while done < n {
            let b = dev.batch((n - done).min(1000) as usize);
            self.api.push(&s, &b, &mut m).await?;
            done += b.records;
            *self.heads.entry(s.team_id.clone()).or_default() += b.records;
            if done >= next_report {
                eprintln!(
                    "  … seeded {} of {} ({:.0} records/s)",
                    th(done),
                    th(n),
                    rate(done, start.elapsed())
                );
                next_report += 100_000;
            }
        }
        let secs = start.elapsed();
        let used = self.srv.end_phase();
        println!(
            "seeded {} records in {:.1} s ({:.0} records/s, batches of 1000, push p50 {} ms, p99 {} ms, \
             server peak {} MiB, CPU {}); database now holds {}",
            th(n),
            secs.as_secs_f64(),
            rate(n, secs),
            ms(m.p50()),
            ms(m.p99()),
            used.peak,
            used.cpu_text(secs),
            th(self.total_records())
        );
        Ok(())
    }
}

/// `/proc/loadavg`: other processes on this 2-core machine (builds!) skew every figure.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn rate(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64().max(1e-9)
}

/// 1234567 -> "1,234,567".
fn th(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(e) = run().await {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}

async fn run() -> anyhow::Result<()> {
    let args = parse_args()?;
    let plan = Plan::new(args.quick, args.scale_big);
    let api = Api::new(&args.url)?;
    let mut sessions = Vec::new();
    for u in &args.users {
        sessions.push(Arc::new(api.login(u, &args.password).await?));
    }
    // The current head of every team; a few requests even on a large database.
    let mut heads = BTreeMap::new();
    for s in &sessions {
        if !heads.contains_key(&s.team_id) {
            heads.insert(s.team_id.clone(), api.head(s).await?);
        }
    }
    let srv = ServerProc::new(args.server_pid);
    let mut w = World { api, sessions, heads, srv, verdicts: Vec::new() };
    let has = |p: &str| args.phases.iter().any(|x| x == p);

    println!("bench-sync against {} ({} mode)", args.url, if args.quick { "quick" } else { "full" });
    println!(
        "users: {}; teams: {}; records in the database at start: {}",
        w.sessions.iter().map(|s| s.username.as_str()).collect::<Vec<_>>().join(", "),
        w.heads.len(),
        th(w.total_records())
    );
    println!("latency: from sending a request until its whole response body arrived, over loopback;");
    println!("bytes: HTTP bodies only (no headers), uncompressed (the generator sends no Accept-Encoding);");
    println!(
        "server peak memory: {}; server CPU: user + system seconds of the server process",
        w.srv.describe()
    );
    println!("machine load before the run: {}", loadavg());

    let mut small = None;
    if has("scale") {
        small = Some(scale_point(&mut w, &plan, plan.scale_small).await?);
    }
    if has("push") {
        push_phase(&mut w, &plan).await?;
    }
    if has("pull") {
        pull_phase(&mut w, &plan).await?;
    }
    if has("noop") {
        noop_phase(&mut w, &plan).await?;
    }
    if has("concurrent") {
        concurrent_phase(&mut w, &plan).await?;
    }
    if let Some(small) = small {
        let big = scale_point(&mut w, &plan, plan.scale_big).await?;
        scale_report(&mut w, &small, &big);
    }

    println!("\n== targets ==");
    for v in &w.verdicts {
        println!("{v}");
    }
    println!("machine load after the run: {}", loadavg());
    if args.server_pid.is_some() {
        println!(
            "server peak memory over the whole run (VmHWM): {:.1} MiB",
            w.srv.overall_kb as f64 / 1024.0
        );
    }
    Ok(())
}

async fn push_phase(w: &mut World, plan: &Plan) -> anyhow::Result<()> {
    println!("\n== push: new case records, one fresh device per run ==");
    println!(
        "{:>8} {:>6} {:>7} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>14}  target ≥ {} records/s",
        "records",
        "batch",
        "secs",
        "records/s",
        "sent MB",
        "recv KB",
        "p50 ms",
        "p99 ms",
        "peak MiB",
        "server CPU",
        PUSH_TARGET
    );
    let s = w.sessions[0].clone();
    for &n in &plan.push_sizes {
        for &batch in &plan.batches {
            let mut dev = Device::new();
            // Bodies are serialized before the clock starts: the figure is the server's, not the generator's.
            let mut batches = Vec::new();
            let mut left = n;
            while left > 0 {
                let b = dev.batch(left.min(batch as u64) as usize);
                left -= b.records;
                batches.push(b);
            }
            let mut m = Meter::default();
            w.srv.start_phase();
            let start = Instant::now();
            for b in &batches {
                w.api.push(&s, b, &mut m).await?;
            }
            let secs = start.elapsed();
            *w.heads.entry(s.team_id.clone()).or_default() += n;
            let r = rate(n, secs);
            let used = w.srv.end_phase();
            let v = w.verdict(
                format!("push {} records, batches of {batch}: {r:.0} records/s (≥ 20,000)", th(n)),
                r >= PUSH_TARGET,
            );
            println!(
                "{:>8} {:>6} {:>7.2} {:>10.0} {:>8} {:>8.1} {:>8} {:>8} {:>8} {:>14}  {v}",
                n,
                batch,
                secs.as_secs_f64(),
                r,
                mb(m.sent),
                m.recv as f64 / 1000.0,
                ms(m.p50()),
                ms(m.p99()),
                used.peak,
                used.cpu_text(secs)
            );
        }
    }
    Ok(())
}

async fn pull_phase(w: &mut World, plan: &Plan) -> anyhow::Result<()> {
    let need = plan.pull_sizes.iter().copied().max().unwrap_or(0);
    let s = w.sessions[0].clone();
    let have = w.head(&s);
    if have < need {
        w.seed(need - have).await?;
    }
    println!("\n== pull: from cursor 0, the team's first records ==");
    println!(
        "{:>8} {:>6} {:>7} {:>10} {:>8} {:>8} {:>8} {:>8} {:>8} {:>14}  target ≥ {} records/s",
        "records",
        "page",
        "secs",
        "records/s",
        "sent KB",
        "recv MB",
        "p50 ms",
        "p99 ms",
        "peak MiB",
        "server CPU",
        PULL_TARGET
    );
    for &n in &plan.pull_sizes {
        for &page in &plan.pages {
            let mut m = Meter::default();
            w.srv.start_phase();
            let start = Instant::now();
            let (mut cursor, mut got) = (0, 0);
            while got < n {
                let limit = (n - got).min(u64::from(page)) as u32;
                let p = w.api.pull(&s, cursor, limit, &mut m).await?;
                got += p.records;
                cursor = p.cursor;
                if p.records == 0 {
                    bail!("pull ended after {got} of {n} records");
                }
            }
            let secs = start.elapsed();
            let r = rate(n, secs);
            let used = w.srv.end_phase();
            let v = w.verdict(
                format!("pull {} records, pages of {page}: {r:.0} records/s (≥ 40,000)", th(n)),
                r >= PULL_TARGET,
            );
            println!(
                "{:>8} {:>6} {:>7.2} {:>10.0} {:>8.1} {:>8} {:>8} {:>8} {:>8} {:>14}  {v}",
                n,
                page,
                secs.as_secs_f64(),
                r,
                m.sent as f64 / 1000.0,
                mb(m.recv),
                ms(m.p50()),
                ms(m.p99()),
                used.peak,
                used.cpu_text(secs)
            );
        }
    }
    Ok(())
}

/// No-op syncs of the first user at the team's head: `GET me`, then a pull that returns nothing.
struct NoopResult {
    sync: Vec<Duration>,
    me: Meter,
    pull: Meter,
}

async fn noop_syncs(w: &World, reps: usize) -> anyhow::Result<NoopResult> {
    let s = &w.sessions[0];
    let cursor = w.head(s);
    let mut r = NoopResult { sync: Vec::with_capacity(reps), me: Meter::default(), pull: Meter::default() };
    let (mut warm_me, mut warm_pull) = (Meter::default(), Meter::default());
    for i in 0..reps + 20 {
        let (me, pull) = if i < 20 { (&mut warm_me, &mut warm_pull) } else { (&mut r.me, &mut r.pull) };
        let start = Instant::now();
        w.api.me(s, me).await?;
        let p = w.api.pull(s, cursor, 1000, pull).await?;
        let took = start.elapsed();
        if p.records != 0 || p.cursor != cursor {
            bail!("no-op pull at {cursor} returned {} records (cursor {})", p.records, p.cursor);
        }
        if i >= 20 {
            r.sync.push(took);
        }
    }
    Ok(r)
}

async fn noop_phase(w: &mut World, plan: &Plan) -> anyhow::Result<()> {
    println!(
        "\n== no-op sync: GET /auth/me + empty pull at the current cursor, {} times ({} records in the database) ==",
        plan.noop_reps,
        th(w.total_records())
    );
    w.srv.start_phase();
    let start = Instant::now();
    let r = noop_syncs(w, plan.noop_reps).await?;
    let used = w.srv.end_phase();
    let wall = start.elapsed();
    let p50 = percentile(&r.sync, 0.5);
    let p99 = percentile(&r.sync, 0.99);
    println!("{:<12} {:>8} {:>8} {:>9} {:>9}", "", "p50 ms", "p99 ms", "sent B", "recv B");
    println!("{:<12} {:>8} {:>8}", "whole sync", ms(p50), ms(p99));
    for (name, m) in [("GET me", &r.me), ("GET pull", &r.pull)] {
        let n = m.requests().max(1) as u64;
        println!("{:<12} {:>8} {:>8} {:>9} {:>9}", name, ms(m.p50()), ms(m.p99()), m.sent / n, m.recv / n);
    }
    println!(
        "server peak memory {} MiB; server CPU {} over {} syncs = {:.0} µs per sync",
        used.peak,
        used.cpu_text(wall),
        r.sync.len(),
        used.cpu.unwrap_or(0.0) * 1e6 / (r.sync.len() + 20) as f64
    );
    println!(
        "server time: measured as loopback request latency of both requests (an upper bound: it includes\n\
         the client and the kernel's loopback), p50 {} ms, p99 {} ms",
        ms(p50),
        ms(p99)
    );
    let v = w.verdict(
        format!(
            "no-op sync server time (loopback upper bound) p50 {} ms, p99 {} ms (≤ 2 ms at p50)",
            ms(p50),
            ms(p99)
        ),
        p50 <= NOOP_TARGET,
    );
    println!("target ≤ 2 ms (p50): {v}");
    Ok(())
}

#[derive(Default)]
struct DeviceRun {
    me: Meter,
    push: Meter,
    pull: Meter,
    rounds: Vec<Duration>,
    pushed: u64,
    pulled: u64,
    error: Option<String>,
}

async fn concurrent_phase(w: &mut World, plan: &Plan) -> anyhow::Result<()> {
    println!(
        "\n== concurrent: {} devices (tokio tasks, own client ids, users {}), {} rounds each of GET me + push {} + pull ==",
        plan.devices,
        w.sessions.iter().map(|s| s.username.as_str()).collect::<Vec<_>>().join("/"),
        plan.rounds,
        plan.device_batch
    );
    let barrier = Arc::new(tokio::sync::Barrier::new(plan.devices + 1));
    let mut tasks = Vec::new();
    for d in 0..plan.devices {
        let s = w.sessions[d % w.sessions.len()].clone();
        let api = w.api.clone();
        let barrier = barrier.clone();
        let mut cursor = w.head(&s);
        let (rounds, size) = (plan.rounds, plan.device_batch);
        tasks.push(tokio::spawn(async move {
            let mut dev = Device::new();
            let mut run = DeviceRun::default();
            barrier.wait().await;
            for _ in 0..rounds {
                let b = dev.batch(size);
                let start = Instant::now();
                let round = async {
                    api.me(&s, &mut run.me).await?;
                    api.push(&s, &b, &mut run.push).await?;
                    run.pushed += b.records;
                    let (c, n) = api.pull_all(&s, cursor, &mut run.pull).await?;
                    cursor = c;
                    run.pulled += n;
                    anyhow::Ok(())
                };
                if let Err(e) = round.await {
                    run.error = Some(format!("{e:#}"));
                    break;
                }
                run.rounds.push(start.elapsed());
            }
            (s.team_id.clone(), run)
        }));
    }
    w.srv.start_phase();
    barrier.wait().await;
    let start = Instant::now();
    let mut all = DeviceRun::default();
    let mut errors = Vec::new();
    for t in tasks {
        let (team, run) = t.await?;
        *w.heads.entry(team).or_default() += run.pushed;
        all.me.merge(&run.me);
        all.push.merge(&run.push);
        all.pull.merge(&run.pull);
        all.rounds.extend_from_slice(&run.rounds);
        all.pushed += run.pushed;
        all.pulled += run.pulled;
        errors.extend(run.error);
    }
    let secs = start.elapsed();
    let used = w.srv.end_phase();
    let requests = all.me.requests() + all.push.requests() + all.pull.requests();
    println!(
        "wall {:.2} s; pushed {} records ({:.0}/s), pulled {} records ({:.0}/s), {} requests ({:.0}/s), {} failed devices",
        secs.as_secs_f64(),
        th(all.pushed),
        rate(all.pushed, secs),
        th(all.pulled),
        rate(all.pulled, secs),
        th(requests as u64),
        rate(requests as u64, secs),
        errors.len()
    );
    println!(
        "{:<12} {:>9} {:>8} {:>8} {:>9} {:>9}",
        "", "requests", "p50 ms", "p99 ms", "sent MB", "recv MB"
    );
    for (name, m) in [("GET me", &all.me), ("POST push", &all.push), ("GET pull", &all.pull)] {
        println!(
            "{:<12} {:>9} {:>8} {:>8} {:>9} {:>9}",
            name,
            m.requests(),
            ms(m.p50()),
            ms(m.p99()),
            mb(m.sent),
            mb(m.recv)
        );
    }
    println!(
        "{:<12} {:>9} {:>8} {:>8}",
        "whole round",
        all.rounds.len(),
        ms(percentile(&all.rounds, 0.5)),
        ms(percentile(&all.rounds, 0.99))
    );
    println!("server peak memory {} MiB; server CPU {}", used.peak, used.cpu_text(secs));
    if let Some(e) = errors.first() {
        println!("first device error: {e}");
    }
    Ok(())
}

struct ScalePoint {
    records: u64,
    noop: NoopResult,
    incr: Vec<Duration>,
    incr_push: Meter,
    incr_pull: Meter,
    peak: String,
}

/// Seeds the database up to `records`, then times no-op syncs and incremental syncs (GET me, push 10
/// new records, pull them) of a fresh device at the team's head.
async fn scale_point(w: &mut World, plan: &Plan, records: u64) -> anyhow::Result<ScalePoint> {
    println!("\n== scale: no-op and incremental sync with {} records in the database ==", th(records));
    let have = w.total_records();
    if have > records {
        println!("(the database already holds {}; figures are for that size)", th(have));
    }
    w.seed(records.saturating_sub(have)).await?;
    let records = w.total_records();
    w.srv.start_phase();
    let start = Instant::now();
    let noop = noop_syncs(w, plan.scale_noop_reps).await?;
    let s = w.sessions[0].clone();
    let mut dev = Device::new();
    let mut cursor = w.head(&s);
    let (mut me, mut incr_push, mut incr_pull) = (Meter::default(), Meter::default(), Meter::default());
    let mut incr = Vec::with_capacity(plan.scale_incr_reps);
    for i in 0..plan.scale_incr_reps + 5 {
        let warm = i < 5;
        let b = dev.batch(10);
        let (mut wp, mut wl) = (Meter::default(), Meter::default());
        let (push_m, pull_m) = if warm { (&mut wp, &mut wl) } else { (&mut incr_push, &mut incr_pull) };
        let start = Instant::now();
        w.api.me(&s, &mut me).await?;
        w.api.push(&s, &b, push_m).await?;
        let p = w.api.pull(&s, cursor, 1000, pull_m).await?;
        let took = start.elapsed();
        if p.records != 10 || p.has_more {
            bail!("incremental pull returned {} records (expected 10)", p.records);
        }
        cursor = p.cursor;
        *w.heads.entry(s.team_id.clone()).or_default() += 10;
        if !warm {
            incr.push(took);
        }
    }
    let used = w.srv.end_phase();
    let wall = start.elapsed();
    println!("{:<22} {:>8} {:>8}", "", "p50 ms", "p99 ms");
    let rows = [
        ("no-op sync", percentile(&noop.sync, 0.5), percentile(&noop.sync, 0.99)),
        ("  GET me", noop.me.p50(), noop.me.p99()),
        ("  GET pull (empty)", noop.pull.p50(), noop.pull.p99()),
        ("incremental sync", percentile(&incr, 0.5), percentile(&incr, 0.99)),
        ("  POST push 10", incr_push.p50(), incr_push.p99()),
        ("  GET pull 10", incr_pull.p50(), incr_pull.p99()),
    ];
    for (name, p50, p99) in rows {
        println!("{name:<22} {:>8} {:>8}", ms(p50), ms(p99));
    }
    println!(
        "({} no-op and {} incremental syncs, the latter adding {} records; server peak memory {} MiB, CPU {})",
        plan.scale_noop_reps,
        plan.scale_incr_reps,
        th(10 * (plan.scale_incr_reps as u64 + 5)),
        used.peak,
        used.cpu_text(wall)
    );
    Ok(ScalePoint { records, noop, incr, incr_push, incr_pull, peak: used.peak })
}

fn scale_report(w: &mut World, small: &ScalePoint, big: &ScalePoint) {
    let label = format!("{}/{}", short(big.records), short(small.records));
    println!("\n== scale: ratio {label} ==");
    println!(
        "{:<22} {:>10} {:>10} {:>8} {:>10} {:>10} {:>8}",
        "",
        format!("p50 {}", short(small.records)),
        format!("p50 {}", short(big.records)),
        "ratio",
        format!("p99 {}", short(small.records)),
        format!("p99 {}", short(big.records)),
        "ratio"
    );
    let row = |name: &str, a: &[Duration], b: &[Duration]| {
        let (a50, b50) = (percentile(a, 0.5), percentile(b, 0.5));
        let (a99, b99) = (percentile(a, 0.99), percentile(b, 0.99));
        let r50 = b50.as_secs_f64() / a50.as_secs_f64().max(1e-9);
        let r99 = b99.as_secs_f64() / a99.as_secs_f64().max(1e-9);
        println!(
            "{name:<22} {:>10} {:>10} {:>8.2} {:>10} {:>10} {:>8.2}",
            ms(a50),
            ms(b50),
            r50,
            ms(a99),
            ms(b99),
            r99
        );
        r50
    };
    let noop = row("no-op sync", &small.noop.sync, &big.noop.sync);
    row("  GET pull (empty)", &small.noop.pull.lat, &big.noop.pull.lat);
    let incr = row("incremental sync", &small.incr, &big.incr);
    row("  POST push 10", &small.incr_push.lat, &big.incr_push.lat);
    row("  GET pull 10", &small.incr_pull.lat, &big.incr_pull.lat);
    println!(
        "server peak memory: {} MiB at {}, {} MiB at {}",
        small.peak,
        short(small.records),
        big.peak,
        short(big.records)
    );
    println!("(no-op sync ratio {label}: {noop:.2})");
    let v = w.verdict(
        format!(
            "incremental sync p50 with {} vs {} records: ratio {incr:.2} (≤ 1.2)",
            short(big.records),
            short(small.records)
        ),
        incr <= SCALE_TARGET,
    );
    println!("target incremental sync {label} ≤ 1.2 (p50): {v}");
}

/// 10000 -> "10k", 1000000 -> "1M" (labels for table headers).
fn short(n: u64) -> String {
    let (v, unit) = match n {
        1_000_000.. => (n as f64 / 1e6, "M"),
        1000.. => (n as f64 / 1e3, "k"),
        _ => return n.to_string(),
    };
    let s = format!("{v:.2}");
    format!("{}{unit}", s.trim_end_matches('0').trim_end_matches('.'))
}
