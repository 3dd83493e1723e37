//! The Rockpool "Low-level Module API" page, step by step, in Littoral.
//!
//! Run: `cargo run --release --example seed_walkthrough`

use littoral::prelude::*;

fn show(title: &str, tree: &Tree) {
    println!("{title}");
    for (path, leaf) in tree.leaves() {
        let shape = leaf.value.shape().to_vec();
        let family = leaf.family.as_deref().unwrap_or("-");
        println!(
            "    {path:<16} {:<20} {family:<10} {shape:?}",
            leaf.kind.to_string()
        );
    }
}

fn main() -> Result<()> {
    // Constructing a Module: a shape and defaults, or concrete values.
    let module = Rate::new(4);
    println!("{}", module.repr());
    let concrete = Rate::new(4).with_tau(vec![1.0; 4])?;
    println!("{}", concrete.repr());

    // Evolving a Module: (T, Nin) or (B, T, Nin) in, (B, T, Nout) out.
    let tree = module.init(0);
    let t = 5;
    let input = Array::from_shape_vec(
        vec![t, module.size_in()],
        (0..t * 4).map(|i| ((i * 37 % 11) as f64) / 11.0).collect(),
    )?;
    let ev = module.evolve(&tree, &tree, &input, false)?;
    println!("Output shape: {:?}", ev.output.shape());
    let ev = module.evolve(&tree, &tree, &input, true)?;
    println!(
        "Recorded state x: {:?}",
        ev.record.get("x").map(|a| a.data().to_vec())
    );
    println!(
        "Recorded state rec_input shape: {:?}",
        ev.record.get("rec_input").map(|a| a.shape().to_vec())
    );

    // Parameters, State and SimulationParameters; Constant.
    show("Parameters:", &tree.parameters(None));
    show("State:", &tree.state(None));
    show("Simulation parameters:", &tree.simulation_parameters(None));
    let fixed = Rate::new(4).with_tau(Constant(0.05))?.init(0);
    show("With a Constant tau:", &fixed.simulation_parameters("taus"));

    // Building a network: a weights Parameter plus a child, as the seed's ffwd_net.
    let net = Sequential::new()
        .append(Linear::new(4, 6))
        .append(Rate::new(6))?;
    println!("{}", net.repr());
    let tree = net.init(1);
    show("Module time constants:", &tree.parameters("taus"));
    show("Module weights:", &tree.parameters("weights"));
    println!(
        "attributes_named(tau): {:?}",
        tree.attributes_named(&["tau"])
            .leaves()
            .iter()
            .map(|(p, _)| p.clone())
            .collect::<Vec<_>>()
    );

    // Setting attributes is checked; resetting restores.
    let tree = net.set(&tree, "1_Rate.tau", Array::full(vec![6], 0.05).into())?;
    match net.set(&tree, "1_Rate.tau_typo", Array::scalar(0.05).into()) {
        Err(e) => println!("set_attributes with a typo: {e}"),
        Ok(_) => println!("unexpected: a typo was accepted"),
    }
    let x = Array::full(vec![2, 10, 4], 1.0);
    let ev = net.evolve(&tree, &tree, &x, true)?;
    println!(
        "Batched new state 1_Rate.x: {:?}",
        ev.state.array("1_Rate.x")?.shape()
    );
    let reset = net.reset_state(&ev.state, 1);
    println!("After reset_state: {:?}", reset.array("1_Rate.x")?.shape());
    Ok(())
}
