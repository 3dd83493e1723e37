//! Bad input and bad use of the command line: each refused with one line naming the file,
//! the right exit code, and nothing left behind.

use crate::util::*;
use littoral::prelude::*;

// ---------------------------------------------------------------- errors

/// Run a failing command and check: the exit code, one line on stderr that starts with
/// `littoral: ` and names `file`, no panic, and no new file in the folder.
fn fails(f: &Fixture, args: &[&str], code: i32, file: &str) -> String {
    let before = f.files();
    let r = f.run(args);
    assert_eq!(r.code, code, "littoral {args:?}: stderr {}", r.stderr);
    let err = r.stderr.trim_end();
    assert_eq!(err.lines().count(), 1, "one line expected, got {err:?}");
    assert!(err.starts_with("littoral: "), "{err}");
    assert!(err.contains(file), "{err:?} does not name {file}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    assert_eq!(f.files(), before, "littoral {args:?} left files behind");
    err.to_string()
}

#[test]
fn bad_network_files() {
    let f = Fixture::new(1, 10);
    let sim = |net: &str| {
        vec![
            "simulate".to_string(),
            net.into(),
            "-i".into(),
            "x.npy".into(),
            "-o".into(),
            "y.npy".into(),
        ]
    };
    let cases: Vec<(&str, &[u8], &str)> = vec![
        ("malformed.json", b"{\"class\": LIF}", "invalid JSON"),
        ("truncated.json", &NET.as_bytes()[..NET.len() / 2], "invalid JSON"),
        ("empty.json", b"", "empty"),
        ("binary.json", b"\xff\xfe\x00garbage", "UTF-8"),
        ("class.json", br#"{"class": "LIFF", "shape": [3]}"#, "unknown class"),
        ("option.json", br#"{"class": "LIF", "shape": [2], "options": {"has_recc": true}}"#, "options.has_recc"),
        ("attr.json", br#"{"class": "LIF", "shape": [2], "parameters": {"tau": 0.1}}"#, "parameters.tau"),
        ("shape.json", br#"{"class": "LIF", "shape": [2], "parameters": {"tau_mem": [1, 2, 3]}}"#, "parameters.tau_mem"),
        ("inf.json", br#"{"class": "LIF", "shape": [2], "parameters": {"tau_mem": 1e999}}"#, "invalid JSON"),
        ("nested.json", br#"{"class": "Sequential", "modules": [{"class": "Linear", "shape": [2, 3]}, {"class": "LIF", "shape": [3], "parameters": {"bias": [1, 2]}}]}"#, "modules[1].parameters.bias"),
    ];
    for (name, bytes, what) in cases {
        f.write(name, bytes);
        let args = sim(name);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = fails(&f, &args, 1, name);
        assert!(err.contains(what), "{name}: {err}");
    }
    let args = sim("missing.json");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    fails(&f, &args, 1, "missing.json");
    fails(&f, &["inspect", "missing.json"], 1, "missing.json");
    fails(&f, &["inspect", "class.json"], 1, "class.json");
}

/// Each input file of `cases` (name, bytes, what its error says) is refused by `simulate`
/// as [`fails`] checks, with an error that says `what`.
fn inputs_are_refused(f: &Fixture, cases: &[(&str, Vec<u8>, &str)]) {
    for (name, bytes, what) in cases {
        f.write(name, bytes);
        let err = fails(
            f,
            &["simulate", "net.json", "-i", name, "-o", "y.npy"],
            1,
            name,
        );
        assert!(err.contains(what), "{name}: {err}");
    }
}

#[test]
fn bad_input_files() {
    let f = Fixture::new(1, 10);
    let good = npy_f64(&[10, 2], &[0.5; 20]);
    let mut huge = npy_bytes("<f8", &[1_000_000, 1_000_000, 2], false, &[]);
    huge.extend_from_slice(&[0u8; 64]);
    let overflow = npy_bytes("<f8", &[u64::MAX as usize / 2, 4, 2], false, &[0u8; 16]);
    let mut nan = vec![0.5; 20];
    nan[7] = f64::NAN;
    let mut inf = vec![0.5; 20];
    inf[3] = f64::NEG_INFINITY;
    let structured = npy_bytes("[('a', '<f8')]", &[10, 2], false, &[0u8; 160]);
    let mut trailing = good.clone();
    trailing.extend_from_slice(&[1, 2, 3]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.npy", Vec::new(), "empty"),
        ("magic.npy", b"not a numpy file at all".to_vec(), "magic"),
        ("header.npy", good[..40].to_vec(), "truncated"),
        ("data.npy", good[..good.len() - 9].to_vec(), "truncated"),
        ("trailing.npy", trailing, "unexpected"),
        ("huge.npy", huge, "truncated"),
        ("overflow.npy", overflow, "overflow"),
        (
            "complex.npy",
            npy_bytes("<c16", &[10, 2], false, &[0u8; 320]),
            "unsupported dtype",
        ),
        (
            "half.npy",
            npy_bytes("<f2", &[10, 2], false, &[0u8; 40]),
            "unsupported dtype",
        ),
        (
            "string.npy",
            npy_bytes("<U3", &[10, 2], false, &[0u8; 240]),
            "unsupported dtype",
        ),
        ("structured.npy", structured, "unsupported dtype"),
        (
            "rank1.npy",
            npy_f64(&[20], &[0.5; 20]),
            "expected an input of shape (T, 2)",
        ),
        (
            "rank4.npy",
            npy_f64(&[1, 1, 10, 2], &[0.5; 20]),
            "expected an input of shape",
        ),
        ("width.npy", npy_f64(&[5, 4], &[0.5; 20]), "found (5, 4)"),
        ("nosteps.npy", npy_f64(&[0, 2], &[]), "no time step"),
        ("nan.npy", npy_f64(&[10, 2], &nan), "NaN"),
        ("inf.npy", npy_f64(&[10, 2], &inf), "inf"),
        (
            "bool.npy",
            npy_bytes("|b1", &[10, 2], false, &[7u8; 20]),
            "bool",
        ),
    ];
    inputs_are_refused(&f, &cases);
    // The sweep reads its input the same way.
    fails(
        &f,
        &[
            "sweep",
            "net.json",
            "-i",
            "nan.npy",
            "--vary",
            "lif.dt=0.001",
            "--out",
            "sw",
        ],
        1,
        "nan.npy",
    );
    fails(
        &f,
        &["simulate", "net.json", "-i", "missing.npy", "-o", "y.npy"],
        1,
        "missing.npy",
    );
}

/// A stored (uncompressed) zip with one entry.
fn zip_one(name: &str, data: &[u8]) -> Vec<u8> {
    let crc = littoral::functional::codec::crc32(data);
    let mut local = Vec::new();
    local.extend_from_slice(b"PK\x03\x04");
    local.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    local.extend_from_slice(&crc.to_le_bytes());
    local.extend_from_slice(&(data.len() as u32).to_le_bytes());
    local.extend_from_slice(&(data.len() as u32).to_le_bytes());
    local.extend_from_slice(&(name.len() as u16).to_le_bytes());
    local.extend_from_slice(&[0, 0]);
    local.extend_from_slice(name.as_bytes());
    local.extend_from_slice(data);
    let mut central = Vec::new();
    central.extend_from_slice(b"PK\x01\x02");
    central.extend_from_slice(&[20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    central.extend_from_slice(&crc.to_le_bytes());
    central.extend_from_slice(&(data.len() as u32).to_le_bytes());
    central.extend_from_slice(&(data.len() as u32).to_le_bytes());
    central.extend_from_slice(&(name.len() as u16).to_le_bytes());
    central.extend_from_slice(&[0; 12]);
    central.extend_from_slice(&0u32.to_le_bytes());
    central.extend_from_slice(name.as_bytes());
    let mut out = local.clone();
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    out.extend_from_slice(&[0, 0, 0, 0, 1, 0, 1, 0]);
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

#[test]
fn npz_inputs_good_and_bad() {
    let f = Fixture::new(1, 10);
    let x = Array::full(vec![10, 2], 0.5);
    let npy = npy_f64(x.shape(), x.data());
    f.write("one.npz", &zip_one("input.npy", &npy));
    f.ok(&["simulate", "net.json", "-i", "one.npz", "-o", "y.npy", "-q"]);
    assert!(read_npy(&f.path("y.npy")).bits_eq(&library_evolve(NET, 0, &x, false).output));
    std::fs::remove_file(f.path("y.npy")).unwrap();
    let zip = zip_one("x.npy", &npy);
    let mut huge = npy_bytes("<f8", &[1_000_000_000, 2], false, &[]);
    huge.extend_from_slice(&[0u8; 32]);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated.npz", zip[..zip.len() / 2].to_vec(), "npz"),
        (
            "garbage.npz",
            b"PK\x03\x04 this is not really a zip file".to_vec(),
            "npz",
        ),
        (
            "inner.npz",
            zip_one("x.npy", &npy[..npy.len() - 8]),
            "truncated",
        ),
        ("huge.npz", zip_one("x.npy", &huge), "truncated"),
        (
            "notnpy.npz",
            zip_one("x.npy", b"hello world, not an array"),
            "magic",
        ),
        (
            "empty.npz",
            zip_one("readme.txt", b"no arrays here"),
            "no array",
        ),
    ];
    inputs_are_refused(&f, &cases);
}

#[test]
fn bad_snapshots() {
    let f = Fixture::new(1, 10);
    simulate_saving_state(&f, "net.json", "x.npy", "y.npy", "s.snap");
    std::fs::remove_file(f.path("y.npy")).unwrap();
    let snap = std::fs::read(f.path("s.snap")).unwrap();
    let mut flipped = snap.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0xff;
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.snap", Vec::new(), "empty"),
        (
            "truncated.snap",
            snap[..snap.len() / 2].to_vec(),
            "truncated",
        ),
        ("header.snap", snap[..12].to_vec(), "truncated"),
        ("corrupt.snap", flipped, "checksum"),
        (
            "foreign.snap",
            b"GIF89a this is a picture".to_vec(),
            "not a Littoral file",
        ),
        ("net.snap", NET.as_bytes().to_vec(), "not a Littoral file"),
    ];
    for (name, bytes, what) in &cases {
        f.write(name, bytes);
        let err = fails(
            &f,
            &["simulate", "--resume", name, "-i", "x.npy", "-o", "y.npy"],
            1,
            name,
        );
        assert!(err.contains(what), "{name}: {err}");
        if *name != "net.snap" {
            fails(&f, &["inspect", name], 1, name);
        }
    }
    fails(
        &f,
        &[
            "simulate",
            "--resume",
            "missing.snap",
            "-i",
            "x.npy",
            "-o",
            "y.npy",
        ],
        1,
        "missing.snap",
    );
    // A snapshot of 1 sample cannot continue a batch of 3.
    let x3 = Array::full(vec![3, 10, 2], 0.5);
    f.write("x3.npy", &npy_f64(x3.shape(), x3.data()));
    fails(
        &f,
        &[
            "simulate", "--resume", "s.snap", "-i", "x3.npy", "-o", "y.npy",
        ],
        1,
        "s.snap",
    );
}

#[test]
fn unwritable_outputs_leave_nothing_behind() {
    let f = Fixture::new(1, 10);
    f.write("plain-file", b"I am a file, not a folder");
    fails(
        &f,
        &[
            "simulate",
            "net.json",
            "-i",
            "x.npy",
            "-o",
            "no/such/folder/y.npy",
        ],
        1,
        "y.npy",
    );
    fails(
        &f,
        &[
            "simulate",
            "net.json",
            "-i",
            "x.npy",
            "-o",
            "plain-file/y.npy",
        ],
        1,
        "y.npy",
    );
    // The first outputs are fine, a later one is not: none of them appears.
    fails(
        &f,
        &[
            "simulate",
            "net.json",
            "-i",
            "x.npy",
            "-o",
            "y.npy",
            "--record",
            "r.npz",
            "--save-state",
            "s.snap",
            "--summary",
            "plain-file/sum.json",
        ],
        1,
        "sum.json",
    );
    fails(
        &f,
        &["simulate", "net.json", "-i", "x.npy", "-o", "."],
        1,
        ".",
    );
    fails(
        &f,
        &["demo", "--out", "plain-file/demo", "-q"],
        1,
        "plain-file",
    );
    fails(
        &f,
        &[
            "sweep",
            "net.json",
            "-i",
            "x.npy",
            "--vary",
            "lif.dt=0.001",
            "--out",
            "plain-file/sw",
        ],
        1,
        "plain-file",
    );
}

#[test]
fn usage_errors_exit_2() {
    let f = Fixture::new(1, 10);
    let sim = ["simulate", "net.json", "-i", "x.npy", "-o", "y.npy"];
    let with = |extra: &[&'static str]| {
        let mut v = sim.to_vec();
        v.extend_from_slice(extra);
        v
    };
    fails(&f, &with(&["--bogus"]), 2, "--bogus");
    fails(&f, &["simulate", "net.json", "-o", "y.npy"], 2, "--input");
    fails(
        &f,
        &["simulate", "-i", "x.npy", "-o", "y.npy"],
        2,
        "NET.json",
    );
    fails(
        &f,
        &with(&["--resume", "a.snap", "--seed", "3"]),
        2,
        "--seed",
    );
    fails(&f, &with(&["--threads", "0"]), 2, "--threads");
    fails(&f, &with(&["--record", "y.npy"]), 2, "y.npy");
    fails(&f, &["frobnicate"], 2, "frobnicate");
    let sw = |extra: &[&'static str]| {
        let mut v = vec!["sweep", "net.json", "-i", "x.npy", "--out", "sw"];
        v.extend_from_slice(extra);
        v
    };
    fails(&f, &sw(&[]), 2, "--vary");
    fails(&f, &sw(&["--vary", "lif.tau_mem"]), 2, "lif.tau_mem");
    fails(&f, &sw(&["--vary", "lif.tau_mem=0.1,abc"]), 2, "abc");
    fails(&f, &sw(&["--vary", "lif.tau_mem=nan"]), 2, "nan");
    fails(&f, &sw(&["--vary", "lif.nope=1"]), 2, "lif.nope");
    fails(&f, &sw(&["--vary", "lif.vmem=1"]), 2, "lif.vmem");
    fails(
        &f,
        &sw(&["--vary", "lif.tau_mem=0.1,0.2", "--point", "2"]),
        2,
        "--point 2",
    );
    fails(
        &f,
        &sw(&[
            "--zip",
            "--vary",
            "lif.tau_mem=0.1,0.2",
            "--vary",
            "lif.dt=0.001",
        ]),
        2,
        "same length",
    );
    let r = f.ok(&["--help"]);
    for cmd in ["demo", "simulate", "inspect", "sweep"] {
        assert!(r.stdout.contains(cmd));
    }
}
