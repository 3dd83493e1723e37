//! The messages of an MPI sweep (see [`super::mpi_sweep`]) and waiting for them without
//! spinning.
//!
//! A rank's [`Request`] travels as JSON bytes under [`TAG_REQUEST`]; rank 0's [`Answer`]
//! (the points of a chunk, "ask again when idle" or "stop") as 64-bit integers under
//! [`TAG_POINTS`]. Rows are the CSV text of their points, so rank 0 copies them into
//! `summary.csv` untouched.

use super::error::{CliError, CliResult};
use super::sweep::Computed;
use mpi::Tag;
use mpi::point_to_point::Status;
use mpi::traits::{MatchedReceiveVec, Source};
use serde_json::{Value, json};
use std::time::Duration;

/// Tag of a rank's requests to rank 0.
pub const TAG_REQUEST: Tag = 1;
/// Tag of rank 0's answers: point indices.
pub const TAG_POINTS: Tag = 2;
/// Tag of a rank's share of the shared head's output, sent to every other rank
/// ([`super::mpi_head`]).
pub const TAG_HEAD: Tag = 3;

/// Rank 0's answer to a request that wants points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Compute these points.
    Points(Vec<usize>),
    /// Nothing for a rank that is still busy: the last points go to whichever rank is idle
    /// first, so ask again once idle.
    Later,
    /// Nothing more: the sweep is handed out (or failed).
    Stop,
}

impl Answer {
    /// [`Answer::Later`] on the wire: no point index is this large.
    const LATER: u64 = u64::MAX;

    /// The answer as 64-bit integers: the points, `[u64::MAX]` (later) or none (stop).
    pub fn encode(&self) -> Vec<u64> {
        match self {
            Answer::Points(points) => points.iter().map(|&k| k as u64).collect(),
            Answer::Later => vec![Self::LATER],
            Answer::Stop => Vec::new(),
        }
    }

    /// Read [`Answer::encode`]'s integers.
    pub fn decode(words: &[u64]) -> Self {
        match words {
            [] => Answer::Stop,
            [Self::LATER] => Answer::Later,
            points => Answer::Points(points.iter().map(|&k| k as usize).collect()),
        }
    }
}

/// How a rank spent the sweep, in seconds of wall-clock time (rank 0 writes them to
/// `ranks.csv`).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Account {
    /// Points it computed.
    pub points: usize,
    /// Preparing: its thread pool and the shared head of the chain.
    pub prepare: f64,
    /// Computing its points, writing their outputs and journal rows.
    pub busy: f64,
    /// Waiting with nothing to compute: for rank 0's answer (other ranks), for every
    /// rank's first request (rank 0).
    pub waiting: f64,
}

impl Account {
    /// `points,prepare,busy,waiting` as CSV cells.
    pub fn csv(&self) -> String {
        format!(
            "{},{:.6},{:.6},{:.6}",
            self.points, self.prepare, self.busy, self.waiting
        )
    }
}

/// What a rank tells rank 0.
pub struct Request {
    /// Points wanted next; 0: this rank has ended (expects no answer).
    pub want: usize,
    /// The rank has nothing to compute until the answer comes (otherwise it asks ahead,
    /// while computing a chunk).
    pub idle: bool,
    /// The rank's manifest JSON (first request only), to check it read the same files.
    pub manifest: Option<String>,
    /// Rows of the points it finished since its last request.
    pub done: Vec<Computed>,
    /// Why it stopped, if it failed.
    pub error: Option<String>,
    /// How it spent the sweep (its last request only).
    pub account: Option<Account>,
}

impl Request {
    /// A request for `want` points, from a rank that is `idle` or asks ahead.
    pub fn asking(want: usize, idle: bool, manifest: Option<&str>, done: Vec<Computed>) -> Self {
        Request {
            want: want.max(1),
            idle,
            manifest: manifest.map(str::to_string),
            done,
            error: None,
            account: None,
        }
    }

    /// The last message of a rank: its last rows and how it spent the sweep, or its
    /// error.
    pub fn ended(done: Vec<Computed>, error: Option<&CliError>, account: Option<Account>) -> Self {
        Request {
            want: 0,
            idle: true,
            manifest: None,
            done,
            error: error.map(ToString::to_string),
            account,
        }
    }

    /// JSON bytes.
    ///
    /// # Errors
    /// None in practice (serialising strings and numbers).
    pub fn encode(&self) -> CliResult<Vec<u8>> {
        let done: Vec<Value> = self
            .done
            .iter()
            .map(|c| json!([c.k, c.seconds, c.row]))
            .collect();
        serde_json::to_vec(&json!({
            "want": self.want,
            "idle": self.idle,
            "manifest": self.manifest,
            "done": done,
            "error": self.error,
            "account": self.account.map(|a| json!([a.points, a.prepare, a.busy, a.waiting])),
        }))
        .map_err(|e| CliError::other(format!("MPI: cannot encode a request: {e}")))
    }

    /// Parse [`Request::encode`]'s bytes.
    ///
    /// # Errors
    /// Anything else, described.
    pub fn decode(bytes: &[u8]) -> Result<Self, String> {
        let v: Value =
            serde_json::from_slice(bytes).map_err(|e| format!("unreadable request: {e}"))?;
        let bad = |what: &str| format!("malformed request: {what}");
        let want = v
            .get("want")
            .and_then(Value::as_u64)
            .and_then(|w| usize::try_from(w).ok())
            .ok_or_else(|| bad("no 'want'"))?;
        let idle = v
            .get("idle")
            .and_then(Value::as_bool)
            .ok_or_else(|| bad("no 'idle'"))?;
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        let done = v
            .get("done")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("no 'done'"))?
            .iter()
            .map(|d| {
                let k = d
                    .get(0)
                    .and_then(Value::as_u64)
                    .and_then(|k| usize::try_from(k).ok());
                let seconds = d.get(1).and_then(Value::as_f64);
                let row = d.get(2).and_then(Value::as_str);
                match (k, seconds, row) {
                    (Some(k), Some(seconds), Some(row)) => Ok(Computed {
                        k,
                        row: row.to_string(),
                        seconds,
                    }),
                    _ => Err(bad("a row is not [point, seconds, text]")),
                }
            })
            .collect::<Result<Vec<_>, String>>()?;
        let account = match v.get("account") {
            None | Some(Value::Null) => None,
            Some(a) => {
                let seconds = |i: usize| a.get(i).and_then(Value::as_f64);
                let points = a
                    .get(0)
                    .and_then(Value::as_u64)
                    .and_then(|p| usize::try_from(p).ok());
                match (points, seconds(1), seconds(2), seconds(3)) {
                    (Some(points), Some(prepare), Some(busy), Some(waiting)) => Some(Account {
                        points,
                        prepare,
                        busy,
                        waiting,
                    }),
                    _ => return Err(bad("the account is not [points, s, s, s]")),
                }
            }
        };
        Ok(Request {
            want,
            idle,
            manifest: text("manifest"),
            done,
            error: text("error"),
            account,
        })
    }
}

/// A waiting request from any rank, received: (its rank, its bytes). Nothing found is
/// looked for once more: a probe that finds nothing first moves what has arrived through
/// the MPI library's progress engine, so a request that came while rank 0 computed a
/// point is often seen only by a second probe (with one probe, it waited for the end of
/// rank 0's next point; `docs/scale-out.md`, "Fourteenth round").
pub fn try_receive<S: Source>(from: &S) -> Option<(mpi::Rank, Vec<u8>)> {
    let probed = from
        .immediate_matched_probe_with_tag(TAG_REQUEST)
        .or_else(|| from.immediate_matched_probe_with_tag(TAG_REQUEST))?;
    let (bytes, status): (Vec<u8>, Status) = probed.matched_receive_vec::<u8>();
    Some((status.source_rank(), bytes))
}

/// Waits between polls: first a few yields of the core, so that the probe after a probe
/// that found nothing comes at once (why that matters: [`try_receive`]; on the
/// development VM the shortest sleep lasts about 110 µs, and with a sleep there every
/// answer a rank had asked ahead for took that long to be read), then sleeps from 20 µs
/// doubling to a longest sleep: a waiting rank costs no core, and notices a message soon
/// after it arrives.
pub struct Poll {
    yields: u32,
    next: Duration,
    longest: Duration,
}

impl Poll {
    /// Yields before the first sleep.
    const YIELDS: u32 = 8;
    const FIRST: Duration = Duration::from_micros(20);
    /// A rank with nothing to compute until a message comes.
    pub const IDLE: Duration = Duration::from_micros(100);

    /// Start with the yields; sleep at most `longest`.
    pub fn new(longest: Duration) -> Self {
        Poll {
            yields: 0,
            next: Self::FIRST,
            longest,
        }
    }

    /// Something arrived: poll quickly again.
    pub fn reset(&mut self) {
        self.yields = 0;
        self.next = Self::FIRST;
    }

    /// Yield or sleep, then lengthen the next sleep.
    pub fn wait(&mut self) {
        if self.yields < Self::YIELDS {
            self.yields += 1;
            std::thread::yield_now();
            return;
        }
        std::thread::sleep(self.next);
        self.next = (self.next * 2).min(self.longest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip() {
        let r = Request::asking(
            4,
            false,
            Some("{\"points\": 9}"),
            vec![Computed {
                k: 7,
                row: "7,0.01,\"a,b\",3\n".into(),
                seconds: 0.125,
            }],
        );
        let back = Request::decode(&r.encode().unwrap_or_default()).unwrap_or_else(|e| {
            panic!("{e}");
        });
        assert_eq!((back.want, back.idle), (4, false));
        assert_eq!(back.manifest.as_deref(), Some("{\"points\": 9}"));
        assert_eq!(back.done.len(), 1);
        assert_eq!(back.done[0].k, 7);
        assert_eq!(back.done[0].row, "7,0.01,\"a,b\",3\n");
        assert_eq!(back.done[0].seconds, 0.125);
        assert_eq!(back.account, None);
        let e = Request::ended(Vec::new(), Some(&CliError::other("boom")), None);
        let back = Request::decode(&e.encode().unwrap_or_default()).unwrap_or_else(|e| {
            panic!("{e}");
        });
        assert_eq!((back.want, back.error.as_deref()), (0, Some("boom")));
        let spent = Account {
            points: 3,
            prepare: 0.5,
            busy: 2.25,
            waiting: 0.125,
        };
        let e = Request::ended(Vec::new(), None, Some(spent));
        let back = Request::decode(&e.encode().unwrap_or_default()).unwrap_or_else(|e| {
            panic!("{e}");
        });
        assert_eq!(back.account, Some(spent));
        assert_eq!(spent.csv(), "3,0.500000,2.250000,0.125000");
        assert!(
            Request::decode(b"{\"want\": 0, \"idle\": true, \"done\": [], \"account\": [1]}")
                .is_err()
        );
        assert!(Request::decode(b"{\"want\": 1}").is_err());
        assert!(
            Request::decode(b"{\"want\": 1, \"done\": []}").is_err(),
            "no idle"
        );
        assert!(Request::decode(b"not json").is_err());
    }

    #[test]
    fn answers_round_trip() {
        for a in [
            Answer::Points(vec![0, 5, 63]),
            Answer::Points(vec![0]),
            Answer::Later,
            Answer::Stop,
        ] {
            assert_eq!(Answer::decode(&a.encode()), a);
        }
        assert_eq!(Answer::Stop.encode(), Vec::<u64>::new());
        assert_eq!(Answer::Later.encode(), vec![u64::MAX]);
    }
}
