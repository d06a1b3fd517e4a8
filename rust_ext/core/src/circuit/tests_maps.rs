//! Convolution, pooling and residual slots: honest witnesses satisfy every constraint, tampered
//! ones do not, and the circuit computes exactly the native forward pass (property tests).
use ff::Field;
use proptest::prelude::*;

use super::tests::{case, honest_ok, run, tamper};
use super::*;
type Fr = crate::engine::Fr<crate::engine::Pasta>;
use crate::model::{
  forward, ConvLayer, DenseLayer, Layer, Network, PoolLayer, PoolOp, Settings, Skip,
};
use crate::packing::field_i64;

const ST: Settings = Settings {
  act_bits: 8,
  weight_bits: 6,
  shift: 3,
};

/// Deterministic pseudo-random integers in `[-m, m]`.
fn rng(seed: u64) -> impl FnMut(i64) -> i64 {
  let mut s = seed
    .wrapping_mul(6364136223846793005)
    .wrapping_add(1442695040888963407);
  move |m: i64| {
    s = s
      .wrapping_mul(6364136223846793005)
      .wrapping_add(1442695040888963407);
    ((s >> 33) as i64).rem_euclid(2 * m + 1) - m
  }
}

fn window(c: usize, hw: usize, k: usize, stride: usize, pad: usize) -> Window {
  Window {
    channels: c,
    height: hw,
    width: hw,
    kernel: (k, k),
    stride: (stride, stride),
    pads: [pad; 4],
  }
}

fn conv(seed: u64, win: Window, c_out: usize, relu: bool, skip: Option<Skip>) -> Layer {
  let mut next = rng(seed);
  let n = c_out * win.channels * win.taps();
  Layer::Conv(ConvLayer {
    window: win,
    c_out,
    relu,
    weight: (0..n).map(|_| next(3)).collect(),
    bias: (0..c_out).map(|_| next(10)).collect(),
    skip,
  })
}

fn dense(seed: u64, n_in: usize, n_out: usize) -> Layer {
  let mut next = rng(seed);
  Layer::Dense(DenseLayer {
    n_in,
    n_out,
    relu: false,
    weight: (0..n_in * n_out).map(|_| next(2)).collect(),
    bias: (0..n_out).map(|_| next(10)).collect(),
  })
}

fn net(mode: WeightMode, layers: Vec<Layer>) -> Network {
  let salts = (0..layers.len()).map(|l| [l as u8 + 3; 32]).collect();
  Network::new(ST, layers, mode, salts).unwrap()
}

/// conv 2->3 (5x5, pad 1) | residual block of two 3->3 convs | max 2x2 s1 | avg 2x2 s2 | dense.
fn mixed(mode: WeightMode) -> Network {
  let w5 = window(2, 5, 3, 1, 1);
  let w3 = window(3, 5, 3, 1, 1);
  net(
    mode,
    vec![
      conv(1, w5, 3, true, None),
      conv(2, w3, 3, true, None),
      conv(3, w3, 3, true, Some(Skip { from: 1, mult: 5 })),
      Layer::Pool(PoolLayer {
        window: window(3, 5, 2, 1, 0),
        op: PoolOp::Max,
        relu: false,
      }),
      Layer::Pool(PoolLayer {
        window: window(3, 4, 2, 2, 0),
        op: PoolOp::Avg { mult: 2, bias: 4 },
        relu: true,
      }),
      dense(9, 12, 4),
    ],
  )
}

/// Zator in miniature: conv 1->2 head, `runs` convs 2->2 (one segment), dense tail.
fn zator_mini(mode: WeightMode, runs: usize) -> Network {
  let mut layers = vec![conv(1, window(1, 4, 3, 1, 1), 2, true, None)];
  for r in 0..runs {
    layers.push(conv(10 + r as u64, window(2, 4, 3, 1, 1), 2, true, None));
  }
  layers.push(dense(99, 32, 3));
  net(mode, layers)
}

/// A stem conv, then `blocks` residual blocks (one segment of two-slot steps), dense tail.
fn resnet_mini(mode: WeightMode, blocks: usize) -> Network {
  let w = window(2, 3, 3, 1, 1);
  let mut layers = vec![conv(1, window(1, 3, 3, 1, 1), 2, true, None)];
  for b in 0..blocks {
    let first = layers.len();
    layers.push(conv(20 + 2 * b as u64, w, 2, true, None));
    layers.push(conv(
      21 + 2 * b as u64,
      w,
      2,
      true,
      Some(Skip {
        from: first,
        mult: 3 + b as i64,
      }),
    ));
  }
  layers.push(dense(98, 18, 2));
  net(mode, layers)
}

fn input(seed: u64, n: usize) -> Vec<i64> {
  let mut next = rng(seed);
  (0..n).map(|_| next(40)).collect()
}

#[test]
fn honest_map_steps_satisfy_in_both_modes() {
  for mode in [WeightMode::Public, WeightMode::Private] {
    for n in [mixed(mode), zator_mini(mode, 3), resnet_mini(mode, 3)] {
      let x = input(5, n.input_dim());
      let steps = crate::plan::plan(
        &n,
        &crate::plan::PlanOptions {
          layers_per_step: Some(1),
          ..Default::default()
        },
      )
      .unwrap()
      .total_steps();
      for step in 0..steps as usize {
        honest_ok(&case(&n, 1, step, &x));
      }
    }
  }
}

#[test]
fn several_layers_share_a_step() {
  for mode in [WeightMode::Public, WeightMode::Private] {
    let n = mixed(mode);
    let x = input(6, n.input_dim());
    // units: [0], [1, 2] (the residual block), [3], [4], [5]
    honest_ok(&case(&n, 5, 0, &x));
    honest_ok(&case(&n, 2, 1, &x));
  }
}

#[test]
fn a_repeated_conv_segment_selects_each_steps_kernel() {
  let n = zator_mini(WeightMode::Public, 3);
  let x = input(7, n.input_dim());
  let mut c = case(&n, 1, 2, &x);
  let d = c.step.segment.num_steps;
  assert_eq!(d, 3, "the three 2->2 convolutions share one segment");
  honest_ok(&c);
  tamper(&mut c, |w| {
    w.selector = (0..d)
      .map(|j| if j == 2 { Fr::ONE } else { Fr::ZERO })
      .collect();
  });
  assert!(
    !run(&c).0,
    "another step's kernel must not fit this step's outputs"
  );
}

#[test]
fn residual_blocks_select_their_multiplier() {
  for mode in [WeightMode::Public, WeightMode::Private] {
    let n = resnet_mini(mode, 3);
    let x = input(8, n.input_dim());
    let c = case(&n, 1, 2, &x);
    assert_eq!(c.step.segment.num_steps, 3);
    assert_eq!(c.step.segment.shape.slots.len(), 2);
    honest_ok(&c);
    // the block's output without its residual is not a witness
    let mut t = case(&n, 1, 2, &x);
    let outs = forward(&n, &x).unwrap();
    let Layer::Conv(last) = &n.layers[4] else {
      unreachable!()
    };
    let mut plain = last.clone();
    plain.skip = None;
    let acc = plain.accumulate(&outs[3]);
    tamper(&mut t, |w| {
      let sw = &mut w.slots[1];
      let q = ST.lane_digits();
      for (j, a) in acc.iter().enumerate() {
        let v = (a + (1 << (q - 1))).clamp(0, (1 << q) - 1);
        for b in 0..q {
          sw.digits[j * q + b] = if (v >> b) & 1 == 1 { Fr::ONE } else { Fr::ZERO };
        }
        sw.out[j] = field_i64::<Fr>(((v >> ST.shift) - 128).max(0));
      }
    });
    assert!(!run(&t).0, "dropping the residual must fail");
  }
}

#[test]
fn conv_outputs_and_digits_are_bound() {
  for mode in [WeightMode::Public, WeightMode::Private] {
    let n = zator_mini(mode, 2);
    let x = input(9, n.input_dim());
    let mut c = case(&n, 1, 1, &x);
    tamper(&mut c, |w| {
      let d = &mut w.slots[0].digits[7];
      *d = Fr::ONE - *d;
    });
    assert!(!run(&c).0, "a flipped digit must fail");
    let mut c = case(&n, 1, 1, &x);
    tamper(&mut c, |w| w.slots[0].out[3] += Fr::ONE);
    assert!(!run(&c).0, "a changed output must fail");
  }
}

#[test]
fn private_conv_weights_are_absorbed_into_the_model_chain() {
  let n = zator_mini(WeightMode::Private, 2);
  let x = input(10, n.input_dim());
  let mut c = case(&n, 1, 1, &x);
  // another kernel that gives the same outputs is impossible to find; a changed weight with
  // honest outputs fails the products, and the chain value moves with the weights
  tamper(&mut c, |w| {
    let p = w.slots[0].private.as_mut().unwrap();
    p.packed_w[0] += Fr::ONE;
  });
  let (sat, out) = run(&c);
  assert!(
    !sat || out[2] != c.expect[2],
    "changed private weights must not prove the model"
  );
  let mut c = case(&n, 1, 1, &x);
  tamper(&mut c, |w| {
    w.slots[0].private.as_mut().unwrap().salt += Fr::ONE
  });
  let (sat, out) = run(&c);
  assert!(sat, "any salt satisfies the step");
  assert_ne!(out[2], c.expect[2], "but the chain moves with it");
}

#[test]
fn max_pooling_proves_the_max() {
  let n = mixed(WeightMode::Public);
  let x = input(11, n.input_dim());
  let outs = forward(&n, &x).unwrap();
  let win = window(3, 5, 2, 1, 0);
  // output 0 of the pool: window rows 0..2, cols 0..2 of channel 0
  let vals: Vec<i64> = [0usize, 1, 5, 6].iter().map(|i| outs[2][*i]).collect();
  let max = *vals.iter().max().unwrap();
  let min = *vals.iter().min().unwrap();
  assert_eq!(outs[3][0], max);
  assert_eq!(win.positions(), 16);
  for (claim, why) in [(max + 1, "above the max"), (min - 1, "below every input")] {
    let mut c = case(&n, 1, 2, &x);
    tamper(&mut c, |w| w.slots[0].out[0] = field_i64::<Fr>(claim));
    assert!(!run(&c).0, "a claimed max {why} must fail");
  }
  if min < max {
    let mut c = case(&n, 1, 2, &x);
    tamper(&mut c, |w| w.slots[0].out[0] = field_i64::<Fr>(min));
    assert!(!run(&c).0, "a window element below the max must fail");
  }
}

#[test]
fn average_pooling_digits_are_bound() {
  let n = mixed(WeightMode::Private);
  let x = input(12, n.input_dim());
  let mut c = case(&n, 1, 3, &x);
  tamper(&mut c, |w| {
    let d = &mut w.slots[0].digits[2];
    *d = Fr::ONE - *d;
  });
  assert!(!run(&c).0);
  let mut c = case(&n, 1, 3, &x);
  tamper(&mut c, |w| w.slots[0].out[1] += Fr::ONE);
  assert!(!run(&c).0);
}

#[test]
fn a_plan_never_splits_a_residual_block() {
  let n = resnet_mini(WeightMode::Public, 2);
  let units = crate::plan::units(&n);
  assert_eq!(units, vec![0..1, 1..3, 3..5, 5..6]);
  assert!(crate::plan::plan_from_segments(&n, &[(0, 1, 1), (1, 1, 1), (2, 3, 1)]).is_err());
  assert!(crate::plan::plan_from_segments(&n, &[(0, 1, 1), (1, 2, 2), (5, 1, 1)]).is_ok());
}

proptest! {
  #![proptest_config(ProptestConfig::with_cases(12))]

  /// Any small convolution (and a max or average pooling after it) computes in the circuit
  /// exactly what the native forward pass computes, in both weight modes.
  #[test]
  fn map_layers_equal_the_native_forward_pass(
    c_in in 1usize..3, c_out in 1usize..4, hw in 3usize..6, k in 1usize..4, stride in 1usize..3,
    pad in 0usize..3, relu: bool, pool in 0usize..3, private: bool, seed in 0u64..1000,
  ) {
    let pad = pad.min(k - 1);
    let first = window(c_in, hw, k, stride, pad);
    prop_assume!(first.validate().is_ok());
    let mut layers = vec![conv(seed, first, c_out, relu, None)];
    let (oh, _) = first.out_hw();
    if pool > 0 && oh >= 2 {
      let win = window(c_out, oh, 2, 1, 0);
      layers.push(Layer::Pool(PoolLayer {
        window: win,
        op: if pool == 1 { PoolOp::Max } else { PoolOp::Avg { mult: 3, bias: 4 } },
        relu: false,
      }));
    }
    let mode = if private { WeightMode::Private } else { WeightMode::Public };
    let n = net(mode, layers);
    let x = input(seed + 1, n.input_dim());
    prop_assume!(forward(&n, &x).is_ok());
    let all = n.layers.len();
    let c = case(&n, all, 0, &x);
    let (sat, out) = run(&c);
    prop_assert!(sat);
    prop_assert_eq!(out, c.expect);
  }
}
