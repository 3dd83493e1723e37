//! Issue 11's findings for the binary: each reproducer is refused with one clear line, or
//! handled, never a hang, an abort or a surprise.

use crate::util::*;
use littoral::functional::Snapshot;
use littoral::prelude::*;
use std::path::Path;
use std::time::Instant;

/// A reproducer committed under `fuzz/regressions/cli/`.
fn reproducer(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions/cli")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Finding 1c: 30 nested `Sequential`s took more than 100 s in `inspect` and `simulate`
/// (the time doubled per level). Now linear: the whole file takes well under a second.
#[test]
fn thirty_nested_sequentials_are_inspected_and_simulated_at_once() {
    let f = Fixture::new(1, 5);
    let net = reproducer("sequential-nested-30.json");
    let start = Instant::now();
    let r = f.ok(&["inspect", &net]);
    assert!(
        r.stdout.contains("LIF '0_LIF' with shape (1, 1)"),
        "{}",
        r.stdout
    );
    f.write("x1.npy", &npy_f64(&[5, 1], &[0.5; 5]));
    f.ok(&["simulate", &net, "-i", "x1.npy", "-o", "y.npy", "-q"]);
    assert_eq!(read_npy(&f.path("y.npy")).shape(), &[1, 5, 1]);
    assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
}

/// A network file in the fixture's folder.
fn net_file(f: &Fixture, name: &str, json: &str) -> String {
    f.write(name, json.as_bytes());
    name.to_string()
}

/// Run and require a refusal with exit `code` and one line containing every needle.
fn refused(f: &Fixture, args: &[&str], code: i32, needles: &[&str]) -> String {
    let r = f.run(args);
    assert_eq!(r.code, code, "{args:?}: {}", r.stderr);
    assert_eq!(r.stderr.lines().count(), 1, "{args:?}: {}", r.stderr);
    for n in needles {
        assert!(
            r.stderr.contains(n),
            "{args:?}: missing {n:?} in {}",
            r.stderr
        );
    }
    r.stderr
}

/// Issue 11, "accepted but should be refused": parameter domains are checked like shapes,
/// for network files, with the path named.
#[test]
fn parameter_domains_are_checked_with_the_path() {
    let f = Fixture::new(1, 5);
    let lif = |section: &str, body: &str| {
        format!(r#"{{"class":"LIF","shape":[2],"{section}":{{{body}}}}}"#)
    };
    for (json, needle) in [
        (
            lif("parameters", r#""threshold":0"#),
            "parameters.threshold: value 0.0",
        ),
        (
            lif("parameters", r#""threshold":-0.0"#),
            "parameters.threshold: value -0.0",
        ),
        (
            lif("parameters", r#""tau_mem":-0.0"#),
            "parameters.tau_mem: value -0.0",
        ),
        (
            r#"{"class":"ExpSyn","shape":[2],"parameters":{"tau":0}}"#.to_string(),
            "parameters.tau: value 0.0",
        ),
        (
            lif("simulation_parameters", r#""dt":-0.001"#),
            "simulation_parameters.dt",
        ),
        (
            lif("simulation_parameters", r#""dt":0"#),
            "simulation_parameters.dt",
        ),
        (
            lif("parameters", r#""bias":-1e308"#),
            "magnitude at most 1e150",
        ),
        (
            lif("simulation_parameters", r#""max_spikes_per_dt":-1"#),
            "a whole number of at least 1",
        ),
        (
            lif("simulation_parameters", r#""max_spikes_per_dt":0.5"#),
            "a whole number of at least 1",
        ),
    ] {
        let net = net_file(&f, "d.json", &json);
        refused(&f, &["inspect", &net], 1, &["d.json: ", needle]);
    }
    let seq = r#"{"class":"Sequential","modules":[{"class":"Linear","shape":[2,2]},
        {"class":"LIF","shape":[2],"parameters":{"tau_mem":[0.02,0]}}]}"#;
    let net = net_file(&f, "s.json", seq);
    refused(
        &f,
        &["inspect", &net],
        1,
        &["modules[1].parameters.tau_mem: value 0.0 at flat index 1: expected a positive"],
    );
}

/// Issue 11, finding 1b: `dt` of 5e-324 or 1e308 with `--plot` never ended (the time axis
/// cannot be drawn); refused before any work, and no output appears.
#[test]
fn plots_with_undrawable_time_axes_are_refused_at_once() {
    let f = Fixture::new(1, 5);
    for dt in ["5e-324", "1e308"] {
        let json =
            format!(r#"{{"class":"LIF","shape":[2],"simulation_parameters":{{"dt":{dt}}}}}"#);
        let net = net_file(&f, "dt.json", &json);
        let start = Instant::now();
        refused(
            &f,
            &[
                "simulate", &net, "-i", "x.npy", "-o", "y.npy", "--plot", "p.png", "-q",
            ],
            1,
            &["p.png: cannot plot with dt = ", "cannot be drawn"],
        );
        assert!(start.elapsed().as_secs() < 10);
        assert!(!f.path("y.npy").exists() && !f.path("p.png").exists());
    }
}

/// `simulate NET -i x.npy -o y.npy` under `--max-memory LIMIT`: refused with `needle`,
/// no output written.
fn simulate_refused(f: &Fixture, limit: &str, net: &str, needle: &str) {
    let args = [
        "--max-memory",
        limit,
        "simulate",
        net,
        "-i",
        "x.npy",
        "-o",
        "y.npy",
    ];
    refused(f, &args, 1, &[needle]);
    assert!(!f.path("y.npy").exists());
}

/// Issue 11: `--max-memory` is checked against the network, the input, the output and the
/// record before any work, with one line naming the file and the limit.
#[test]
fn the_memory_budget_is_checked_before_work() {
    let f = Fixture::new(1, 5);
    let net = net_file(&f, "big.json", r#"{"class":"Linear","shape":[200,200]}"#);
    simulate_refused(
        &f,
        "100K",
        &net,
        "big.json: the network needs 312.5 KiB of memory, more than the limit of 100.0 KiB",
    );
    // `inspect` draws nothing large, so no budget applies to it.
    f.ok(&["--max-memory", "100K", "inspect", &net]);
    f.write("long.npy", &npy_f64(&[20_000, 2], &vec![0.5; 40_000]));
    refused(
        &f,
        &[
            "simulate",
            "net.json",
            "-i",
            "long.npy",
            "-o",
            "y.npy",
            "--max-memory",
            "200K",
        ],
        1,
        &[
            "long.npy: the header declares shape (20000, 2) (320000 bytes as float64), more than the limit",
        ],
    );
    refused(
        &f,
        &[
            "simulate",
            "net.json",
            "-i",
            "long.npy",
            "-o",
            "y.npy",
            "--record",
            "r.npz",
            "--max-memory",
            "1M",
        ],
        1,
        &["net.json: a run of 1 sample(s) × 20000 step(s) with its record needs"],
    );
    assert!(!f.path("y.npy").exists());
    refused(
        &f,
        &["--max-memory", "lots", "inspect", "net.json"],
        2,
        &["--max-memory"],
    );
}

/// Issue 11, finding 1: a Rate with `has_rec` and shape [20000] — a 60-byte file — made
/// `inspect` draw its 400 million default weights (3.2 GB, more than 20 s) to describe
/// them. `inspect` now describes a network file from its specification (a large default
/// is named, not drawn), and `simulate` refuses it under the memory budget before
/// drawing anything.
#[test]
fn huge_default_weights_are_described_not_drawn() {
    let f = Fixture::new(1, 5);
    let net = net_file(
        &f,
        "rate.json",
        r#"{"class":"Rate","shape":[20000],"options":{"has_rec":true}}"#,
    );
    let start = Instant::now();
    let r = f.ok(&["--max-memory", "1M", "inspect", &net]);
    let inspected = start.elapsed();
    let line = |path: &str| {
        r.stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{path} ")))
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
    };
    assert_eq!(
        line("w_rec").as_deref(),
        Some("w_rec Parameter weights (20000, 20000) random (unit_eigs)"),
        "{}",
        r.stdout
    );
    assert_eq!(
        line("tau").as_deref(),
        Some("tau Parameter taus (20000,) all 0.02")
    );
    assert_eq!(line("x").as_deref(), Some("x State - (20000,) all 0"));
    // A small default is drawn from the seed as `init` draws it.
    let key = littoral::rng::derive_seed(0, "rng_key");
    assert_eq!(
        line("rng_key"),
        Some(format!("rng_key State - (2,) u64 [{key} 0]"))
    );
    let start = Instant::now();
    simulate_refused(
        &f,
        "1G",
        &net,
        "rate.json: the network needs 3.0 GiB of memory, more than the limit of 1.0 GiB (--max-memory)",
    );
    let simulated = start.elapsed();
    // Drawing the weights took more than 20 s; describing them takes milliseconds (the
    // bound leaves room for a loaded machine).
    assert!(
        inspected.as_secs_f64() < 5.0 && simulated.as_secs_f64() < 5.0,
        "inspect {inspected:?}, simulate {simulated:?}"
    );
}

/// A sparse initialiser is drawn when its file is read: under `--max-memory`, a file that
/// asks for more than the budget holds is refused before anything is drawn, by every
/// command that reads it (this 140-byte file's 200 million synapses took 18 s and 2.4 GB
/// to draw).
#[test]
fn a_sparse_initialiser_over_the_budget_is_refused_before_it_draws() {
    let f = Fixture::new(1, 5);
    let net = net_file(
        &f,
        "sparse.json",
        r#"{"class":"LIF","shape":[100000],"options":{"w_rec":
            {"init":"fixed_in_degree","k":2000,"weight":{"constant":0.1}}}}"#,
    );
    let needle = "sparse.json: options.w_rec: drawing up to 200000000 synapses needs 2.3 GiB \
                  of memory, more than the memory budget of 1.0 GiB";
    let start = Instant::now();
    refused(&f, &["--max-memory", "1G", "inspect", &net], 1, &[needle]);
    simulate_refused(&f, "1G", &net, needle);
    let refusals = start.elapsed();
    assert!(refusals.as_secs_f64() < 5.0, "{refusals:?}");
}

/// Issue 11: a sweep's evolutions — one per point in flight, every point's with
/// `--save-outputs` — count in the memory budget, refused before any point runs.
#[test]
fn sweeps_count_the_outputs_they_keep_in_the_budget() {
    let f = Fixture::new(1, 200);
    let values: Vec<String> = (1..=40).map(|i| format!("0.0{i:02}")).collect();
    let vary = format!("lif.tau_mem={}", values.join(","));
    let sweep = |out: &str, save: bool| {
        let mut args = vec![
            "--max-memory",
            "100K",
            "sweep",
            "net.json",
            "-i",
            "x.npy",
            "--vary",
            &vary,
            "--threads",
            "2",
            "-q",
            "--out",
        ];
        args.push(out);
        if save {
            args.push("--save-outputs");
        }
        args.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    // Each point's evolution: 11 state values (one sample) and 200 × 3 outputs, 4,888
    // bytes; 40 kept, plus the network (40 values), the input (400) and 40 overridden
    // `tau_mem`s: 199,360 bytes, 194.7 KiB.
    let saved = sweep("saved", true);
    let saved: Vec<&str> = saved.iter().map(String::as_str).collect();
    refused(
        &f,
        &saved,
        1,
        &[
            "net.json: a sweep of 40 point(s) of 1 sample(s) × 200 step(s) on 2 thread(s), \
             keeping every point's output (--save-outputs), needs 194.7 KiB of memory, more than the limit of 100.0 KiB (--max-memory)",
        ],
    );
    assert!(!f.path("saved").exists());
    // Without --save-outputs two points are held at once: the same sweep fits.
    let plain = sweep("plain", false);
    let plain: Vec<&str> = plain.iter().map(String::as_str).collect();
    f.ok(&plain);
    assert!(f.path("plain/summary.csv").exists());
}

/// Issue 11, finding 2: reading `/dev/zero` as a network or a snapshot grew until memory
/// ran out. A pipe or device is read up to a limit; a regular file to its length.
#[test]
fn devices_are_read_up_to_a_limit() {
    let f = Fixture::new(1, 5);
    refused(
        &f,
        &["inspect", "/dev/zero"],
        1,
        &["/dev/zero: cannot read: more than 268435456 bytes from a pipe or device"],
    );
    refused(
        &f,
        &[
            "simulate",
            "--resume",
            "/dev/zero",
            "-i",
            "x.npy",
            "-o",
            "y.npy",
        ],
        1,
        &["/dev/zero: cannot read: more than 268435456 bytes"],
    );
}

/// Issue 11: `inspect <(cat net.json)` failed with "empty file" (the file was read twice).
#[test]
fn a_network_from_a_pipe_is_read_once() {
    let f = Fixture::new(1, 5);
    let out = std::process::Command::new("bash")
        .current_dir(f.dir.path())
        .arg("-c")
        .arg(format!(
            "{} inspect <(cat net.json)",
            env!("CARGO_BIN_EXE_littoral")
        ))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("LIF 'lif' with shape (3, 3)"), "{stdout}");
}

/// An `.npy` header with keys other than NumPy's three is refused (NumPy refuses it).
#[test]
fn npy_headers_with_extra_keys_are_refused() {
    let f = Fixture::new(1, 5);
    let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), 'extra': 1, }";
    f.write("extra.npy", &npy_with_header(header, &[0u8; 16]));
    refused(
        &f,
        &["simulate", "net.json", "-i", "extra.npy", "-o", "y.npy"],
        1,
        &["extra.npy: invalid header: its keys are {'descr', 'fortran_order', 'shape', 'extra'}"],
    );
}

/// A `.npy` file of format 1.0 with this header text (padded as NumPy pads it).
fn npy_with_header(header: &str, data: &[u8]) -> Vec<u8> {
    let mut h = header.to_string();
    while !(10 + h.len() + 1).is_multiple_of(64) {
        h.push(' ');
    }
    h.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(h.len() as u16).to_le_bytes());
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(data);
    out
}

/// An `.npz` holding one deflated member `input.npy`.
fn npz_deflated(member: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::FileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("input.npy", options).unwrap();
    zip.write_all(member).unwrap();
    zip.finish().unwrap().into_inner()
}

/// Issue 11: an `.npz` member is read by the same reader as a `.npy` file: its header's
/// nesting is checked before npyz parses it, and a deflate bomb is refused from its
/// header before any of it is decompressed (the data may take at most `--max-memory`).
#[test]
fn npz_members_get_the_npy_checks_and_bombs_are_refused() {
    let f = Fixture::new(1, 5);
    let nested = format!(
        "{{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2), 'x': {}}}",
        "[".repeat(26)
    );
    f.write(
        "nested.npz",
        &npz_deflated(&npy_with_header(&nested, &[0u8; 16])),
    );
    let start = Instant::now();
    refused(
        &f,
        &["simulate", "net.json", "-i", "nested.npz", "-o", "y.npy"],
        1,
        &["nested.npz: array `input`: invalid header: the header nests brackets 27 levels deep"],
    );
    assert!(start.elapsed().as_secs() < 10);
    // 16 MB of zeros deflate to a few kB.
    let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 2), }";
    let bomb = npz_deflated(&npy_with_header(header, &vec![0u8; 16_000_000]));
    assert!(bomb.len() < 100_000, "{}", bomb.len());
    f.write("bomb.npz", &bomb);
    refused(
        &f,
        &[
            "simulate",
            "net.json",
            "-i",
            "bomb.npz",
            "-o",
            "y.npy",
            "--max-memory",
            "8M",
        ],
        1,
        &[
            "bomb.npz: array `input`: the header declares shape (1000000, 2) (16000000 bytes as float64), more than the limit of 8388608 bytes",
        ],
    );
}

/// An `.npz` whose one member says it is compressed with `method` (12 bzip2, 93 zstd,
/// 99 AES: zip methods NumPy never writes): a stored member with the method field of its
/// local and central headers rewritten.
fn npz_with_method(member: &[u8], method: u16) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::FileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("input.npy", options).unwrap();
    zip.write_all(member).unwrap();
    let mut bytes = zip.finish().unwrap().into_inner();
    let at = |sig: &[u8]| bytes.windows(4).position(|w| w == sig).unwrap();
    let (local, central) = (at(b"PK\x03\x04") + 8, at(b"PK\x01\x02") + 10);
    for o in [local, central] {
        bytes[o..o + 2].copy_from_slice(&method.to_le_bytes());
    }
    bytes
}

/// `.npz` files are read by the zip crate built without bzip2, zstd and AES (NumPy
/// writes stored or deflated members only): such a member is a clear error, not a panic.
#[test]
fn npz_members_compressed_as_numpy_never_does_are_an_error() {
    let f = Fixture::new(1, 5);
    let member = npy_with_header(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 5, 2), }",
        &[0u8; 80],
    );
    let unsupported =
        "odd.npz: array `input`: unsupported Zip archive: Compression method not supported";
    // An AES member is refused when the archive is opened: it lacks AES's extra field.
    let aes = "odd.npz: not a valid .npz (zip) file: invalid Zip archive";
    for (method, needle) in [(12u16, unsupported), (93, unsupported), (99, aes)] {
        f.write("odd.npz", &npz_with_method(&member, method));
        refused(
            &f,
            &["simulate", "net.json", "-i", "odd.npz", "-o", "y.npy"],
            1,
            &[needle],
        );
    }
}

/// Issue 11, finding 8: `-o o/y.npy --record o/../o/y.npy` succeeded (only `./` aliases
/// were caught); two names of one file (through `..` or a link) are now refused.
#[cfg(unix)]
#[test]
fn output_aliases_through_dotdot_and_links_are_refused() {
    let f = Fixture::new(1, 5);
    std::fs::create_dir(f.path("o")).unwrap();
    refused(
        &f,
        &[
            "simulate",
            "net.json",
            "-i",
            "x.npy",
            "-o",
            "o/y.npy",
            "--record",
            "o/../o/y.npy",
        ],
        2,
        &["o/y.npy and o/../o/y.npy are the same file"],
    );
    std::fs::write(f.path("o/y.npy"), b"old").unwrap();
    std::os::unix::fs::symlink("y.npy", f.path("o/link.npy")).unwrap();
    refused(
        &f,
        &[
            "simulate",
            "net.json",
            "-i",
            "x.npy",
            "-o",
            "o/y.npy",
            "--state-npz",
            "o/link.npy",
        ],
        2,
        &["are the same file"],
    );
    assert_eq!(
        f.files()
            .iter()
            .filter(|n| n.contains("littoral-tmp"))
            .count(),
        0
    );
}

/// Issue 11, finding 8: an output that is a link, a FIFO or a device was replaced by a
/// regular file. A link is followed (it keeps pointing at the new file), a character
/// device is written through (`-o /dev/stdout` works; `/dev/null` stays a device), a
/// dangling link is refused.
#[cfg(unix)]
#[test]
fn non_regular_outputs_are_never_replaced() {
    use std::os::unix::fs::FileTypeExt;
    let f = Fixture::new(1, 5);
    let r = f.ok(&[
        "simulate",
        "net.json",
        "-i",
        "x.npy",
        "-o",
        "/dev/stdout",
        "-q",
    ]);
    assert!(
        r.stdout.starts_with("\u{fffd}NUMPY"),
        "{:?}",
        &r.stdout[..10]
    );
    f.ok(&[
        "simulate",
        "net.json",
        "-i",
        "x.npy",
        "-o",
        "/dev/null",
        "-q",
    ]);
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );
    std::fs::write(f.path("real.npy"), b"old").unwrap();
    std::os::unix::fs::symlink("real.npy", f.path("link.npy")).unwrap();
    f.ok(&[
        "simulate", "net.json", "-i", "x.npy", "-o", "link.npy", "-q",
    ]);
    let link = std::fs::symlink_metadata(f.path("link.npy")).unwrap();
    assert!(link.file_type().is_symlink());
    assert_eq!(read_npy(&f.path("real.npy")).shape(), &[1, 5, 3]);
    std::os::unix::fs::symlink("nothing.npy", f.path("dangling.npy")).unwrap();
    refused(
        &f,
        &[
            "simulate",
            "net.json",
            "-i",
            "x.npy",
            "-o",
            "dangling.npy",
            "-q",
        ],
        1,
        &["dangling.npy: cannot write: is a symbolic link to nothing"],
    );
}

/// Issue 11, finding 7: SIGINT/SIGTERM/SIGHUP left `.NAME.littoral-tmp-*` files; now the
/// handler removes them and the exit code is 130. Temporary files of dead processes
/// (pid in the name) are removed by the next run in that folder.
#[cfg(target_os = "linux")]
#[test]
fn signals_remove_temporary_files_and_stale_ones_are_cleaned() {
    let f = Fixture::new(1, 5);
    f.write("long.npy", &npy_f64(&[1_000_000, 2], &vec![0.5; 2_000_000]));
    for signal in ["INT", "TERM", "HUP"] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_littoral"))
            .current_dir(f.dir.path())
            .args([
                "simulate", "net.json", "-i", "long.npy", "-o", "y.npy", "--record", "r.npz", "-q",
            ])
            .spawn()
            .unwrap();
        // Wait until the outputs are reserved.
        let start = Instant::now();
        while f
            .files()
            .iter()
            .filter(|n| n.contains("littoral-tmp"))
            .count()
            < 2
        {
            assert!(
                start.elapsed().as_secs() < 60,
                "no temporary files: {:?}",
                f.files()
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let pid = child.id().to_string();
        let killed = std::process::Command::new("kill")
            .args([format!("-{signal}"), pid])
            .status()
            .unwrap();
        assert!(killed.success());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(130), "{signal}");
        let left: Vec<String> = f
            .files()
            .into_iter()
            .filter(|n| n.contains("littoral-tmp"))
            .collect();
        assert!(left.is_empty(), "{signal}: {left:?}");
    }
    // A dead process's temporary file (pid 2^22 + 1 is above Linux's pid limit).
    f.write(".y.npy.littoral-tmp-4194305-0", b"partial");
    f.ok(&["simulate", "net.json", "-i", "x.npy", "-o", "y.npy", "-q"]);
    assert!(!f.path(".y.npy.littoral-tmp-4194305-0").exists());
}

/// Issue 11, finding 5: a snapshot at step 2⁶⁴−1 resumed at `end_step` 49 (the count
/// wrapped). Checked arithmetic: a clear error naming the snapshot.
#[test]
fn a_snapshot_at_the_last_step_does_not_wrap() {
    let f = Fixture::new(1, 5);
    simulate_saving_state(&f, "net.json", "x.npy", "y.npy", "s.snap");
    let snap = Snapshot::read(&f.path("s.snap")).unwrap();
    let last = Snapshot::from_parts(
        snap.network_json.clone(),
        snap.params.clone(),
        snap.state.clone(),
        u64::MAX,
    );
    std::fs::write(f.path("last.snap"), last.to_bytes().unwrap()).unwrap();
    refused(
        &f,
        &[
            "simulate",
            "--resume",
            "last.snap",
            "-i",
            "x.npy",
            "-o",
            "y2.npy",
        ],
        1,
        &["last.snap: the snapshot is at step 18446744073709551615; 5 more step(s) would pass"],
    );
}

/// A version-0 snapshot is corrupt, not from a newer Littoral; a NaN in a snapshot's state
/// is refused like a NaN parameter, naming the path.
#[test]
fn version_zero_and_non_finite_snapshot_states_are_refused() {
    let f = Fixture::new(1, 5);
    simulate_saving_state(&f, "net.json", "x.npy", "y.npy", "s.snap");
    let mut bytes = std::fs::read(f.path("s.snap")).unwrap();
    bytes[8..12].copy_from_slice(&0u32.to_le_bytes());
    f.write("v0.snap", &bytes);
    let err = refused(
        &f,
        &["inspect", "v0.snap"],
        1,
        &["invalid format version 0", "corrupt"],
    );
    assert!(!err.contains("upgrade"), "{err}");

    let snap = Snapshot::read(&f.path("s.snap")).unwrap();
    let mut state = snap.state.clone();
    let vmem = state.get_mut("lif.vmem").unwrap();
    let mut a = (**vmem.value.as_f64().unwrap()).clone();
    a.data_mut()[0] = f64::NAN;
    vmem.value = Value::F64(std::sync::Arc::new(a));
    let nan = Snapshot::from_parts(
        snap.network_json.clone(),
        snap.params.clone(),
        state,
        snap.step,
    );
    std::fs::write(f.path("nan.snap"), nan.to_bytes().unwrap()).unwrap();
    refused(
        &f,
        &[
            "simulate", "--resume", "nan.snap", "-i", "x.npy", "-o", "y2.npy",
        ],
        1,
        &["lif.vmem: non-finite value NaN at flat index 0"],
    );
}

/// Issue 11, findings 3 and 6: bytes from a file are shown escaped, messages are capped
/// (the start, naming the file and the path, then the size), and a module name of 65,520
/// characters no longer panics `inspect`.
#[test]
fn messages_are_escaped_capped_and_long_names_do_not_panic() {
    let f = Fixture::new(1, 5);
    let class = format!(r"Bad\u000c\u0000\r{}", "x".repeat(100_000));
    let net = net_file(
        &f,
        "c.json",
        &format!(r#"{{"class":"{class}","shape":[1]}}"#),
    );
    let err = refused(
        &f,
        &["inspect", &net],
        1,
        &["c.json: ", "Bad\\u{c}\\u{0}\\r", " bytes in all)"],
    );
    assert!(err.len() < 1_000, "{}", err.len());
    let name = "n".repeat(65_520);
    let json = format!(
        r#"{{"class":"Sequential","modules":[{{"name":"{name}","class":"LIF","shape":[1]}}]}}"#
    );
    let net = net_file(&f, "long-name.json", &json);
    let r = f.ok(&["inspect", &net]);
    assert!(r.stdout.contains(&name));
}

/// Issue 11, finding 1: a 9-million-point sweep grid was accepted and ran on. (That a
/// failing `sweep --out new/a/b` removes every folder it made is tested on
/// `littoral_functional::atomic::create_dirs`.)
#[test]
fn sweep_grids_are_capped_and_failed_sweeps_leave_no_folders() {
    let f = Fixture::new(1, 5);
    let values: Vec<String> = (1..=3000).map(|i| format!("0.{i:04}")).collect();
    let many = format!("lif.tau_mem={}", values.join(","));
    let also = format!("lif.bias={}", values.join(","));
    refused(
        &f,
        &[
            "sweep", "net.json", "-i", "x.npy", "--out", "new/a/b", "--vary", &many, "--vary",
            &also,
        ],
        2,
        &[
            "the sweep has 9000000 points, more than the limit of 1000000",
            "--max-points",
        ],
    );
    assert!(!f.path("new").exists());
}
