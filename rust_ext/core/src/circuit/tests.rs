//! Honest witnesses satisfy every constraint family; tampered ones do not.
use std::sync::Arc;

use ff::Field;
use nova_snark::frontend::{num::AllocatedNum, test_cs::TestConstraintSystem, ConstraintSystem};
use nova_snark::traits::circuit::StepCircuit;
use proptest::prelude::*;

use super::*;
type Fr = crate::engine::Fr<crate::engine::Pasta>;
use crate::hash::activation_hash;
use crate::model::{forward, DenseLayer, Network, Settings};
use crate::packing::field_i64;
use crate::plan::{model_chain_prefix, plan, segment_circuit, PlanOptions};

const ST: Settings = Settings {
  act_bits: 8,
  weight_bits: 6,
  shift: 3,
};

/// Deterministic pseudo-random layer.
fn layer(seed: u64, n_in: usize, n_out: usize, relu: bool, wmax: i64) -> DenseLayer {
  let mut s = seed
    .wrapping_mul(6364136223846793005)
    .wrapping_add(1442695040888963407);
  let mut next = |m: i64| {
    s = s
      .wrapping_mul(6364136223846793005)
      .wrapping_add(1442695040888963407);
    ((s >> 33) as i64).rem_euclid(2 * m + 1) - m
  };
  DenseLayer {
    n_in,
    n_out,
    relu,
    weight: (0..n_in * n_out).map(|_| next(wmax)).collect(),
    bias: (0..n_out).map(|_| next(20)).collect(),
  }
}

fn net(mode: WeightMode, layers: Vec<DenseLayer>) -> Network {
  let salts = (0..layers.len()).map(|l| [l as u8 + 7; 32]).collect();
  Network::new(ST, layers, mode, salts).unwrap()
}

/// A network of `depth` layers 4 -> 5 -> 4 ... (alternating), small weights.
fn deep(mode: WeightMode, depth: usize) -> Network {
  let layers = (0..depth)
    .map(|l| {
      let (i, o) = if l % 2 == 0 { (4, 5) } else { (5, 4) };
      layer(l as u64, i, o, l + 1 < depth, 3)
    })
    .collect();
  net(mode, layers)
}

pub(super) struct Case {
  pub step: FoldStep<Fr>,
  pub z: Vec<Fr>,
  pub expect: Vec<Fr>,
}

/// Honest witness and state of step `global_step` of `n`'s plan, on input `x`.
pub(super) fn case(n: &Network, k_per_step: usize, global_step: usize, x: &[i64]) -> Case {
  let p = plan(
    n,
    &PlanOptions {
      layers_per_step: Some(k_per_step),
      ..Default::default()
    },
  )
  .unwrap();
  let outs = forward(n, x).unwrap();
  let seg = p
    .segments
    .iter()
    .find(|s| (s.first_step as usize..s.first_step as usize + s.num_steps).contains(&global_step))
    .unwrap();
  let k = global_step - seg.first_step as usize;
  let layers = seg.step_layers(k);
  let input = if layers.start == 0 {
    x.to_vec()
  } else {
    outs[layers.start - 1].clone()
  };
  let circuit = segment_circuit::<Fr>(n, seg);
  let lrefs: Vec<_> = layers.clone().map(|l| &n.layers[l]).collect();
  let (w, out) = circuit
    .witness(k, &input, &lrefs, &n.salts[layers.clone()], layers.start)
    .unwrap();
  assert_eq!(out, outs[layers.end - 1]);
  let consts = hash::constants::<Fr>();
  let mut z = vec![
    Fr::from(global_step as u64),
    activation_hash(&consts, &input, ST.act_bits),
  ];
  let mut expect = vec![
    Fr::from(global_step as u64 + 1),
    activation_hash(&consts, &out, ST.act_bits),
  ];
  if n.mode == WeightMode::Private {
    z.push(model_chain_prefix::<Fr>(n, layers.start).unwrap());
    expect.push(model_chain_prefix::<Fr>(n, layers.end).unwrap());
  }
  Case {
    step: FoldStep {
      segment: circuit,
      witness: Some(Arc::new(w)),
    },
    z,
    expect,
  }
}

/// Synthesizes the case; returns (satisfied, outputs).
pub(super) fn run(c: &Case) -> (bool, Vec<Fr>) {
  let mut cs = TestConstraintSystem::<Fr>::new();
  let z: Vec<_> = c
    .z
    .iter()
    .enumerate()
    .map(|(i, v)| AllocatedNum::alloc(cs.namespace(|| format!("z{i}")), || Ok(*v)).unwrap())
    .collect();
  let out = c.step.synthesize(&mut cs, &z).unwrap();
  (
    cs.is_satisfied(),
    out.iter().map(|o| o.get_value().unwrap()).collect(),
  )
}

pub(super) fn tamper(c: &mut Case, f: impl FnOnce(&mut StepWitness<Fr>)) {
  let mut w = (**c.step.witness.as_ref().unwrap()).clone();
  f(&mut w);
  c.step.witness = Some(Arc::new(w));
}

pub(super) fn honest_ok(c: &Case) {
  let (sat, out) = run(c);
  assert!(sat, "honest witness must satisfy the circuit");
  assert_eq!(
    out, c.expect,
    "circuit outputs must match the native computation"
  );
}

const X: [i64; 4] = [17, -40, 99, -128];

#[test]
fn honest_public_and_private_steps_satisfy() {
  for mode in [WeightMode::Public, WeightMode::Private] {
    let n = deep(mode, 6);
    for k in [1, 2, 3] {
      for step in 0..6 / k {
        honest_ok(&case(&n, k, step, &X));
      }
    }
  }
}

#[test]
fn selector_rejects_another_step_and_two_hot() {
  let n = deep(WeightMode::Public, 6);
  let mut c = case(&n, 2, 1, &X); // middle steps share a segment of >1 steps
  assert!(c.step.segment.num_steps > 1);
  honest_ok(&c);
  let d = c.step.segment.num_steps;
  let mut other = case(&n, 2, 1, &X);
  tamper(&mut other, |w| {
    w.selector = (0..d)
      .map(|j| if j == (1 + 1) % d { Fr::ONE } else { Fr::ZERO })
      .collect();
  });
  assert!(!run(&other).0, "selecting another step's weights must fail");
  tamper(&mut c, |w| {
    w.selector = vec![Fr::ONE; d];
  });
  assert!(!run(&c).0, "a selector with several bits set must fail");
}

#[test]
fn one_step_segment_pins_the_step_index() {
  let n = deep(WeightMode::Public, 3);
  let mut c = case(&n, 3, 0, &X);
  assert_eq!(c.step.segment.num_steps, 1);
  honest_ok(&c);
  c.z[0] = Fr::from(5u64);
  assert!(!run(&c).0);
}

#[test]
fn activation_binding_rejects_other_inputs() {
  for mode in [WeightMode::Public, WeightMode::Private] {
    let n = deep(mode, 4);
    let mut c = case(&n, 1, 0, &X);
    c.z[1] = activation_hash(&hash::constants::<Fr>(), &[1, 2, 3, 4], ST.act_bits);
    assert!(!run(&c).0, "state hash of another input must fail");
    // consistent advice for another input (value and bits), honest state hash: must fail
    let mut c = case(&n, 1, 0, &X);
    tamper(&mut c, |w| {
      w.input[0] += Fr::ONE;
      let v = (X[0] + 1 + 128) as u64;
      for b in 0..8 {
        w.input_bits[b] = if (v >> b) & 1 == 1 { Fr::ONE } else { Fr::ZERO };
      }
    });
    assert!(!run(&c).0, "changed input advice must not match h_act");
  }
}

#[test]
fn input_range_check_rejects_out_of_range_values() {
  let n = deep(WeightMode::Public, 2);
  let mut c = case(&n, 1, 0, &X);
  // x0 = 128 (outside [-128, 128)): x + 128 = 256 needs a ninth bit; fake it as bit 7 = 2
  tamper(&mut c, |w| {
    w.input[0] = Fr::from(128u64);
    for b in 0..8 {
      w.input_bits[b] = Fr::ZERO;
    }
    w.input_bits[7] = Fr::from(2u64);
  });
  assert!(!run(&c).0);
}

#[test]
fn lane_decomposition_rejects_a_flipped_bit() {
  for mode in [WeightMode::Public, WeightMode::Private] {
    let n = deep(mode, 2);
    let mut c = case(&n, 1, 0, &X);
    tamper(&mut c, |w| {
      let d = &mut w.slots[0].digits[5];
      *d = Fr::ONE - *d;
    });
    assert!(!run(&c).0);
  }
}

#[test]
fn rescale_remainder_must_be_in_range() {
  // Claim y + 1 with remainder r - 2^s: the decomposition sum still matches, but the
  // remainder's low "bit" is no longer a bit.
  let n = deep(WeightMode::Public, 2);
  let mut c = case(&n, 1, 0, &X);
  let q = ST.lane_digits();
  let s = ST.shift as usize;
  tamper(&mut c, |w| {
    let sw = &mut w.slots[0];
    let digit = |sw: &SlotWitness<Fr>| -> u64 {
      (0..q)
        .map(|b| {
          if sw.digits[b] == Fr::ONE {
            1u64 << b
          } else {
            0
          }
        })
        .sum()
    };
    let v = digit(sw);
    let (r, y) = (v % (1 << s), v >> s);
    let y2 = y + 1;
    for b in 0..q {
      sw.digits[b] = Fr::ZERO;
    }
    for b in 0..(q - s) {
      if (y2 >> b) & 1 == 1 {
        sw.digits[s + b] = Fr::ONE;
      }
    }
    sw.digits[0] = field_i64::<Fr>(r as i64 - (1 << s));
    sw.out[0] += Fr::ONE;
  });
  assert!(!run(&c).0);
}

#[test]
fn relu_sign_is_enforced() {
  // find a neuron of a ReLU layer with negative pre-activation
  let n = deep(WeightMode::Public, 2);
  for x in [
    [17i64, -40, 99, -128],
    [-100, 100, -100, 100],
    [5, 5, -5, -5],
  ] {
    let c = case(&n, 1, 0, &x);
    let w = c.step.witness.as_ref().unwrap();
    let q = ST.lane_digits();
    let a = ST.act_bits as usize;
    let s = ST.shift as usize;
    let neg = (0..5).find(|&j| w.slots[0].digits[j * q + s + a - 1] == Fr::ZERO);
    let Some(j) = neg else { continue };
    honest_ok(&c);
    // claim the pre-activation itself instead of zero
    let y: i64 = (0..a)
      .map(|b| {
        if w.slots[0].digits[j * q + s + b] == Fr::ONE {
          1i64 << b
        } else {
          0
        }
      })
      .sum::<i64>()
      - (1 << (a - 1));
    let mut t = case(&n, 1, 0, &x);
    tamper(&mut t, |w| w.slots[0].out[j] = field_i64::<Fr>(y));
    assert!(!run(&t).0, "negative pre-activation must give zero");
    // flip the sign bit only
    let mut t = case(&n, 1, 0, &x);
    tamper(&mut t, |w| w.slots[0].digits[j * q + s + a - 1] = Fr::ONE);
    assert!(!run(&t).0, "a flipped sign bit must fail");
    return;
  }
  panic!("no negative pre-activation found");
}

#[test]
fn overflowing_accumulator_has_no_witness() {
  // weights large enough that an in-range input overflows the output range
  let big = DenseLayer {
    n_in: 2,
    n_out: 2,
    relu: false,
    weight: vec![31, 31, -31, 30],
    bias: vec![0, 0],
  };
  let n = net(WeightMode::Public, vec![big]);
  let x_ok = [1i64, 1];
  let x_big = [127i64, 127];
  assert!(forward(&n, &x_big).is_err());
  let mut c = case(&n, 1, 0, &x_ok);
  let q = ST.lane_digits();
  let acc = crate::model::accumulate(n.layers[0].as_dense().unwrap(), &x_big);
  tamper(&mut c, |w| {
    for (i, v) in x_big.iter().enumerate() {
      w.input[i] = field_i64::<Fr>(*v);
      for b in 0..8 {
        w.input_bits[i * 8 + b] = if ((v + 128) >> b) & 1 == 1 {
          Fr::ONE
        } else {
          Fr::ZERO
        };
      }
    }
    let sw = &mut w.slots[0];
    let offset = 1i64 << (q - 1);
    for (j, a) in acc.iter().enumerate() {
      let wrapped = (a + offset).rem_euclid(1 << q);
      for b in 0..q {
        sw.digits[j * q + b] = if (wrapped >> b) & 1 == 1 {
          Fr::ONE
        } else {
          Fr::ZERO
        };
      }
      sw.out[j] = field_i64::<Fr>((wrapped >> ST.shift) - 128);
    }
  });
  c.z[1] = activation_hash(&hash::constants::<Fr>(), &x_big, ST.act_bits);
  assert!(!run(&c).0);
}

#[test]
fn private_chain_binds_weights_and_salt() {
  let n = deep(WeightMode::Private, 2);
  let honest = case(&n, 1, 0, &X);
  honest_ok(&honest);
  // another packed weight, with the product advice kept consistent: satisfied, but the
  // chain output is no longer the committed one
  let mut c = case(&n, 1, 0, &X);
  tamper(&mut c, |w| {
    let sw = &mut w.slots[0];
    let p = sw.private.as_mut().unwrap();
    p.packed_w[0] += Fr::ONE;
    sw.mac[0] = p.packed_w[0] * field_i64::<Fr>(X[0]);
    // undo the effect on the accumulator through the bias so the lanes still decompose
    p.packed_b[0] -= field_i64::<Fr>(X[0]);
  });
  let (sat, out) = run(&c);
  assert!(sat);
  assert_ne!(
    out[2], honest.expect[2],
    "the chain must change with the weights"
  );
  let mut c = case(&n, 1, 0, &X);
  tamper(&mut c, |w| {
    w.slots[0].private.as_mut().unwrap().salt += Fr::ONE
  });
  let (sat, out) = run(&c);
  assert!(sat);
  assert_ne!(
    out[2], honest.expect[2],
    "the chain must change with the salt"
  );
}

proptest! {
  #![proptest_config(ProptestConfig::with_cases(24))]
  #[test]
  fn circuit_output_equals_reference(
    seed in 0u64..1_000_000,
    n_in in 1usize..6,
    n_out in 1usize..7,
    relu in any::<bool>(),
    private in any::<bool>(),
    xs in proptest::collection::vec(-128i64..128, 6),
  ) {
    let mode = if private { WeightMode::Private } else { WeightMode::Public };
    let n = net(mode, vec![layer(seed, n_in, n_out, relu, 3)]);
    let x = &xs[..n_in];
    prop_assume!(forward(&n, x).is_ok());
    let c = case(&n, 1, 0, x);
    let (sat, out) = run(&c);
    prop_assert!(sat);
    prop_assert_eq!(out, c.expect);
  }
}

/// Honest batch step over `xs` (one step of `xs.len()` items) starting from chain value `h`.
fn batch_case(n: &Network, xs: &[Vec<i64>], h: Fr) -> Case {
  let seg = crate::batch::batch_segment(n, xs.len()).unwrap();
  let circuit = segment_circuit::<Fr>(n, &seg);
  let layers: Vec<_> = n.layers.iter().collect();
  let (w, ys) = circuit.batch_witness(xs, &layers).unwrap();
  for (x, y) in xs.iter().zip(&ys) {
    assert_eq!(y, forward(n, x).unwrap().last().unwrap());
  }
  let consts = hash::constants::<Fr>();
  let flat = |v: &[Vec<i64>]| v.concat();
  Case {
    step: FoldStep {
      segment: circuit,
      witness: Some(Arc::new(w)),
    },
    z: vec![Fr::from(7u64), h],
    expect: vec![
      Fr::from(8u64),
      hash::batch_link(&consts, h, &flat(xs), &flat(&ys), ST.act_bits),
    ],
  }
}

#[test]
fn batch_step_honest_satisfies_and_tampering_each_item_is_caught() {
  let n = net(
    WeightMode::Public,
    vec![layer(1, 4, 5, true, 3), layer(2, 5, 3, false, 3)],
  );
  let xs = vec![vec![5, -3, 7, 0], vec![-128, 127, 1, -1], vec![0, 0, 0, 0]];
  let h = Fr::from(99u64);
  let c = batch_case(&n, &xs, h);
  honest_ok(&c);
  // every item is checked, not only the first: tamper with the last one
  let slots = n.layers.len();
  let last = xs.len() - 1;
  let mut bad = batch_case(&n, &xs, h);
  tamper(&mut bad, |w| w.slots[last * slots + 1].out[0] += Fr::ONE);
  assert!(!run(&bad).0, "a wrong output of the last item is caught");
  let mut bad = batch_case(&n, &xs, h);
  tamper(&mut bad, |w| {
    w.slots[last * slots].digits[0] = Fr::from(2u64)
  });
  assert!(
    !run(&bad).0,
    "a non-boolean digit of the last item is caught"
  );
  let mut bad = batch_case(&n, &xs, h);
  tamper(&mut bad, |w| w.input[last * 4 + 2] += Fr::ONE);
  assert!(
    !run(&bad).0,
    "an input that disagrees with its range bits is caught"
  );
  // an out-of-range input with consistent bits cannot be expressed: the bits cap it
  let mut bad = batch_case(&n, &xs, h);
  tamper(&mut bad, |w| {
    w.input_bits[last * 4 * 8 + 7] = Fr::from(2u64)
  });
  assert!(!run(&bad).0, "a non-boolean input bit is caught");
}

#[test]
fn batch_step_outputs_commit_to_every_item_in_order() {
  let n = net(
    WeightMode::Public,
    vec![layer(3, 4, 4, true, 3), layer(4, 4, 2, false, 3)],
  );
  let xs = vec![vec![1, 2, 3, 4], vec![-5, 6, -7, 8]];
  let h = Fr::from(5u64);
  let c = batch_case(&n, &xs, h);
  let (ok, out) = run(&c);
  assert!(ok);
  assert_eq!(out, c.expect);
  let swapped = batch_case(&n, &[xs[1].clone(), xs[0].clone()], h);
  assert_ne!(
    run(&swapped).1[1],
    out[1],
    "the chain depends on the items' order"
  );
  let other_prev = batch_case(&n, &xs, Fr::from(6u64));
  assert_ne!(
    run(&other_prev).1[1],
    out[1],
    "the chain depends on the previous value"
  );
}
