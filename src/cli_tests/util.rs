//! Helpers: run the real binary, write and read NumPy files, compare with the library.

use assert_cmd::Command;
use littoral::prelude::*;
use std::path::{Path, PathBuf};

/// The `littoral` binary.
pub fn littoral() -> Command {
    assert_cmd::cargo::cargo_bin_cmd!("littoral")
}

/// What a finished run printed.
pub struct Ran {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run `littoral args…` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Ran {
    let out = littoral().current_dir(dir).args(args).output().unwrap();
    Ran {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Run and require success.
pub fn ok_in(dir: &Path, args: &[&str]) -> Ran {
    let r = run_in(dir, args);
    assert_eq!(r.code, 0, "littoral {args:?} failed: {}", r.stderr);
    r
}

/// The `.npy` bytes of raw data with a header (`descr` such as `<f8`, `|b1`, `>i4`).
pub fn npy_bytes(descr: &str, shape: &[usize], fortran: bool, data: &[u8]) -> Vec<u8> {
    let shape_txt = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    // A structured dtype (`[('a', '<f8')]`) is written as it is, a plain one quoted.
    let descr = if descr.starts_with('[') {
        descr.to_string()
    } else {
        format!("'{descr}'")
    };
    let mut header = format!(
        "{{'descr': {descr}, 'fortran_order': {}, 'shape': {shape_txt}, }}",
        if fortran { "True" } else { "False" }
    );
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

/// `.npy` bytes of float64 data.
pub fn npy_f64(shape: &[usize], data: &[f64]) -> Vec<u8> {
    let raw: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    npy_bytes("<f8", shape, false, &raw)
}

/// Read a float64 `.npy` file as an array.
pub fn read_npy(path: &Path) -> Array {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape: Vec<usize> = npy.shape().iter().map(|&d| d as usize).collect();
    let data: Vec<f64> = npy.into_vec().unwrap();
    Array::from_shape_vec(shape, data).unwrap()
}

/// The arrays of an `.npz` file: name, shape, dtype descr.
pub fn npz_entries(path: &Path) -> Vec<(String, Vec<u64>, String)> {
    let mut ar = npz_open(path);
    let names: Vec<String> = ar
        .file_names()
        .filter_map(npyz::npz::array_name_from_file_name)
        .map(str::to_string)
        .collect();
    names
        .into_iter()
        .map(|n| {
            let npy = npz_member(&mut ar, &n);
            (n, npy.shape().to_vec(), npy.dtype().descr())
        })
        .collect()
}

fn npz_open(path: &Path) -> zip::ZipArchive<std::fs::File> {
    zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap()
}

fn npz_member<'a>(
    ar: &'a mut zip::ZipArchive<std::fs::File>,
    name: &str,
) -> npyz::NpyFile<zip::read::ZipFile<'a>> {
    npyz::NpyFile::new(
        ar.by_name(&npyz::npz::file_name_from_array_name(name))
            .unwrap(),
    )
    .unwrap()
}

/// One float64 array of an `.npz` file.
pub fn npz_f64(path: &Path, name: &str) -> Array {
    let mut ar = npz_open(path);
    let npy = npz_member(&mut ar, name);
    let shape: Vec<usize> = npy.shape().iter().map(|&d| d as usize).collect();
    Array::from_shape_vec(shape, npy.into_vec().unwrap()).unwrap()
}

/// The network of the issue's example (Linear with bias, recurrent LIF named `lif`).
pub const NET: &str = r#"{"class": "Sequential", "modules": [
  {"class": "Linear", "shape": [2, 3], "options": {"has_bias": true},
   "parameters": {"weight": [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], "bias": [0.0, 0.1, 0.2]}},
  {"name": "lif", "class": "LIF", "shape": [3], "options": {"has_rec": true},
   "parameters": {"tau_mem": 0.02, "tau_syn": [[0.01], [0.02], [0.03]], "bias": 0.0,
                  "threshold": [1.0, 1.0, 1.5], "w_rec": [[0, 0.1, 0], [0, 0, 0.1], [0.1, 0, 0]]},
   "simulation_parameters": {"dt": 0.001, "noise_std": 0.5, "max_spikes_per_dt": 65536}}]}"#;

/// A temporary folder holding `net.json` ([`NET`]) and `x.npy` (`(B, T, 2)` in [0, 1.5)).
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub x: Array,
}

impl Fixture {
    pub fn new(b: usize, t: usize) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("net.json"), NET).unwrap();
        let data: Vec<f64> = (0..b * t * 2)
            .map(|i| ((i * 7919 + 13) % 1000) as f64 / 1000.0 * 1.5)
            .collect();
        let x = Array::from_shape_vec(vec![b, t, 2], data).unwrap();
        std::fs::write(dir.path().join("x.npy"), npy_f64(x.shape(), x.data())).unwrap();
        Fixture { dir, x }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn run(&self, args: &[&str]) -> Ran {
        run_in(self.dir.path(), args)
    }

    pub fn ok(&self, args: &[&str]) -> Ran {
        ok_in(self.dir.path(), args)
    }

    pub fn write(&self, name: &str, bytes: &[u8]) {
        std::fs::write(self.path(name), bytes).unwrap();
    }

    /// The file names in the folder, sorted (hidden temporary files included).
    pub fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

/// The library's evolution of the network in `net_json` from `init(seed)`.
pub fn library_evolve(net_json: &str, seed: u64, x: &Array, record: bool) -> Evolution {
    let net = littoral::nets::config::from_json_str(net_json).unwrap();
    let tree = net.init(seed);
    net.evolve(&tree, &tree, x, record).unwrap()
}

/// `simulate NET -i INPUT -o OUTPUT --save-state SNAP -q`, which must succeed.
pub fn simulate_saving_state(f: &Fixture, net: &str, input: &str, output: &str, snap: &str) {
    f.ok(&[
        "simulate",
        net,
        "-i",
        input,
        "-o",
        output,
        "--save-state",
        snap,
        "-q",
    ]);
}
