"""On-the-fly training, closed-loop driving, the augmentation ablation and the demo (docs R1.8-R1.9)."""

import re

import numpy as np
import pytest

from backprop.alvinn import (COURSES, AlvinnConfig, drive, pass_trainer, test_road, train_dagger,
                             train_on_the_fly)
from backprop.alvinn.simulate import build_network, make_parts
from conftest import run_cli

# Short settings for the suite: 1000 frames, 1 x 1 sub-pixels, a 1 km drive on course 7
# and 500 m of hard course 7.
SHORT = dict(frames=1000, supersample=1)
EVAL_M, HARD_M = 1000.0, 500.0


def test_fan_in_learning_rates_equal_per_layer_sgd_steps(rng):
    """The pass trainer's (P,) learning-rate array takes the step -eta / n_in(l) g in every layer l."""
    net = build_network(AlvinnConfig(), 960)
    X, T = rng.normal(size=(10, 960)), rng.random((10, 30))
    before = net.params.copy()
    _, g = net.loss_and_grad(X, T)
    pass_trainer(AlvinnConfig(), net).partial_fit(net, X, T)    # one batch of 10: one update
    (W1, b1), (W2, b2) = net.unflatten(net.params - before)
    (g1, gb1), (g2, gb2) = net.unflatten(g)
    np.testing.assert_allclose(W1, -0.3 / 960 * g1, rtol=1e-8, atol=1e-16)
    np.testing.assert_allclose(b2, -0.3 / 4 * gb2, rtol=1e-8, atol=1e-16)


def test_pass_trainer_equals_a_hand_loop_over_the_memory_batches(rng):
    """Three passes: the memory's generator orders the batches and momentum carries over."""
    from backprop import optim
    from backprop.alvinn import ReplayMemory
    from backprop.alvinn.simulate import fan_in_learning_rates
    X, T = rng.normal(size=(25, 960)), rng.random((25, 30))
    config = AlvinnConfig()
    net, ref = build_network(config, 960), build_network(config, 960)
    mem_a, mem_b = (ReplayMemory(30, 960, 30, random_state=5) for _ in range(2))
    mem_a.add(X, T)
    mem_b.add(X, T)
    trainer = pass_trainer(config, net, mem_a.rng)
    losses = [trainer.partial_fit(net, mem_a.inputs, mem_a.targets).loss[-1] for _ in range(3)]
    opt = optim.get("sgd", learning_rate=0.3, momentum=0.9)
    state = opt.init(ref.params)
    state["learning_rate"] = fan_in_learning_rates(ref, 0.3)
    for E in losses:
        total = 0.0
        for Xb, Tb in mem_b.batches(config.batch_size):
            e, g = ref.loss_and_grad(Xb, Tb)
            step, state = opt.update(g, state, ref.params)
            ref.params += step
            total += e
        assert total == E
    np.testing.assert_array_equal(net.params, ref.params)


def _buffer_patterns(n_frames=14, seed=0):
    """A few hundred real patterns (retina, hump) from the demonstrator on a training road."""
    config = AlvinnConfig(supersample=1, n_views=14)
    driver, _ = make_parts(config)
    from backprop.alvinn import Augmenter, training_road, pure_pursuit
    road, aug, rng = training_road(seed, 400.0), Augmenter(), np.random.default_rng(seed)
    Xs, Ts = [], []
    for s in np.linspace(20, 300, n_frames):
        pose = road.pose_at(s)
        images, kappas = aug(driver.camera, road, pose, s, pure_pursuit(road, pose, s), rng)
        Xs.append(driver.inputs(images))
        Ts.append(driver.code.encode(kappas))
    return driver, np.vstack(Xs), np.vstack(Ts)


def test_unscaled_learning_rate_saturates_the_hidden_units_fan_in_scaling_does_not():
    """Regression (docs R1.8): lr 0.05 on 960 standardised inputs saturates and stalls."""
    driver, X, T = _buffer_patterns()
    results = {}
    for name, scaled, lr in [("unscaled", False, 0.05), ("fan-in", True, 0.3)]:
        config = AlvinnConfig(seed=1, learning_rate=lr, fan_in_scaling=scaled)
        net = build_network(config, 960)
        pass_trainer(config, net, np.random.default_rng(0)).partial_fit(net, X, T, epochs=40)
        hidden = net.forward_trace(X)[1][0]
        results[name] = (net.loss(X, T) / len(X), np.mean(np.minimum(hidden, 1 - hidden) < 0.01))
    (loss_u, sat_u), (loss_f, sat_f) = results["unscaled"], results["fan-in"]
    assert sat_u > 0.9 and sat_f < 0.5                 # fraction of hidden activations within 0.01 of 0/1
    assert loss_f < 0.5 * loss_u


@pytest.fixture(scope="module")
def short_runs():
    """Augmented, non-augmented and DAgger short runs over three training seeds.

    Keys ``(arm, seed)``; values ``(session, gentle result, hard result)``.
    """
    road, hard = test_road(7, EVAL_M), COURSES["hard"]
    hard_road, out = hard.road_for(7, HARD_M), {}
    for arm in ("augmented", "no-augmentation", "dagger"):
        for seed in (0, 1, 2):
            config = AlvinnConfig(seed=seed, augmentation=arm == "augmented", **SHORT)
            session = (train_dagger if arm == "dagger" else train_on_the_fly)(config)
            out[arm, seed] = (session, drive(session.driver, road, config, EVAL_M),
                              drive(session.driver, hard_road, config, HARD_M, sensor=hard.sensor(7)))
    return out


def test_short_closed_loop_run_stays_on_the_road(short_runs):
    session, result, _ = short_runs["augmented", 0]
    m = result["metrics"]
    assert len(session.losses) == SHORT["frames"] and np.isfinite(session.losses).all()
    assert np.mean(session.losses[-50:]) < 0.5 * np.mean(session.losses[:20])
    assert result["offsets"].shape == (int(EVAL_M),) and result["path"].shape == (int(EVAL_M), 3)
    assert m["on_road"] > 0.95 and m["interventions"] == 0
    assert m["mean_abs_kappa_error"] < 0.01


def test_augmentation_ablation_no_augmentation_drifts_off(short_runs):
    """Covariate shift: without shifted/rotated views the policy leaves the road."""
    def median(key, arm):
        return np.median([short_runs[arm, s][1]["metrics"][key] for s in (0, 1, 2)])
    total = {arm: sum(short_runs[arm, s][1]["metrics"]["interventions"] for s in (0, 1, 2))
             for arm in ("augmented", "no-augmentation")}
    assert total["no-augmentation"] > total["augmented"]
    assert median("mean_abs_offset", "no-augmentation") > 1.3 * median("mean_abs_offset", "augmented")
    assert median("in_lane", "augmented") > median("in_lane", "no-augmentation") + 0.02


def test_on_the_hard_course_only_the_cloned_driver_fails(short_runs):
    """ALVINN's lesson (issue 18): on sharp S-bends in a narrow lane the behavioural clone needs the
    safety driver again and again; the augmented network and DAgger mostly drive on."""
    per_km = {arm: [short_runs[arm, s][2]["metrics"]["interventions_per_km"] for s in (0, 1, 2)]
              for arm in ("augmented", "no-augmentation", "dagger")}
    assert min(per_km["no-augmentation"]) >= 10                    # every seed, >= 5 in 500 m
    assert sum(per_km["no-augmentation"]) > 5 * sum(per_km["augmented"])
    assert np.median(per_km["dagger"]) < 0.25 * np.median(per_km["no-augmentation"])
    assert sum(per_km["dagger"]) < sum(per_km["no-augmentation"])


def test_the_1989_layout_trains_with_a_range_retina():
    config = AlvinnConfig.for_layout("1989", frames=30, supersample=1)
    session = train_on_the_fly(config)
    net = session.driver.net
    assert net.layer_sizes == (30 * 32 + 8 * 32, 29, 45)
    assert np.isfinite(session.losses).all()


def test_demo_end_to_end(tmp_path):
    res = run_cli("demo", "alvinn", "--frames", "120", "--length", "200", "--seed", "1",
                  "--out", tmp_path)
    assert res.returncode == 0, res.stderr
    out = res.stdout
    number = r"([-+]?\d+\.\d+)"
    values = {key: float(re.search(rf"{re.escape(key)}\s+{number}", out).group(1))
              for key in ["mean |lateral offset|", "95th percentile |offset|", "time in lane",
                          "time on road", "interventions per km"]}
    assert 0 <= values["mean |lateral offset|"] <= values["95th percentile |offset|"]
    assert 0 <= values["time in lane"] <= values["time on road"] <= 100
    assert values["interventions per km"] >= 0
    assert "frame 100/120" in res.stderr                 # progress goes to stderr
    for name in ["retina.png", "hidden_weights.png", "path_7.png"]:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_demo_dagger_on_a_hard_course():
    res = run_cli("demo", "alvinn", "--dagger", "--frames", "100", "--family", "hard", "--length", "100")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "training: DAgger, 10 rounds" in out and "augmentation off" in out
    rounds = re.findall(r"round (\d+): beta ([\d.]+), network steered (\d+)%", out)
    assert [int(r[0]) for r in rounds] == list(range(10))
    assert float(rounds[0][1]) == 1.0 and rounds[0][2] == "0"           # round 0: the demonstrator drives
    assert "hard course 7 (100 m, lane 3.5 m):" in out and "round 10/10" in res.stderr


def test_demo_rejects_bad_settings():
    res = run_cli("demo", "alvinn", "--frames", "0")
    assert res.returncode == 2 and "--frames: must be an integer" in res.stderr and "Traceback" not in res.stderr
