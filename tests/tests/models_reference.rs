//! The neuron-model golden files (`tests/golden/models/*.json`, written by
//! `tests/golden/gen_models.py` from scipy's zero-order hold): readable and internally
//! consistent, and the closed-form coefficients of `docs/models.md` §2 agree with scipy's.
//!
//! The files themselves are checked here; Littoral's modules are compared with them in
//! `models_golden.rs` (`LI`, `Integrator`, `IF`, `NirLIF`, `CubaLI`, `CubaLIF`),
//! `layers_golden.rs` (`Threshold`, `Scale`, `Delay`) and `lif_options.rs` (`ALIF`, the
//! LIF options), all through `littoral_tests::model_docs`.

use littoral_tests::{model_docs, models_dir};
use serde_json::Value as Json;
use std::path::Path;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn read(name: &str) -> Result<Json, Box<dyn std::error::Error>> {
    let path = models_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(serde_json::from_str(&text)?)
}

fn field<'a>(doc: &'a Json, key: &str) -> Result<&'a Json, String> {
    doc.get(key).ok_or_else(|| format!("missing field '{key}'"))
}

fn numbers(v: &Json) -> Result<Vec<f64>, String> {
    littoral_tests::numbers(v).map_err(|e| e.to_string())
}

/// A (steps, columns) table as rows.
fn table(v: &Json) -> Result<Vec<Vec<f64>>, String> {
    v.as_array()
        .ok_or("expected a list of steps")?
        .iter()
        .map(numbers)
        .collect()
}

fn usize_field(doc: &Json, key: &str) -> Result<usize, String> {
    field(doc, key)?
        .as_u64()
        .map(|v| v as usize)
        .ok_or_else(|| format!("'{key}' is not an integer"))
}

fn param(doc: &Json, name: &str) -> Result<Vec<f64>, String> {
    numbers(field(field(doc, "parameters")?, name)?)
}

#[test]
fn every_golden_file_is_complete_and_consistent() -> TestResult {
    let cases = model_docs()?;
    assert!(
        cases.len() >= 20,
        "expected the generator's 24 cases, found {}",
        cases.len()
    );
    let mut models: Vec<String> = Vec::new();
    for (name, doc) in &cases {
        let ctx = |e: String| format!("{name}: {e}");
        assert_eq!(
            field(doc, "case").map_err(ctx)?.as_str(),
            Some(name.as_str())
        );
        let model = field(doc, "model")
            .map_err(ctx)?
            .as_str()
            .ok_or("model")?
            .to_string();
        let steps = usize_field(doc, "steps").map_err(ctx)?;
        let n = usize_field(doc, "neurons").map_err(ctx)?;
        let dt = field(doc, "dt").map_err(ctx)?.as_f64().ok_or("dt")?;
        assert!(dt > 0.0, "{name}: dt");
        let input = table(field(doc, "input").map_err(ctx)?).map_err(ctx)?;
        let output = table(field(doc, "output").map_err(ctx)?).map_err(ctx)?;
        assert_eq!((input.len(), output.len()), (steps, steps), "{name}: steps");
        assert!(output.iter().all(|r| r.len() == n), "{name}: output width");
        let per_step_inputs = input[0].len();
        assert!(
            per_step_inputs % n == 0 && input.iter().all(|r| r.len() == per_step_inputs),
            "{name}: input width"
        );
        for (state, values) in field(doc, "states")
            .map_err(ctx)?
            .as_object()
            .ok_or("states")?
        {
            let rows = table(values).map_err(ctx)?;
            assert_eq!(rows.len(), steps, "{name}: states.{state}");
            assert!(
                rows.iter().all(|r| r.len() % n == 0 && !r.is_empty()),
                "{name}: states.{state} width"
            );
        }
        for value in input.iter().chain(&output).flatten() {
            assert!(value.is_finite(), "{name}: non-finite value");
        }
        let spiking = matches!(
            model.as_str(),
            "IF" | "LIF" | "CubaLIF" | "Threshold" | "ALIF"
        );
        let family = field(doc, "family")
            .map_err(ctx)?
            .as_str()
            .ok_or("family")?;
        if spiking && family == "nir" {
            assert!(
                output.iter().flatten().all(|&z| z == 0.0 || z == 1.0),
                "{name}: NIR spikes are 0/1"
            );
        }
        if spiking {
            assert!(
                output
                    .iter()
                    .flatten()
                    .all(|&z| z >= 0.0 && z.fract() == 0.0),
                "{name}: spike counts"
            );
            assert!(
                output.iter().flatten().any(|&z| z > 0.0),
                "{name}: a spiking case without spikes"
            );
        }
        models.push(model);
    }
    for model in [
        "LI",
        "I",
        "IF",
        "LIF",
        "CubaLI",
        "CubaLIF",
        "Threshold",
        "Scale",
        "Delay",
        "ALIF",
    ] {
        assert!(
            models.iter().any(|m| m == model),
            "no golden case for {model}"
        );
    }
    Ok(())
}

/// `φ(h) = −expm1(−h)/h`, `φ(0) = 1` (docs/models.md §2).
fn phi(h: f64) -> f64 {
    if h == 0.0 { 1.0 } else { -(-h).exp_m1() / h }
}

/// The CubaLI/CubaLIF coupling factor `g` by the doc's cancellation-free branches.
fn coupling(dt: f64, tau_syn: f64, tau_mem: f64) -> f64 {
    let (mu, sigma) = (dt / tau_mem, dt / tau_syn);
    if mu >= sigma {
        mu * (-sigma).exp() * phi(mu - sigma)
    } else {
        mu * (-mu).exp() * phi(sigma - mu)
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1e-300)
}

/// The doc's closed forms: (Ad, Bd) row-major per neuron.
fn closed_form(model: &str, doc: &Json, j: usize, dt: f64) -> Result<(Vec<f64>, Vec<f64>), String> {
    let p = |name: &str| param(doc, name).map(|v| v[j]);
    Ok(match model {
        "LI" | "LIF" => {
            let one_minus_a = -(-dt / p("tau")?).exp_m1();
            (
                vec![1.0 - one_minus_a],
                vec![one_minus_a * p("r")?, one_minus_a],
            )
        }
        "I" | "IF" => (vec![1.0], vec![p("r")? * dt]),
        "CubaLI" | "CubaLIF" => {
            let (ts, tm, r, w) = (p("tau_syn")?, p("tau_mem")?, p("r")?, p("w_in")?);
            let (a_s, a_m) = ((-dt / ts).exp(), (-dt / tm).exp());
            let one_minus_am = -(-dt / tm).exp_m1();
            let g = coupling(dt, ts, tm);
            (
                vec![a_s, 0.0, r * g, a_m],
                vec![
                    -(-dt / ts).exp_m1() * w,
                    0.0,
                    r * (one_minus_am - g) * w,
                    one_minus_am,
                ],
            )
        }
        other => return Err(format!("no ZOH coefficients for {other}")),
    })
}

#[test]
fn closed_form_coefficients_match_scipy_zero_order_hold() -> TestResult {
    let mut checked = 0;
    for (name, doc) in model_docs()? {
        let Some(zoh) = doc.get("zoh") else { continue };
        let model = field(&doc, "model")?.as_str().ok_or("model")?.to_string();
        let dt = field(&doc, "dt")?.as_f64().ok_or("dt")?;
        let n = usize_field(&doc, "neurons")?;
        let ad: Vec<Vec<f64>> = field(zoh, "ad")?
            .as_array()
            .ok_or("ad")?
            .iter()
            .map(numbers)
            .collect::<Result<_, _>>()?;
        let bd: Vec<Vec<f64>> = field(zoh, "bd")?
            .as_array()
            .ok_or("bd")?
            .iter()
            .map(numbers)
            .collect::<Result<_, _>>()?;
        assert_eq!((ad.len(), bd.len()), (n, n), "{name}");
        for j in 0..n {
            let (want_ad, want_bd) = closed_form(&model, &doc, j, dt)?;
            for (scipy, ours) in [(&ad[j], &want_ad), (&bd[j], &want_bd)] {
                assert_eq!(scipy.len(), ours.len(), "{name} neuron {j}");
                for (k, (&s, &o)) in scipy.iter().zip(ours).enumerate() {
                    // Entry by entry within 1e-12 relative (they agree to ~1e-14); the
                    // structural zeros within 1e-15 of the largest entry.
                    let scale = scipy.iter().fold(0.0f64, |m, v| m.max(v.abs()));
                    let ok = if o == 0.0 {
                        s.abs() <= 1e-15 * scale
                    } else {
                        close(s, o, 1e-12)
                    };
                    assert!(
                        ok,
                        "{name} neuron {j} entry {k}: scipy {s:e}, closed form {o:e}"
                    );
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 40, "checked only {checked} neurons");
    // The degenerate branch: tau_syn == tau_mem gives g = (dt/τ) e^{-dt/τ}.
    assert!(close(
        coupling(1e-3, 0.02, 0.02),
        0.05 * (-0.05f64).exp(),
        1e-15
    ));
    Ok(())
}

#[test]
fn ties_follow_each_familys_rule() -> TestResult {
    // NIR: v > v_threshold, equality does not spike.
    for name in ["if_tie", "threshold_tie"] {
        let doc = read(name)?;
        let output = table(field(&doc, "output")?)?;
        let ties = table(field(&doc, "ties")?)?;
        assert!(!ties.is_empty(), "{name}");
        for tie in &ties {
            assert_eq!(
                output[tie[0] as usize][tie[1] as usize], 0.0,
                "{name} tie {tie:?}"
            );
        }
    }
    let doc = read("threshold_tie")?;
    let input = table(field(&doc, "input")?)?;
    let thr = param(&doc, "threshold")?;
    for tie in table(field(&doc, "ties")?)? {
        let (t, j) = (tie[0] as usize, tie[1] as usize);
        assert_eq!(
            input[t][j], thr[j],
            "the tie input equals the threshold bit for bit"
        );
    }
    // Rockpool family: v >= threshold spikes.
    let doc = read("lif_tie")?;
    let output = table(field(&doc, "output")?)?;
    let ties = table(field(&doc, "ties")?)?;
    assert!(ties.iter().any(|t| t == &vec![3.0, 0.0]), "{ties:?}");
    assert!(output[3][0] >= 1.0);
    Ok(())
}

#[test]
fn refractory_counters_follow_brian2s_rule() -> TestResult {
    let mut periods_ending_mid_run = 0;
    for name in [
        "lif_refractory_subtract",
        "lif_refractory_reset_to_value",
        "lif_cuba_like",
        "alif_reset_to_value_refractory",
    ] {
        let doc = read(name)?;
        let options = field(&doc, "options")?;
        let dt = field(&doc, "dt")?.as_f64().ok_or("dt")?;
        let refractory = field(options, "refractory")?.as_f64().ok_or("refractory")?;
        let r = field(options, "refractory_steps")?
            .as_u64()
            .ok_or("refractory_steps")? as usize;
        assert_eq!(
            r,
            (refractory / dt + 1e-3).floor() as usize,
            "{name}: Brian2's timestep()"
        );
        let spikes = table(field(&doc, "output")?)?;
        let counter = table(field(field(&doc, "states")?, "refractory_steps")?)?;
        let steps = spikes.len();
        for j in 0..spikes[0].len() {
            let mut c = 0usize;
            let mut last_spike: Option<usize> = None;
            for t in 0..steps {
                c = c.saturating_sub(1);
                let refractory_now = c > 0;
                if spikes[t][j] > 0.0 {
                    assert!(
                        !refractory_now,
                        "{name}: neuron {j} spiked at step {t} while refractory"
                    );
                    if let Some(k) = last_spike {
                        assert!(t - k >= r, "{name}: ISI {} < {r} steps", t - k);
                    }
                    last_spike = Some(t);
                    c = r;
                    if t + r < steps {
                        periods_ending_mid_run += 1;
                    }
                }
                assert_eq!(
                    counter[t][j], c as f64,
                    "{name}: counter of neuron {j} at step {t}"
                );
            }
        }
        // While refractory the membrane is held at its post-reset value.
        let vmem = table(field(field(&doc, "states")?, "vmem")?)?;
        for j in 0..spikes[0].len() {
            for t in 1..steps {
                if counter[t][j] > 0.0 && spikes[t][j] == 0.0 {
                    assert_eq!(
                        vmem[t][j].to_bits(),
                        vmem[t - 1][j].to_bits(),
                        "{name}: held membrane"
                    );
                }
            }
        }
    }
    assert!(periods_ending_mid_run > 10, "{periods_ending_mid_run}");
    Ok(())
}

#[test]
fn stateless_nodes_are_exact() -> TestResult {
    let doc = read("scale_random")?;
    let scale = param(&doc, "scale")?;
    let (input, output) = (
        table(field(&doc, "input")?)?,
        table(field(&doc, "output")?)?,
    );
    for (x, y) in input.iter().zip(&output) {
        for j in 0..scale.len() {
            assert_eq!(y[j].to_bits(), (x[j] * scale[j]).to_bits());
        }
    }
    let doc = read("delay_random")?;
    let dt = field(&doc, "dt")?.as_f64().ok_or("dt")?;
    let delay = param(&doc, "delay")?;
    let steps_delay = numbers(field(field(&doc, "options")?, "delay_steps")?)?;
    let (input, output) = (
        table(field(&doc, "input")?)?,
        table(field(&doc, "output")?)?,
    );
    for j in 0..delay.len() {
        let d = (delay[j] / dt).round();
        assert!((delay[j] / dt - d).abs() <= 1e-9 * d.max(1.0));
        assert_eq!(d, steps_delay[j]);
        for t in 0..input.len() {
            let want = if t >= d as usize {
                input[t - d as usize][j]
            } else {
                0.0
            };
            assert_eq!(
                output[t][j].to_bits(),
                want.to_bits(),
                "delay neuron {j} step {t}"
            );
        }
    }
    Ok(())
}

#[test]
fn brian2_agrees_with_the_numpy_reference_on_reset_and_refractory() -> TestResult {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join("models_brian2");
    let mut cases = 0;
    for case in [
        "lif_reset_to_value",
        "lif_refractory_reset_to_value",
        "lif_cuba_like",
    ] {
        let path = dir.join(format!("{case}.json"));
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let brian: Json = serde_json::from_str(&text)?;
        let ours = read(case)?;
        let spikes = table(field(&brian, "spikes")?)?;
        assert_eq!(spikes, table(field(&ours, "output")?)?, "{case}: spikes");
        let vmem = table(field(&brian, "vmem")?)?;
        let want = table(field(field(&ours, "states")?, "vmem")?)?;
        for (t, (a, b)) in vmem.iter().zip(&want).enumerate() {
            for (j, (x, y)) in a.iter().zip(b).enumerate() {
                assert!(
                    (x - y).abs() <= 1e-12,
                    "{case}: vmem step {t} neuron {j}: Brian2 {x}, reference {y}"
                );
            }
        }
        cases += 1;
    }
    assert_eq!(cases, 3);
    Ok(())
}

/// Brian2's CUBA statistics (`benches/compare/brian2_cuba_stats.json`, written by
/// `benches/compare/brian2_cuba.py --stats`): every run has the issue's JSON fields and
/// the summary is the mean of the runs. The comparison with Littoral's `cuba` example
/// (rate within 10 %, CV within 0.1) comes with that example.
#[test]
fn brian2_cuba_statistics_are_complete() -> TestResult {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("benches")
        .join("compare")
        .join("brian2_cuba_stats.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let doc: Json = serde_json::from_str(&text)?;
    let runs = field(&doc, "runs")?.as_array().ok_or("runs")?;
    let summary = field(&doc, "summary")?;
    for n in [4000u64, 40000] {
        let of_n: Vec<&Json> = runs
            .iter()
            .filter(|r| r.get("neurons").and_then(Json::as_u64) == Some(n))
            .collect();
        assert!(of_n.len() >= 3, "N = {n}: {} runs", of_n.len());
        for run in &of_n {
            for key in [
                "neurons",
                "synapses",
                "duration",
                "dt",
                "build_seconds",
                "simulate_seconds",
                "spikes",
                "mean_rate_hz",
                "cv_isi_mean",
                "peak_rss_bytes",
            ] {
                assert!(field(run, key)?.is_number(), "N = {n}: '{key}'");
            }
            let spikes = field(run, "spikes")?.as_f64().ok_or("spikes")?;
            let rate = field(run, "mean_rate_hz")?.as_f64().ok_or("rate")?;
            let duration = field(run, "duration")?.as_f64().ok_or("duration")?;
            assert!((rate - spikes / (n as f64 * duration)).abs() <= 1e-12 * rate);
        }
        let mean = |key: &str| -> Result<f64, String> {
            let mut sum = 0.0;
            for run in &of_n {
                sum += field(run, key)?.as_f64().ok_or(key)?;
            }
            Ok(sum / of_n.len() as f64)
        };
        let s = field(summary, &n.to_string())?;
        for key in ["mean_rate_hz", "cv_isi_mean"] {
            let want = field(s, key)?.as_f64().ok_or(key)?;
            assert!(
                (mean(key)? - want).abs() <= 1e-12 * want,
                "N = {n}: summary {key}"
            );
        }
    }
    Ok(())
}
