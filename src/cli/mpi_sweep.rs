//! `littoral sweep` over the ranks of an MPI job (the `mpi` feature): `mpirun -n K
//! littoral sweep …` or `srun littoral sweep …`.
//!
//! Every rank reads the network and the input and prepares the sweep (the shared head of
//! a chain is evaluated by samples split across the ranks and exchanged, see
//! [`super::mpi_head`]; on the main thread, the one that calls MPI). Rank 0 hands out the
//! points still to compute on request, in chunks that shrink as the sweep goes (a quarter
//! of an even share of what is left: few requests at first, two points per thread at
//! the end, so that a rank slowed by costly points takes fewer of them and no rank
//! finishes long after the others). Rank 0 computes too, one point per thread at a time,
//! and answers the requests that arrived between two of its chunks, on the same thread:
//! no serving thread takes its core from the computation, and as the other ranks ask
//! ahead, an answer is there before they need it. Each rank writes the outputs
//! (`--save-outputs`) and the journal rows (`DIR/points/`) of the points it computed,
//! atomically, and sends rank 0 their CSV rows (bytes, never arrays); rank 0 writes
//! `summary.csv`, `timings.csv` and `manifest.json` as the one-process run does, so
//! `summary.csv` holds the same bytes, and `ranks.csv`: how each rank spent the sweep.
//!
//! The protocol (all messages between rank 0 and one other rank, see [`super::mpi_wire`]):
//! a rank sends a [`Request`] (its manifest with the first one, the rows of the chunk it
//! finished, its thread count: the fewest points it takes, whether it is idle) and rank 0
//! answers each request that wants points with an [`Answer`]: a chunk, "ask again when
//! idle" (near the end, a rank asking ahead gets what evens out the ranks' ends,
//! possibly none) or stop. A rank sends its first request
//! once it has prepared the sweep (after the head's exchange) and asks for its next chunk
//! before computing the current one, without waiting for rank 0 to take the request, so
//! the answer is there when it needs it. It ends
//! with a request that wants none, carrying its last rows and its account (or its
//! error); rank 0 is done when every rank has ended.

use super::args::SweepArgs;
use super::atomic::Outputs;
use super::error::{CliError, CliResult};
use super::journal::{self, Journal};
use super::mpi_head::HeadExchange;
use super::mpi_wire::{self, Account, Answer, Poll, Request};
use super::shard::sha256_hex;
use super::simulate::put_npy;
use super::sweep::{Computed, Job, point_file, row, sweep_on};
use littoral_functional::summary::{Population, recording_to_summarise, spiking_populations};
use littoral_functional::sweep::{PointResult, SweepOptions};
use littoral_functional::sweep_prepared::PreparedSweep;
use mpi::Threading;
use mpi::environment::Universe;
use mpi::topology::SimpleCommunicator;
use mpi::traits::{Communicator, Destination, Source};
use std::cell::Cell;
use std::collections::VecDeque;
use std::time::Instant;

/// Environment variables that MPI launchers (Open MPI's `mpirun`, MPICH's and Intel's
/// Hydra, PMIx and Slurm's `srun --mpi=…`) set in the processes they start. Without any,
/// the binary is not under a launcher and does not initialise MPI at all.
const LAUNCHER_VARS: [&str; 5] = [
    "OMPI_COMM_WORLD_SIZE",
    "PMIX_RANK",
    "PMI_RANK",
    "PMI_SIZE",
    "MPI_LOCALNRANKS",
];

/// Most points in one chunk (keeps every answer of rank 0 a small message).
const MAX_CHUNK: usize = 256;

/// The ranks of an MPI job of two or more processes, as seen from one of them.
pub struct Ranks {
    world: SimpleCommunicator,
    /// Rank 0: the other ranks have been answered to the end. Other ranks: rank 0 has
    /// been told how this rank ended.
    settled: Cell<bool>,
    /// This rank has taken part in the exchange of the shared head.
    head_done: Cell<bool>,
    // Dropped last: finalises MPI.
    _universe: Universe,
}

impl Ranks {
    /// Initialise MPI when started by an MPI launcher with two or more ranks; `None` when
    /// not under a launcher or alone (a singleton run behaves as without the feature).
    ///
    /// # Errors
    /// MPI cannot be initialised.
    pub fn join() -> CliResult<Option<Ranks>> {
        if !LAUNCHER_VARS.iter().any(|v| std::env::var_os(v).is_some()) {
            return Ok(None);
        }
        let Some((universe, _)) = mpi::initialize_with_threading(Threading::Funneled) else {
            return Err(CliError::other("MPI: cannot initialise MPI (already done)"));
        };
        let world = universe.world();
        if world.size() < 2 {
            return Ok(None);
        }
        Ok(Some(Ranks {
            world,
            settled: Cell::new(false),
            head_done: Cell::new(false),
            _universe: universe,
        }))
    }

    /// The exchange of the sweep's shared head among the ranks.
    fn head(&self) -> HeadExchange<'_> {
        HeadExchange::new(&self.world, &self.head_done)
    }

    /// Number of ranks.
    pub fn size(&self) -> usize {
        usize::try_from(self.world.size()).unwrap_or(0)
    }

    /// This process is rank 0, which hands out the points and writes the summary.
    pub fn is_root(&self) -> bool {
        self.world.rank() == 0
    }

    /// Run the sweep as this rank: rank 0 returns the outcome of the whole job; another
    /// rank returns `Ok` once rank 0 knows how it ended (rank 0 reports its errors).
    ///
    /// # Errors
    /// Rank 0: any rank's error. Others: MPI failures.
    pub fn sweep(&self, a: &SweepArgs) -> CliResult<()> {
        let outcome = sweep_on(a, Some(self));
        if self.settled.get() {
            return outcome;
        }
        // Failed before preparing: the other ranks wait for this one's share of the head.
        self.head().skip();
        if self.is_root() {
            // Failed before handing out any point: stop the other ranks.
            let mut stopped = Dispatch::new(&[]);
            stopped.fail(CliError::other("stopped"));
            Server::new(self, None).serve_to_end(&mut stopped, &|_, _| {});
            return outcome;
        }
        // Failed before asking for points: tell rank 0, which prints the error.
        let error = match &outcome {
            Ok(()) => CliError::other("ended without asking for points"),
            Err(e) => CliError::other(e.to_string()),
        };
        self.send(&Request::ended(Vec::new(), Some(&error), None))?;
        Ok(())
    }

    /// Rank 0: hand out `todo` to every rank (this one included) and return the rows of
    /// all of them, with the text of `ranks.csv` (written with the summary, after the
    /// sweep).
    ///
    /// Rank 0 computes its share and answers the other ranks on one thread: it waits for
    /// every rank's first request (each sends one right after the head's exchange), then
    /// answers whatever has arrived between two of its own chunks (one point per thread),
    /// and serves the rest once the queue is empty. The other ranks ask ahead, so an
    /// answer is there before they need it; no serving thread shares rank 0's core.
    ///
    /// # Errors
    /// The first error of any rank (named), or a rank whose manifest differs.
    pub fn dispatch(
        &self,
        job: &Job<'_>,
        todo: &[usize],
        progress: &(dyn Fn(usize, usize) + Sync),
    ) -> CliResult<(Vec<Computed>, String)> {
        let mut st = Dispatch::new(todo);
        let total = todo.len();
        let manifest = job.manifest.to_json(None);
        let clock = Instant::now();
        let computer = Computer::new(job)?;
        let prepared = computer.prepare(&self.head())?;
        let mut spent = Account {
            prepare: clock.elapsed().as_secs_f64(),
            ..Account::default()
        };
        let mut server = Server::new(self, Some((&manifest, total)));
        let clock = Instant::now();
        server.wait_for_every_rank(&mut st);
        spent.waiting = clock.elapsed().as_secs_f64();
        let computed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let take = points_per_take(job.threads);
            loop {
                server.answer_arrived(&mut st);
                let chunk = st.take(take);
                if chunk.is_empty() {
                    return Ok(());
                }
                let clock = Instant::now();
                let rows = computer.run(&prepared, &chunk)?;
                spent.busy += clock.elapsed().as_secs_f64();
                spent.points += chunk.len();
                st.rows.extend(rows);
                progress(st.rows.len(), total);
            }
        }));
        st.accounts.push((0, spent));
        let panicked = match computed {
            Ok(Ok(())) => None,
            Ok(Err(e)) => {
                st.fail(e);
                None
            }
            Err(panic) => {
                st.fail(CliError::other("rank 0 panicked"));
                Some(panic)
            }
        };
        // Stop the other ranks (and take their last rows) whatever happened here.
        server.serve_to_end(&mut st, progress);
        if let Some(panic) = panicked {
            std::panic::resume_unwind(panic);
        }
        if let Some(e) = st.failure.take() {
            return Err(e);
        }
        if st.rows.len() != total {
            return Err(CliError::other(format!(
                "internal error: {} of {total} point(s) came back",
                st.rows.len()
            )));
        }
        Ok((std::mem::take(&mut st.rows), accounts_csv(&mut st.accounts)))
    }

    /// Another rank: ask rank 0 for points until it says stop, computing them with this
    /// rank's threads; rank 0 learns of any error.
    ///
    /// # Errors
    /// None but MPI failures: errors of the computation go to rank 0.
    pub fn work(&self, job: &Job<'_>) -> CliResult<()> {
        self.settled.set(true);
        // Two points per thread at least: the answer to the request sent ahead travels
        // while this chunk computes, and rank 0 answers only between its own points, so
        // the chunk should outlast one of rank 0's (which may be the slower core).
        let want = 2 * points_per_take(job.threads);
        let mut spent = Account::default();
        let clock = Instant::now();
        let computer = match Computer::new(job) {
            Ok(c) => c,
            Err(e) => return self.fail_early(&e),
        };
        let prepared = match computer.prepare(&self.head()) {
            Ok(p) => p,
            Err(e) => return self.fail_early(&e),
        };
        spent.prepare = clock.elapsed().as_secs_f64();
        // The first request after the head's exchange: a first message to rank 0 while it
        // prepares its folder would wait for it, and delay this rank's share of the head.
        let manifest = job.manifest.to_json(None);
        self.send(&Request::asking(want, true, Some(&manifest), Vec::new()))?;
        let clock = Instant::now();
        let mut answer = self.receive_answer();
        spent.waiting += clock.elapsed().as_secs_f64();
        if answer != Answer::Stop {
            // Rank 0 made it; on a file system not shared with rank 0, make it here.
            let journal = journal::folder(job.files.out);
            if let Err(e) = std::fs::create_dir_all(&journal) {
                let e = CliError::io(&journal, "create folder", &e);
                return self.send(&Request::ended(Vec::new(), Some(&e), None));
            }
        }
        let mut finished = Vec::new();
        loop {
            match answer {
                Answer::Stop => break,
                // Nothing to compute now: ask again, with the rows of the last chunk.
                Answer::Later => {
                    self.send(&Request::asking(
                        want,
                        true,
                        None,
                        std::mem::take(&mut finished),
                    ))?;
                }
                Answer::Points(chunk) => {
                    // Ask for the next chunk now: its answer arrives while this one computes.
                    let ahead = Request::asking(want, false, None, std::mem::take(&mut finished));
                    let clock = Instant::now();
                    let rows = self.send_while(&ahead, || computer.run(&prepared, &chunk))?;
                    spent.busy += clock.elapsed().as_secs_f64();
                    match rows {
                        Ok(rows) => finished = rows,
                        Err(e) => return self.give_up(&e),
                    }
                    spent.points += chunk.len();
                }
            }
            let clock = Instant::now();
            answer = self.receive_answer();
            spent.waiting += clock.elapsed().as_secs_f64();
        }
        self.send(&Request::ended(finished, None, Some(spent)))
    }

    /// Another rank failed with a request unanswered: take the answer, tell rank 0.
    fn give_up(&self, e: &CliError) -> CliResult<()> {
        let _ = self.receive_answer();
        self.send(&Request::ended(Vec::new(), Some(e), None))
    }

    /// Another rank failed preparing (no request sent): take part in the exchange of the
    /// head if not done, tell rank 0.
    fn fail_early(&self, e: &CliError) -> CliResult<()> {
        self.head().skip();
        self.send(&Request::ended(Vec::new(), Some(e), None))
    }

    fn send(&self, r: &Request) -> CliResult<()> {
        let bytes = r.encode()?;
        self.world
            .process_at_rank(0)
            .send_with_tag(&bytes[..], mpi_wire::TAG_REQUEST);
        Ok(())
    }

    /// Send `r` to rank 0 without waiting for it to be taken, run `work`, then wait for
    /// the send to complete. A blocking send of a request that carries rows returned only
    /// once rank 0 paused between two of its points to take requests: this rank stood
    /// still for up to one of rank 0's points (0.7–2.7 ms of W4's 2.3 ms points,
    /// `docs/scale-out.md`, "Fourteenth round").
    fn send_while<R>(&self, r: &Request, work: impl FnOnce() -> R) -> CliResult<R> {
        let bytes = r.encode()?;
        let result = mpi::request::scope(|scope| {
            let sent = self.world.process_at_rank(0).immediate_send_with_tag(
                scope,
                &bytes[..],
                mpi_wire::TAG_REQUEST,
            );
            // A pending send must be completed before its scope ends, even on a panic.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            sent.wait();
            result
        });
        Ok(result.unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
    }

    /// Wait (without spinning) for rank 0's answer to this rank's request.
    fn receive_answer(&self) -> Answer {
        let root = self.world.process_at_rank(0);
        let mut poll = Poll::new(Poll::IDLE);
        loop {
            if root
                .immediate_probe_with_tag(mpi_wire::TAG_POINTS)
                .is_some()
            {
                let (words, _) = root.receive_vec_with_tag::<u64>(mpi_wire::TAG_POINTS);
                return Answer::decode(&words);
            }
            poll.wait();
        }
    }
}

/// One point per thread: what rank 0 takes from the queue at a time for its own threads
/// (it answers the other ranks between two such chunks), and half of the fewest points
/// another rank takes.
fn points_per_take(threads: Option<usize>) -> usize {
    threads.unwrap_or(1).clamp(1, MAX_CHUNK)
}

/// What rank 0 keeps of the sweep: the points not handed out yet, the rows come back, how
/// each rank spent the sweep, the first failure.
struct Dispatch {
    queue: VecDeque<usize>,
    rows: Vec<Computed>,
    accounts: Vec<(usize, Account)>,
    failure: Option<CliError>,
}

impl Dispatch {
    /// `todo` to hand out, nothing back yet.
    fn new(todo: &[usize]) -> Self {
        Dispatch {
            queue: todo.iter().copied().collect(),
            rows: Vec::new(),
            accounts: Vec::new(),
            failure: None,
        }
    }

    /// The answer to another rank of a job of `ranks` that takes `least` points at a
    /// time and has `in_flight` points still to compute (0: it is idle; otherwise it asks
    /// ahead): a quarter of an even share of the points left (guided self-scheduling), at
    /// least `least`. Early chunks are large (few requests); the last ones are small, so
    /// that no rank is left with much to do when the others finish.
    ///
    /// Near the end, a rank asking ahead takes what makes it end with the others, when
    /// that is fewer than `least`: an even share of the points left and of its own in
    /// flight, less those (`L/K − c·(K−1)/K` points, rounded, a tie going to the rank:
    /// its request waited part of a point for rank 0's answer, so it has less than `c`
    /// left). With none for it, it is told to ask again once idle, so that it does not
    /// hold a point another rank, idle sooner, could compute. (Only telling it to ask
    /// again left one rank idle at the end of most W4 runs while rank 0 computed the last
    /// three points alone; with the rule applied only below `least` points left per rank,
    /// a rank asking ahead with 2 in flight took its `least`, 2, of the 4 left on 2 ranks
    /// and ended up to 4.7 ms after rank 0.)
    fn hand_out(&mut self, least: usize, in_flight: usize, ranks: usize) -> Answer {
        let left = self.queue.len();
        let ranks = ranks.max(1);
        // round(L/K − c(K−1)/K) = ⌊(2L + K − 2c(K−1)) / 2K⌋, none when negative.
        let even = (2 * left + ranks).saturating_sub(2 * in_flight * (ranks - 1)) / (2 * ranks);
        let want = if in_flight > 0 && even < least {
            if even == 0 && left > 0 && self.failure.is_none() {
                return Answer::Later;
            }
            even
        } else {
            left.div_ceil(4 * ranks).max(least)
        };
        let chunk = self.take(want);
        if chunk.is_empty() {
            Answer::Stop
        } else {
            Answer::Points(chunk)
        }
    }

    /// The next `want` points, at most [`MAX_CHUNK`] (none after a failure).
    fn take(&mut self, want: usize) -> Vec<usize> {
        if self.failure.is_some() {
            return Vec::new();
        }
        let n = want.min(MAX_CHUNK).min(self.queue.len());
        self.queue.drain(..n).collect()
    }

    /// Keep the first failure; hand out nothing more.
    fn fail(&mut self, e: CliError) {
        if self.failure.is_none() {
            self.failure = Some(e);
        }
        self.queue.clear();
    }
}

/// The text of `DIR/ranks.csv`: how each rank spent the sweep, by rank.
fn accounts_csv(accounts: &mut [(usize, Account)]) -> String {
    accounts.sort_by_key(|(rank, _)| *rank);
    let mut text = String::from("rank,points,prepare_seconds,busy_seconds,waiting_seconds\n");
    for (rank, a) in accounts.iter() {
        text.push_str(&format!("{rank},{}\n", a.csv()));
    }
    text
}

/// Rank 0's side of the protocol: reads the other ranks' requests and answers them.
struct Server<'r> {
    ranks: &'r Ranks,
    /// Rank 0's manifest and the number of points of the sweep (`None` when stopping the
    /// ranks early).
    expect: Option<(&'r str, usize)>,
    /// Ranks heard from at least once (rank 0 included).
    heard: Vec<bool>,
    /// Ranks that have ended (rank 0 included).
    ended: Vec<bool>,
    /// Points of the last chunk handed to each rank: what a rank asking ahead still
    /// computes.
    in_flight: Vec<usize>,
}

impl<'r> Server<'r> {
    fn new(ranks: &'r Ranks, expect: Option<(&'r str, usize)>) -> Self {
        ranks.settled.set(true);
        let mut heard = vec![false; ranks.size()];
        heard[0] = true;
        Server {
            ranks,
            expect,
            ended: heard.clone(),
            in_flight: vec![0; heard.len()],
            heard,
        }
    }

    /// Wait (without spinning) until every rank has sent its first message.
    fn wait_for_every_rank(&mut self, st: &mut Dispatch) {
        self.serve_while(st, &|_, _| {}, |s| s.heard.iter().any(|h| !h));
    }

    /// Answer every request that has arrived, without waiting for more.
    fn answer_arrived(&mut self, st: &mut Dispatch) {
        while self.answer_one(st) {}
    }

    /// Answer every rank until each has ended (rank 0 has nothing left to compute).
    fn serve_to_end(&mut self, st: &mut Dispatch, progress: &(dyn Fn(usize, usize) + Sync)) {
        self.serve_while(st, progress, |s| s.ended.iter().any(|e| !e));
    }

    /// Answer requests as they come (polling without spinning) while `more` holds,
    /// reporting the rows come back to `progress`.
    fn serve_while(
        &mut self,
        st: &mut Dispatch,
        progress: &(dyn Fn(usize, usize) + Sync),
        more: impl Fn(&Self) -> bool,
    ) {
        let mut poll = Poll::new(Poll::IDLE);
        while more(self) {
            if self.answer_one(st) {
                poll.reset();
                progress(st.rows.len(), self.expect.map_or(0, |e| e.1));
            } else {
                poll.wait();
            }
        }
    }

    /// Take one waiting request, if any, and answer it; whether there was one.
    fn answer_one(&mut self, st: &mut Dispatch) -> bool {
        let Some((from, bytes)) = mpi_wire::try_receive(&self.ranks.world.any_process()) else {
            return false;
        };
        let rank_no = usize::try_from(from).unwrap_or(0);
        self.heard[rank_no] = true;
        let request = match Request::decode(&bytes) {
            Ok(r) => r,
            Err(e) => {
                st.fail(CliError::other(format!("rank {from}: {e}")));
                // Unreadable: cannot tell whether it wants an answer; it is ended.
                self.ended[rank_no] = true;
                return true;
            }
        };
        if let (Some(theirs), Some((mine, _))) = (&request.manifest, self.expect)
            && theirs != mine
        {
            st.fail(CliError::other(format!(
                "rank {from} read another network, input or grid than rank 0 (not the same \
                 files on every node?)"
            )));
        }
        if let Some(e) = &request.error {
            st.fail(CliError::other(format!("rank {from}: {e}")));
        }
        st.rows.extend(request.done);
        if let Some(a) = request.account {
            st.accounts.push((rank_no, a));
        }
        if request.want == 0 {
            self.ended[rank_no] = true;
            return true;
        }
        let in_flight = if request.idle {
            0
        } else {
            self.in_flight[rank_no]
        };
        let answer = st.hand_out(request.want, in_flight, self.ranks.size());
        self.in_flight[rank_no] = match &answer {
            Answer::Points(chunk) => chunk.len(),
            _ => 0,
        };
        self.ranks
            .world
            .process_at_rank(from)
            .send_with_tag(&answer.encode()[..], mpi_wire::TAG_POINTS);
        true
    }
}

/// Computes chunks of points in this rank's thread pool and writes what belongs to them.
struct Computer<'j> {
    job: &'j Job<'j>,
    pool: rayon::ThreadPool,
    spiking: Vec<Population<'j>>,
    opts: SweepOptions<'static>,
    /// This rank's journal file in `DIR/points/`.
    journal: Journal,
}

impl<'j> Computer<'j> {
    fn new(job: &'j Job<'j>) -> CliResult<Self> {
        let threads = job.threads.unwrap_or(0);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| CliError::other(format!("cannot start {threads} thread(s): {e}")))?;
        let spiking = spiking_populations(job.module);
        let opts = SweepOptions {
            base_seed: job.args.seed,
            record: recording_to_summarise(&spiking),
            keep_outputs: job.args.save_outputs,
            threads: None,
            progress: None,
            allow_non_finite_input: false,
        };
        Ok(Computer {
            job,
            pool,
            spiking,
            opts,
            journal: Journal::new(&journal::folder(job.files.out)),
        })
    }

    /// Validate the sweep and evaluate its shared head, this rank's share in the pool and
    /// the rest gathered from the other ranks (on the calling thread, which calls MPI).
    fn prepare(&self, head: &HeadExchange<'_>) -> CliResult<PreparedSweep<'_>> {
        let j = self.job;
        // The sweep's key: the first 64 bits of its manifest's SHA-256.
        let digest = sha256_hex(j.manifest.to_json(None).as_bytes());
        let key = u64::from_str_radix(digest.get(..16).unwrap_or("0"), 16).unwrap_or(0);
        let prepared =
            PreparedSweep::with_head(j.module, j.tree, j.tree, j.x, j.sweep, &self.opts, |h| {
                head.share(h, &self.pool, key)
            });
        prepared.map_err(|e| CliError::evolution(j.files.input, j.files.net, e))
    }

    /// Compute `chunk`; write each point's output (`--save-outputs`), then its journal
    /// row; return the rows.
    fn run(&self, prepared: &PreparedSweep<'_>, chunk: &[usize]) -> CliResult<Vec<Computed>> {
        let j = self.job;
        let results = self
            .pool
            .install(|| prepared.run(chunk, None))
            .map_err(|e| CliError::evolution(j.files.input, j.files.net, e))?;
        results.iter().map(|r| self.record(r)).collect()
    }

    fn record(&self, r: &PointResult) -> CliResult<Computed> {
        let j = self.job;
        let k = r.summary.index;
        if let Some(ev) = &r.evolution {
            let mut outs = Outputs::new();
            let id = outs.reserve(&point_file(j.files.out, k))?;
            put_npy(&mut outs, id, &ev.output)?;
            outs.commit()?;
        }
        let line = row(j.sweep, j.axes, &self.spiking, &r.summary)
            .map_err(|e| CliError::usage(format!("--vary: {e}")))?;
        self.journal
            .record(k, &line)
            .map_err(|e| CliError::functional(j.files.out, e))?;
        Ok(Computed {
            k,
            row: line,
            seconds: r.summary.seconds,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dispatch(points: usize) -> Dispatch {
        Dispatch::new(&(0..points).collect::<Vec<_>>())
    }

    fn points(a: Answer) -> Vec<usize> {
        match a {
            Answer::Points(p) => p,
            other => panic!("{other:?}"),
        }
    }

    /// Chunks for another rank shrink from a quarter of an even share to the rank's
    /// thread count, and hand out every point once, in order.
    #[test]
    fn chunks_shrink_to_one_point_per_thread() {
        let mut d = dispatch(64);
        let sizes: Vec<usize> = std::iter::from_fn(|| match d.hand_out(1, 0, 2) {
            Answer::Points(c) => Some(c.len()),
            _ => None,
        })
        .collect();
        assert_eq!(sizes[..4], [8, 7, 7, 6]);
        assert_eq!(sizes.last(), Some(&1));
        assert_eq!(sizes.iter().sum::<usize>(), 64);
        let mut d = dispatch(10);
        assert_eq!(
            points(d.hand_out(4, 0, 2)),
            vec![0, 1, 2, 3],
            "at least the thread count"
        );
        assert_eq!(points(d.hand_out(4, 0, 2)).len(), 4);
        assert_eq!(points(d.hand_out(4, 0, 2)), vec![8, 9], "what is left");
        assert_eq!(d.hand_out(4, 0, 2), Answer::Stop);
        let mut d = dispatch(2000);
        assert_eq!(points(d.hand_out(1, 0, 1)).len(), MAX_CHUNK);
        d.fail(CliError::other("x"));
        assert_eq!(d.hand_out(1, 0, 1), Answer::Stop, "nothing after a failure");
    }

    /// Near the end (an even share below `least`): a rank asking ahead takes what makes
    /// it end with the others, or is told to ask again when idle.
    #[test]
    fn near_the_end_a_rank_asking_ahead_takes_an_even_share() {
        let mut d = dispatch(5);
        assert_eq!(
            points(d.hand_out(2, 2, 2)),
            vec![0, 1],
            "an even share of 2"
        );
        let mut g = dispatch(4);
        assert_eq!(
            points(g.hand_out(2, 2, 2)),
            vec![0],
            "4 left, 2 in flight: one here, three on rank 0"
        );
        let mut e = dispatch(3);
        assert_eq!(e.hand_out(2, 4, 2), Answer::Later, "3 left, 4 in flight");
        assert_eq!(points(e.hand_out(2, 0, 2)), vec![0, 1], "idle: its least");
        // 3 left, 2 in flight: one here (ends after 3) and two on rank 0 (after 2, plus
        // the part of a point its answer waited).
        assert_eq!(points(d.hand_out(2, 2, 2)), vec![2], "3 left");
        assert_eq!(
            points(d.hand_out(2, 1, 2)),
            vec![3],
            "1 in flight, 2 left: a tie"
        );
        assert_eq!(d.hand_out(2, 2, 2), Answer::Later, "1 left, 2 in flight");
        assert_eq!(
            d.hand_out(2, 1, 3),
            Answer::Later,
            "3 ranks: 1/3 − 2/3 of a point"
        );
        assert_eq!(points(d.hand_out(2, 0, 2)), vec![4], "idle");
        assert_eq!(d.hand_out(2, 2, 2), Answer::Stop, "none left");
        assert_eq!(d.hand_out(1, 0, 2), Answer::Stop);
        let mut f = dispatch(5);
        assert_eq!(points(f.hand_out(2, 0, 3)), vec![0, 1]);
        assert_eq!(
            f.hand_out(2, 2, 3),
            Answer::Later,
            "3 ranks, 3 left: 1 − 4/3"
        );
        f.fail(CliError::other("x"));
        assert_eq!(f.hand_out(2, 0, 3), Answer::Stop, "nothing after a failure");
    }
}
