//! Time series, `timed()`, `.npz` files and plots: Rockpool's behaviours (contract §5) and
//! the errors that replace its silent surprises.

use littoral_core::{Array, Error as CoreError, tree_bits_eq};
use littoral_functional::Error;
use littoral_functional::timeseries::timed::{Duration, Timed, TimedExt, TimedInput};
use littoral_functional::timeseries::{
    BeyondRange, Interp, RasterOptions, RasterStop, SampleOptions, TimeSeries, TsContinuous,
    TsEvent, exact_steps,
};
use littoral_functional::timeseries::{npz as ts_npz, plot as ts_plot};
use littoral_nets::Lif;
use proptest::prelude::*;
use std::path::PathBuf;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn rows(r: &[&[f64]]) -> Array {
    Array::from_rows(&r.iter().map(|x| x.to_vec()).collect::<Vec<_>>())
        .unwrap_or_else(|_| Array::zeros(vec![0]))
}

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Rockpool 3.1.0's answers to the calls below, written by `tests/data/gen_ts.py`.
fn rockpool(key: &str) -> serde_json::Value {
    let path = data_dir().join("rockpool_behaviours.json");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let all: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    let value = all[key].clone();
    assert!(!value.is_null(), "{key} missing from {}", path.display());
    value
}

/// The numbers of a (nested) JSON array, row-major.
fn floats(v: &serde_json::Value) -> Vec<f64> {
    match v {
        serde_json::Value::Array(items) => items.iter().flat_map(floats).collect(),
        other => other.as_f64().into_iter().collect(),
    }
}

fn counts(v: &serde_json::Value) -> Vec<usize> {
    floats(v).iter().map(|&x| x as usize).collect()
}

fn is_invalid_at(e: &CoreError, at: &str) -> bool {
    matches!(e, CoreError::Invalid { path, .. } if path == at)
}

// ---------------------------------------------------------------------------------------
// TSEvent.raster: the contract's examples
// ---------------------------------------------------------------------------------------

fn contract_events() -> Result<TsEvent, CoreError> {
    TsEvent::new(
        vec![0.5e-3, 1.2e-3, 1.3e-3, 3.1e-3],
        vec![0, 1, 1, 0],
        0.0,
        5e-3,
    )
}

#[test]
fn raster_bool_and_counts_match_rockpool() -> TestResult {
    let ev = contract_events()?;
    let bools = ev.raster(1e-3, &RasterOptions::default())?;
    assert_eq!(bools.shape(), &[5, 2]);
    assert_eq!(bools.data(), floats(&rockpool("raster_bool")));
    let counts = ev.raster(
        1e-3,
        &RasterOptions {
            add_events: true,
            ..Default::default()
        },
    )?;
    assert_eq!(counts.shape(), &[5, 2]);
    assert_eq!(counts.data(), floats(&rockpool("raster_counts")));
    Ok(())
}

#[test]
fn raster_shapes_match_rockpool() -> TestResult {
    let shape = |key: &str| counts(&rockpool(key));
    let ev = TsEvent::new(vec![0.0, 30.0], vec![0, 0], 0.0, 31.0)?.with_num_channels(4)?;
    let default = RasterOptions::default();
    assert_eq!(
        ev.raster(1.0, &default)?.shape(),
        shape("raster_shape_31_steps")
    );
    let ev = TsEvent::new(vec![0.0, 1.0], vec![0, 0], 0.0, 2.0)?;
    assert_eq!(
        ev.raster(0.9, &default)?.shape(),
        shape("raster_shape_dt_0.9")
    );
    assert_eq!(
        ev.raster(1.1, &default)?.shape(),
        shape("raster_shape_dt_1.1")
    );
    let empty = TsEvent::new(vec![], vec![], 0.0, 0.0)?;
    assert_eq!(
        empty.raster(1.0, &default)?.shape(),
        shape("raster_shape_empty")
    );
    // 1.1 / 0.1 = 11.000000000000002: 11 bins, not 12.
    let e = TsEvent::new(vec![], vec![], 0.0, 1.1)?;
    assert_eq!(
        e.raster(0.1, &default)?.shape(),
        shape("raster_shape_1.1_over_0.1")
    );
    Ok(())
}

#[test]
fn raster_options_start_stop_steps_and_channels() -> TestResult {
    let ev = contract_events()?;
    // t_start inside the series: bins from 1 ms; events before are left out.
    let r = ev.raster(
        1e-3,
        &RasterOptions {
            t_start: Some(1e-3),
            stop: RasterStop::At(3e-3),
            ..Default::default()
        },
    )?;
    assert_eq!(r.shape(), &[2, 2]);
    assert_eq!(r.data(), floats(&rockpool("raster_from_1ms_to_3ms")));
    // Exactly the number of steps asked for (Rockpool returns 4 rows here).
    let r = ev.raster(
        0.1e-3,
        &RasterOptions {
            t_start: Some(0.3e-3),
            stop: RasterStop::Steps(3),
            ..Default::default()
        },
    )?;
    assert_eq!(r.shape(), &[3, 2]);
    // Channels as columns, in the order given; unknown channels are empty columns.
    let r = ev.raster(
        1e-3,
        &RasterOptions {
            channels: Some(vec![1, 5, 0]),
            add_events: true,
            ..Default::default()
        },
    )?;
    assert_eq!(r.shape(), &[5, 3]);
    assert_eq!(&r.data()[..6], &[0., 0., 1., 2., 0., 0.]);
    // An event exactly at a bin edge belongs to the bin it starts: a deliberate difference,
    // Rockpool floors 0.3/0.1 = 2.9999999999999996 to bin 2.
    let e = TsEvent::new(vec![0.3], vec![0], 0.0, 1.0)?;
    let r = e.raster(0.1, &RasterOptions::default())?;
    assert_eq!(r.shape(), &[10, 1]);
    let theirs = floats(&rockpool("raster_event_at_0.3_dt_0.1"));
    assert_eq!(theirs.len(), 10);
    assert_eq!((theirs[2], theirs[3]), (1.0, 0.0), "Rockpool's bin 2");
    assert_eq!((r.data()[2], r.data()[3]), (0.0, 1.0), "our bin 3");
    Ok(())
}

#[test]
fn raster_of_a_periodic_series_repeats() -> TestResult {
    let ev = TsEvent::new(vec![0.5], vec![0], 0.0, 2.0)?.with_periodic(true);
    let r = ev.raster(
        1.0,
        &RasterOptions {
            stop: RasterStop::Steps(6),
            ..Default::default()
        },
    )?;
    assert_eq!(r.data(), floats(&rockpool("raster_periodic_6_steps")));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// TSEvent construction and from_raster
// ---------------------------------------------------------------------------------------

#[test]
fn from_raster_midpoints_match_rockpool() -> TestResult {
    let raster = rows(&[&[0., 1.], &[2., 0.], &[0., 0.]]);
    let ev = TsEvent::from_raster(&raster, 1e-3, 0.0, false)?;
    let theirs = rockpool("from_raster");
    assert_eq!(ev.times(), floats(&theirs["times"]));
    assert_eq!(ev.channels(), counts(&theirs["channels"]));
    assert_eq!(ev.t_stop(), theirs["t_stop"].as_f64().unwrap_or(f64::NAN));
    assert_eq!(ev.num_channels(), counts(&theirs["num_channels"])[0]);
    let at_start = TsEvent::from_raster(&raster, 1e-3, 0.0, true)?;
    assert_eq!(
        at_start.times(),
        floats(&rockpool("from_raster_at_bin_start"))
    );
    // Fractional and negative counts are errors (Rockpool truncates them to int).
    for bad in [0.5, -1.0, f64::NAN] {
        let r = Array::from_vec(vec![0.0, bad]);
        let e = TsEvent::from_raster(&r, 1e-3, 0.0, false).err();
        assert!(
            e.as_ref().is_some_and(|e| is_invalid_at(e, "raster")),
            "{bad}: {e:?}"
        );
    }
    Ok(())
}

#[test]
fn event_series_errors_instead_of_surprises() {
    // At or after t_stop.
    let e = TsEvent::new(vec![0.5, 1.0], vec![0, 0], 0.0, 1.0).err();
    assert!(e.is_some_and(|e| is_invalid_at(&e, "times") && e.to_string().contains("t_stop")));
    // Unsorted.
    let e = TsEvent::new(vec![0.5, 0.2], vec![0, 0], 0.0, 1.0).err();
    assert!(e.is_some_and(|e| is_invalid_at(&e, "times") && e.to_string().contains("sorted")));
    // Negative.
    let e = TsEvent::new(vec![-0.1], vec![0], 0.0, 1.0).err();
    assert!(e.is_some_and(|e| is_invalid_at(&e, "times")));
    assert!(TsEvent::new(vec![], vec![], -1.0, 1.0).is_err());
    // NaN.
    let e = TsEvent::new(vec![f64::NAN], vec![0], 0.0, 1.0).err();
    assert!(matches!(e, Some(CoreError::NonFinite { ref path, .. }) if path == "times"));
    // Channel count.
    assert!(TsEvent::new(vec![0.1], vec![0, 1], 0.0, 1.0).is_err());
    let ev = TsEvent::new(vec![0.1], vec![3], 0.0, 1.0);
    assert!(ev.is_ok_and(|ev| ev.num_channels() == 4 && ev.with_num_channels(3).is_err()));
}

#[test]
fn event_series_combinators() -> TestResult {
    let a = TsEvent::new(vec![0.1, 0.5], vec![0, 1], 0.0, 1.0)?;
    let b = TsEvent::new(vec![0.2], vec![0], 0.0, 0.5)?;
    let m = a.merge(&b)?;
    let theirs = rockpool("event_merge");
    assert_eq!(m.times(), floats(&theirs["times"]));
    assert_eq!(m.channels(), counts(&theirs["channels"]));
    let c = a.append_c(&b)?;
    let theirs = rockpool("event_append_c");
    assert_eq!(c.channels(), counts(&theirs["channels"]));
    assert_eq!(c.num_channels(), counts(&theirs["num_channels"])[0]);
    let t = a.append_t(&b, 0.0)?;
    let theirs = rockpool("event_append_t");
    assert_eq!(t.times(), floats(&theirs["times"]));
    assert_eq!(t.t_stop(), floats(&theirs["t_stop"])[0]);
    let clipped = a.clip(0.2, 0.6)?;
    let theirs = rockpool("event_clip");
    assert_eq!(clipped.times(), floats(&theirs["times"]));
    assert_eq!(
        [clipped.t_start(), clipped.t_stop()].as_slice(),
        [floats(&theirs["t_start"]), floats(&theirs["t_stop"])].concat()
    );
    assert!(a.delay(-0.2).is_err(), "a delay before time 0 is an error");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// TSContinuous
// ---------------------------------------------------------------------------------------

fn clocked() -> Result<TsContinuous, CoreError> {
    TsContinuous::from_clocked(rows(&[&[1., 2.], &[3., 4.]]), 0.1, 0.0)
}

#[test]
fn from_clocked_t_stop_and_sample_and_hold() -> TestResult {
    let ts = clocked()?;
    let theirs = rockpool("clocked");
    assert_eq!(ts.times(), floats(&theirs["times"]));
    assert_eq!(ts.t_stop(), floats(&theirs["t_stop"])[0]);
    assert_eq!(ts.interp(), Interp::Previous);
    // Sample and hold, up to t_stop.
    let got = ts.sample(&floats(&theirs["sample_at"]))?;
    assert_eq!(got.data(), floats(&theirs["samples"]));
    Ok(())
}

#[test]
fn sampling_beyond_range_is_an_error_unless_asked() -> TestResult {
    let ts = clocked()?;
    for t in [0.2 + 1e-8, -1e-8, 1.0] {
        let e = ts.sample(&[t]).err();
        assert!(e.is_some_and(|e| is_invalid_at(&e, "times")), "{t}");
    }
    // Rockpool's tolerance: within min(1e-9, 1e-6·duration) the time is snapped.
    assert_eq!(ts.sample(&[0.2 + 1e-10])?.data(), &[3., 4.]);
    assert_eq!(ts.sample(&[-1e-10])?.data(), &[1., 2.]);
    let strict = SampleOptions {
        approx_limit_times: false,
        ..SampleOptions::default()
    };
    assert!(ts.sample_with(&[0.2 + 1e-10], &strict).is_err());
    assert_eq!(ts.sample_clamped(&[-5.0, 5.0])?.data(), &[1., 2., 3., 4.]);
    let nan = ts.sample_with(
        &[5.0],
        &SampleOptions {
            beyond_range: BeyondRange::Nan,
            ..SampleOptions::default()
        },
    )?;
    assert!(nan.data().iter().all(|x| x.is_nan()));
    assert!(ts.sample(&[f64::NAN]).is_err());
    Ok(())
}

#[test]
fn periodic_series_take_times_modulo_duration() -> TestResult {
    let p = TsContinuous::from_clocked(Array::from_vec(vec![1., 2., 3.]), 1.0, 0.0)?
        .with_periodic(true);
    let theirs = rockpool("periodic_sample");
    let got = p.sample(&floats(&theirs["at"]))?;
    assert_eq!(got.data(), floats(&theirs["samples"]));
    let clipped = p.clip(1.0, 5.0)?;
    let theirs = rockpool("periodic_clip");
    assert_eq!(clipped.times(), floats(&theirs["times"]));
    assert_eq!(clipped.samples().data(), floats(&theirs["samples"]));
    // A deliberate difference: Rockpool keeps `periodic` on the clipped series.
    assert!(!clipped.periodic());
    Ok(())
}

#[test]
fn linear_interpolation_matches_scipy() -> TestResult {
    let ts = TsContinuous::new(
        vec![0., 1., 1., 2.],
        Array::from_vec(vec![0., 10., 20., 30.]),
    )?;
    let prev = ts.clone().with_range(0.0, 3.0)?;
    let theirs = rockpool("previous_with_duplicates");
    let got = prev.sample(&floats(&theirs["at"]))?;
    assert_eq!(got.data(), floats(&theirs["samples"]));
    let lin = ts.with_interp(Interp::Linear);
    let theirs = rockpool("linear_with_duplicates");
    let got = lin.sample(&floats(&theirs["at"]))?;
    assert_eq!(got.data(), floats(&theirs["samples"]));
    assert!(
        lin.sample(&[2.5]).is_err(),
        "linear is defined up to the last sample"
    );
    Ok(())
}

#[test]
fn continuous_construction_errors() {
    let nan = TsContinuous::new(vec![0., 1.], Array::from_vec(vec![0., f64::NAN])).err();
    assert!(
        matches!(nan, Some(CoreError::NonFinite { ref path, index: 1, .. }) if path == "samples")
    );
    let unsorted = TsContinuous::new(vec![1., 0.], Array::from_vec(vec![0., 1.])).err();
    assert!(unsorted.is_some_and(|e| is_invalid_at(&e, "times")));
    let shape = TsContinuous::new(vec![0., 1.], Array::from_vec(vec![0., 1., 2.])).err();
    assert!(matches!(shape, Some(CoreError::Shape { .. })));
    let ts = TsContinuous::new(vec![0., 1.], Array::from_vec(vec![0., 1.]));
    assert!(ts.is_ok_and(|ts| ts.with_range(0.5, 2.0).is_err()));
    assert!(TsContinuous::from_clocked(Array::from_vec(vec![1.0]), 0.0, 0.0).is_err());
}

#[test]
fn continuous_clip_resample_merge_append() -> TestResult {
    let ts = TsContinuous::new(
        vec![0., 1., 1., 2.],
        Array::from_vec(vec![0., 10., 20., 30.]),
    )?;
    let ts = ts.with_range(0.0, 3.0)?;
    let bounds = |ts: &TsContinuous| vec![ts.t_start(), ts.t_stop()];
    let theirs_bounds =
        |v: &serde_json::Value| [floats(&v["t_start"]), floats(&v["t_stop"])].concat();
    let c = ts.clip(0.5, 2.5)?;
    let theirs = rockpool("continuous_clip");
    assert_eq!(c.times(), floats(&theirs["times"]));
    assert_eq!(c.samples().data(), floats(&theirs["samples"]));
    assert_eq!(bounds(&c), theirs_bounds(&theirs));

    let r = ts.resample(&[0.5, 2.0])?;
    let theirs = rockpool("continuous_resample");
    assert_eq!(r.samples().data(), floats(&theirs["samples"]));
    assert_eq!(bounds(&r), theirs_bounds(&theirs));

    let other = TsContinuous::new(vec![0.5, 1.0], Array::from_vec(vec![5., 6.]))?;
    let m = ts.merge(&other, true)?;
    let theirs = rockpool("continuous_merge");
    assert_eq!(m.times(), floats(&theirs["times"]));
    assert_eq!(m.samples().data(), floats(&theirs["samples"]));

    let a = clocked()?;
    let median_gap = a.append_t(&a, None)?; // Rockpool's default offset
    let theirs = rockpool("continuous_append_t_median_gap");
    assert_eq!(median_gap.times(), floats(&theirs["times"]));
    assert_eq!(median_gap.t_stop(), floats(&theirs["t_stop"])[0]);
    let butted = a.append_t(&a, Some(0.0))?;
    let theirs = rockpool("continuous_append_t_no_gap");
    assert_eq!(butted.times(), floats(&theirs["times"]));
    assert_eq!(butted.t_stop(), floats(&theirs["t_stop"])[0]);

    let wide = a.append_c(&a)?;
    let theirs = rockpool("continuous_append_c");
    assert_eq!(wide.num_channels(), counts(&theirs["num_channels"])[0]);
    assert_eq!(wide.samples().data(), floats(&theirs["samples"]));
    assert_eq!(a.select_channels(&[1])?.samples().data(), &[2., 4.]);
    let d = a.delay(1.0)?;
    assert_eq!((d.t_start(), d.t_stop()), (1.0, 1.2));
    assert_eq!(d.start_at_zero()?.t_start(), 0.0);
    Ok(())
}

#[test]
fn continuous_arithmetic() -> TestResult {
    let a = clocked()?;
    assert_eq!(a.add(1.0)?.samples().data(), &[2., 3., 4., 5.]);
    assert_eq!(a.sub(&a)?.samples().data(), &[0., 0., 0., 0.]);
    assert_eq!(
        a.mul(&vec![1.0, -1.0])?.samples().data(),
        &[1., -2., 3., -4.]
    );
    assert_eq!(a.div(2.0)?.samples().data(), &[0.5, 1., 1.5, 2.]);
    assert_eq!(a.pow(2.0)?.samples().data(), &[1., 4., 9., 16.]);
    assert_eq!(a.neg().abs(), a);
    // A one-channel series broadcasts over channels; it is sampled at a's times.
    let one = TsContinuous::from_clocked(Array::from_vec(vec![10.0, 20.0]), 0.1, 0.0)?;
    assert_eq!(a.add(&one)?.samples().data(), &[11., 12., 23., 24.]);
    let w = rows(&[&[1., 0., 1.], &[0., 1., 1.]]);
    assert_eq!(a.matmul(&w)?.samples().data(), &[1., 2., 3., 3., 4., 7.]);
    // Division by zero would not be finite: an error, not NaN samples.
    assert!(a.div(0.0).is_err());
    // A series that does not cover these times cannot be combined.
    let short = TsContinuous::from_clocked(Array::from_vec(vec![1.0]), 0.05, 0.0)?;
    assert!(a.add(&short).is_err());
    Ok(())
}

#[test]
fn exact_steps_rejects_durations_dt_does_not_divide() {
    assert!(exact_steps(0.3, 0.1).is_ok_and(|n| n == 3));
    assert!(exact_steps(1.1, 0.1).is_ok_and(|n| n == 11));
    assert!(exact_steps(0.25, 0.1).is_err());
    assert!(exact_steps(-1.0, 0.1).is_err());
    assert!(exact_steps(1.0, 0.0).is_err());
}

// ---------------------------------------------------------------------------------------
// Property: raster → TsEvent → raster is the identity
// ---------------------------------------------------------------------------------------

fn raster_strategy() -> impl Strategy<Value = (usize, usize, Vec<f64>)> {
    (0usize..40, 1usize..5).prop_flat_map(|(t, c)| {
        (
            Just(t),
            Just(c),
            proptest::collection::vec(
                prop_oneof![6 => Just(0.0), 3 => Just(1.0), 1 => 2.0..4.0f64],
                t * c,
            )
            .prop_map(|v| v.into_iter().map(f64::floor).collect()),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn raster_to_events_to_raster_is_identity(
        (t, c, counts) in raster_strategy(),
        dt in 1e-4..1.0f64,
        t_start in 0.0..10.0f64,
        at_bin_start in any::<bool>(),
    ) {
        let raster = Array::from_shape_vec(vec![t, c], counts).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let ev = TsEvent::from_raster(&raster, dt, t_start, at_bin_start).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let counted = ev
            .raster(dt, &RasterOptions { add_events: true, ..Default::default() })
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&counted, &raster);
        let bools = ev.raster(dt, &RasterOptions::default()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(bools, raster.map(|x| if x > 0.0 { 1.0 } else { 0.0 }));
    }
}

// ---------------------------------------------------------------------------------------
// timed()
// ---------------------------------------------------------------------------------------

fn lif() -> Result<Lif, CoreError> {
    Lif::new(3)
        .with_has_rec(true)
        .with_noise_std(0.05)
        .map(|l| l.with_spiking_input(true))
}

fn drive(steps: usize) -> Result<TsContinuous, CoreError> {
    let data: Vec<f64> = (0..steps * 3)
        .map(|i| 0.3 + 0.25 * ((i as f64) * 0.37).sin())
        .collect();
    TsContinuous::from_clocked(Array::from_shape_vec(vec![steps, 3], data)?, 1e-3, 0.0)
}

fn events_of(ts: &TimeSeries) -> Result<&TsEvent, Error> {
    ts.as_events()
        .ok_or_else(|| CoreError::invalid("output", "expected events").into())
}

fn continuous_of(ts: &TimeSeries) -> Result<&TsContinuous, Error> {
    ts.as_continuous()
        .ok_or_else(|| CoreError::invalid("record", "expected a continuous series").into())
}

/// Evolve `n1` then `n2` steps, and `n1 + n2` at once; everything must agree bit for bit.
fn split_equals_whole(n1: usize, n2: usize, input: TimedInput<'_>) -> Result<(), Error> {
    let mut split = lif()?.timed_with_seed(7)?.with_add_events(true);
    let mut whole = lif()?.timed_with_seed(7)?.with_add_events(true);
    let a = split.evolve(input, Duration::Seconds(n1 as f64 * 1e-3), true)?;
    let b = split.evolve(input, Duration::Steps(n2), true)?;
    let w = whole.evolve(input, Duration::Steps(n1 + n2), true)?;
    assert_eq!(split.step(), (n1 + n2) as u64);
    assert!(tree_bits_eq(&b.state, &w.state), "final states differ");
    assert!(tree_bits_eq(split.tree(), whole.tree()));

    let (ea, eb, ew) = (
        events_of(&a.output)?,
        events_of(&b.output)?,
        events_of(&w.output)?,
    );
    assert_eq!(eb.t_start(), ea.t_stop());
    let joined = ea.append_t(eb, 0.0)?;
    assert_eq!(joined.times(), ew.times());
    assert_eq!(joined.channels(), ew.channels());
    assert_eq!(joined.t_stop(), ew.t_stop());

    let (va, vb, vw) = (
        continuous_of(
            a.record
                .get("vmem")
                .ok_or_else(|| CoreError::invalid("vmem", "missing"))?,
        )?,
        continuous_of(
            b.record
                .get("vmem")
                .ok_or_else(|| CoreError::invalid("vmem", "missing"))?,
        )?,
        continuous_of(
            w.record
                .get("vmem")
                .ok_or_else(|| CoreError::invalid("vmem", "missing"))?,
        )?,
    );
    let mut times = va.times().to_vec();
    times.extend_from_slice(vb.times());
    assert_eq!(times, vw.times());
    let mut samples = va.samples().data().to_vec();
    samples.extend_from_slice(vb.samples().data());
    assert_eq!(samples, vw.samples().data());
    let spikes = b.record.get("spikes").and_then(TimeSeries::as_events);
    assert!(spikes.is_some_and(|s| s.t_start() == n1 as f64 * 1e-3));
    Ok(())
}

#[test]
fn timed_two_durations_equal_their_sum_continuous() -> TestResult {
    let input = drive(60)?;
    split_equals_whole(23, 37, (&input).into())?;
    split_equals_whole(0, 10, (&input).into())?;
    Ok(())
}

#[test]
fn timed_two_durations_equal_their_sum_events() -> TestResult {
    let raster = Array::from_shape_vec(
        vec![50, 3],
        (0..150)
            .map(|i| f64::from(u8::from(i % 7 == 0 || i % 11 == 0)) * 2.0)
            .collect(),
    )?;
    let input = TsEvent::from_raster(&raster, 1e-3, 0.0, false)?;
    split_equals_whole(17, 33, (&input).into())?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn timed_split_property(n1 in 0usize..40, n2 in 0usize..40) {
        let input = drive(80).map_err(|e| TestCaseError::fail(e.to_string()))?;
        split_equals_whole(n1, n2, (&input).into()).map_err(|e| TestCaseError::fail(e.to_string()))?;
    }
}

#[test]
fn timed_output_record_and_clock() -> TestResult {
    let mut net = Lif::new(2).timed()?;
    let input = TsContinuous::from_clocked(Array::full(vec![20, 2], 0.7), 1e-3, 0.0)?;
    let ev = net.evolve(&input, Duration::Inferred, true)?;
    assert_eq!(net.step(), 20);
    let out = events_of(&ev.output)?;
    assert_eq!(out.name(), "Output events");
    assert_eq!(
        (out.t_start(), out.t_stop(), out.num_channels()),
        (0.0, 0.02, 2)
    );
    assert!(!out.is_empty());
    for key in ["vmem", "isyn", "irec"] {
        let s = continuous_of(
            ev.record
                .get(key)
                .ok_or_else(|| CoreError::invalid(key, "missing"))?,
        )?;
        assert_eq!(s.len(), 20, "{key}");
        assert_eq!(s.name(), key);
    }
    // The output raster is the module's output.
    let raster = out.raster(
        1e-3,
        &RasterOptions {
            add_events: true,
            ..Default::default()
        },
    )?;
    let lif = Lif::new(2);
    let tree = littoral_core::ModuleExt::init(&lif, 0);
    let low = littoral_core::ModuleExt::evolve(
        &lif,
        &tree,
        &tree,
        &Array::full(vec![20, 2], 0.7),
        false,
    )?;
    assert_eq!(raster.data(), low.output.data());

    // The input ends at 20 ms: inferring again is an error, as in Rockpool.
    assert!(net.evolve(&input, Duration::Inferred, false).is_err());
    // Beyond the input: sampling error (a sample-and-hold input is defined up to and
    // including its t_stop, so one more step is still inside).
    assert!(net.evolve(&input, Duration::Steps(2), false).is_err());
    assert_eq!(net.step(), 20, "a failed evolve changes nothing");
    // reset_all: the same evolution again.
    net.reset_all();
    let again = net.evolve(&input, Duration::Inferred, true)?;
    assert_eq!(again, ev);
    // reset_time keeps the state: the same input now gives another trajectory.
    net.reset_time();
    assert_eq!(net.t(), 0.0);
    let third = net.evolve(&input, Duration::Inferred, true)?;
    assert_ne!(third.record.get("vmem"), ev.record.get("vmem"));
    Ok(())
}

#[test]
fn timed_errors_instead_of_rockpool_surprises() -> TestResult {
    let mut net = Lif::new(2).timed()?;
    let e = net
        .evolve(TimedInput::None, Duration::Seconds(2.5e-3), false)
        .err();
    assert!(
        matches!(e, Some(Error::Core(CoreError::Invalid { ref path, .. })) if path == "duration")
    );
    assert!(
        net.evolve(TimedInput::None, Duration::Inferred, false)
            .is_err()
    );
    let wide = TsEvent::new(vec![1e-3], vec![4], 0.0, 5e-3)?;
    let e = net.evolve(&wide, Duration::Inferred, false).err();
    assert!(e.is_some_and(|e| e.to_string().contains("channels")));
    // No input: zeros.
    let quiet = net.evolve(TimedInput::None, Duration::Steps(5), false)?;
    assert!(events_of(&quiet.output)?.is_empty());
    // The wrapper's dt must be the module's.
    assert!(Timed::with_dt(std::sync::Arc::new(Lif::new(2)), 2e-3, 0).is_err());
    assert!(Timed::with_dt(std::sync::Arc::new(Lif::new(2)), f64::NAN, 0).is_err());
    let shared: std::sync::Arc<dyn littoral_core::Module> = std::sync::Arc::new(Lif::new(2));
    let t = Timed::from_parts(shared.clone(), net.tree().clone(), 1e-3, 25, 0)?;
    assert_eq!(t.t(), 0.025);
    assert!(shared.timed().is_ok());
    Ok(())
}

#[test]
fn timed_periodic_input_and_continuous_output() -> TestResult {
    // A periodic input: the inferred duration is one period, and it can be reused.
    let mut net = Lif::new(1).timed()?;
    let period = TsContinuous::from_clocked(Array::from_vec(vec![2.0, 0.0, 0.0, 0.0]), 1e-3, 0.0)?
        .with_periodic(true);
    let a = net.evolve(&period, Duration::Inferred, false)?;
    let b = net.evolve(&period, Duration::Inferred, false)?;
    assert_eq!(net.step(), 8);
    assert_eq!(events_of(&b.output)?.t_start(), 4e-3);
    assert_eq!(events_of(&a.output)?.t_stop(), 4e-3);
    assert!(
        events_of(&b.output)?
            .times()
            .iter()
            .all(|&t| (4e-3..8e-3).contains(&t))
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// .npz files
// ---------------------------------------------------------------------------------------

#[test]
fn npz_round_trip_rust_to_rust() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cont = TsContinuous::new(
        vec![0.0, 0.25, 0.5],
        rows(&[&[1., -2.], &[3., 4.5], &[0., 1e-300]]),
    )?
    .with_range(0.0, 1.0)?
    .with_periodic(true)
    .with_interp(Interp::Linear)
    .with_name("a name with spaces");
    let path = dir.path().join("cont.npz");
    ts_npz::save_continuous(&cont, &path)?;
    assert_eq!(ts_npz::load_continuous(&path)?, cont);
    assert_eq!(ts_npz::load(&path)?, TimeSeries::Continuous(cont.clone()));

    let ev = contract_events()?.with_num_channels(5)?.with_name("spikes");
    let path = dir.path().join("events.npz");
    ts_npz::save_events(&ev, &path)?;
    assert_eq!(ts_npz::load_events(&path)?, ev);
    assert!(
        ts_npz::load_continuous(&path).is_err(),
        "a TSEvent file is not continuous"
    );

    // Overwriting is atomic and leaves no temporary file behind.
    ts_npz::save(&TimeSeries::Events(ev.clone()), &path)?;
    let names: Vec<_> = std::fs::read_dir(dir.path())?
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // Rockpool's field names.
    let bytes = ts_npz::events_to_bytes(&ev)?;
    let ar = littoral_functional::npy::NpzIn::new(std::io::Cursor::new(&bytes[..]))?;
    let fields = ar.names();
    assert_eq!(
        fields,
        [
            "channels",
            "name_spikes",
            "num_channels",
            "periodic",
            "t_start",
            "t_stop",
            "times",
            "type_TSEvent"
        ]
    );
    let e = ts_npz::load(dir.path().join("missing.npz")).err();
    assert!(matches!(e, Some(Error::Io { .. })));
    Ok(())
}

#[test]
fn npz_files_written_by_rockpool() -> TestResult {
    let c = ts_npz::load_continuous(data_dir().join("rockpool_continuous.npz"))?;
    assert_eq!(c.name(), "clocked");
    assert_eq!(c.times(), &[0.5, 0.6, 0.7]);
    assert_eq!(c.samples(), &rows(&[&[1., 2.], &[3., 4.], &[5., -6.5]]));
    assert_eq!((c.t_start(), c.t_stop()), (0.5, 0.7999999999999999));
    assert_eq!(c.interp(), Interp::Previous);
    assert!(!c.periodic());

    let w = ts_npz::load(data_dir().join("rockpool_linear_periodic.npz"))?;
    let w = w.as_continuous().ok_or("expected TSContinuous")?;
    assert_eq!(
        (w.name(), w.interp(), w.periodic()),
        ("wave", Interp::Linear, true)
    );
    assert_eq!(w.samples().shape(), &[3, 1]);
    assert_eq!((w.t_start(), w.t_stop()), (0.0, 1.0));

    let e = ts_npz::load_events(data_dir().join("rockpool_events.npz"))?;
    assert_eq!(e.name(), "spikes");
    assert_eq!(e.times(), &[0.5e-3, 1.2e-3, 1.3e-3, 3.1e-3]);
    assert_eq!(e.channels(), &[0, 1, 1, 0]);
    assert_eq!((e.t_start(), e.t_stop(), e.num_channels()), (0.0, 5e-3, 3));

    let empty = ts_npz::load(data_dir().join("rockpool_events_empty.npz"))?;
    let empty = empty.as_events().ok_or("expected TSEvent")?;
    assert!(empty.is_empty());
    assert_eq!(
        (
            empty.name(),
            empty.t_start(),
            empty.t_stop(),
            empty.num_channels()
        ),
        ("silence", 1.0, 2.0, 2)
    );

    // And back: what Littoral writes decodes to the same series.
    let again = ts_npz::from_bytes(&ts_npz::continuous_to_bytes(&c)?)?;
    assert_eq!(again, TimeSeries::Continuous(c));
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Plots
// ---------------------------------------------------------------------------------------

fn png_size(path: &std::path::Path) -> Result<(u32, u32), Box<dyn std::error::Error>> {
    let bytes = std::fs::read(path)?;
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    Ok((w, h))
}

#[test]
fn plots_are_pngs() -> TestResult {
    let dir = std::env::var_os("LITTORAL_PLOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir)
        .join(format!("littoral-plots-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut net = Lif::new(4).timed()?;
    let input = drive(60)?.append_c(&drive(60)?.select_channels(&[0])?)?;
    let ev = net.evolve(&input, Duration::Inferred, true)?;
    let vmem = continuous_of(ev.record.get("vmem").ok_or("vmem")?)?;
    let trace = dir.join("vmem.png");
    ts_plot::plot_continuous(vmem, &trace, &ts_plot::PlotOptions::default())?;
    assert_eq!(png_size(&trace)?, (800, 400));
    let raster = dir.join("spikes.png");
    ts_plot::plot_events(
        events_of(&ev.output)?,
        &raster,
        &ts_plot::PlotOptions {
            title: Some("LIF output spikes".into()),
            ..Default::default()
        },
    )?;
    assert_eq!(png_size(&raster)?, (800, 400));
    let small = ts_plot::PlotOptions {
        width: 10,
        height: 10,
        ..Default::default()
    };
    assert!(ts_plot::plot_events(events_of(&ev.output)?, dir.join("x.png"), &small).is_err());
    if std::env::var_os("LITTORAL_PLOT_DIR").is_none() {
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(())
}
