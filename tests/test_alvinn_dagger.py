"""DAgger: the learner drives, the demonstrator labels the states it visits, D aggregates them."""

import numpy as np
import pytest

from backprop.alvinn import AlvinnConfig, Vehicle, pure_pursuit, train_dagger
from backprop.alvinn.dagger import dagger_betas
from backprop.alvinn.simulate import make_parts

# Tiny settings: 1 x 1 sub-pixels, 240 frames in 3 rounds, 5 epochs per round, no driver noise
# (so the demonstrator's label at a pose is pure pursuit from it).
TINY = dict(frames=240, supersample=1, augmentation=False, driver_noise=0.0, dagger_rounds=3,
            dagger_epochs=5, dagger_sample_every=4)


@pytest.fixture(scope="module")
def learner_only():
    """beta = 0: round 0 is the demonstrator's, rounds 1 and 2 the network's alone."""
    return train_dagger(AlvinnConfig(seed=3, dagger_beta=0.0, **TINY))


def test_betas_decay_geometrically_from_the_demonstrator():
    np.testing.assert_array_equal(dagger_betas(AlvinnConfig(dagger_rounds=4, dagger_beta=0.5)),
                                  [1.0, 0.5, 0.25, 0.125])
    np.testing.assert_array_equal(dagger_betas(AlvinnConfig(dagger_rounds=3, dagger_beta=0.0)), [1, 0, 0])


def test_the_aggregate_keeps_every_sampled_frame(learner_only):
    mem, rounds = learner_only.memory, learner_only.rounds
    assert len(mem) == mem.n_added == 240 // 4                          # nothing replaced
    assert [r["patterns"] for r in rounds] == [20, 40, 60]
    assert [r["expert_frames"] for r in rounds] == [80, 0, 0]
    assert len(learner_only.poses) == len(learner_only.steering) == 240


def test_aggregated_states_are_the_visited_ones_labelled_by_the_demonstrator(learner_only):
    """Each pattern of D is the retina at the pose the car was in, with the demonstrator's steering there."""
    session = learner_only
    driver, road, mem = session.driver, session.road, session.memory
    for j, frame in enumerate(range(0, 240, 4)):
        pose = session.poses[frame]
        s, _ = road.locate(pose[0], pose[1], frame * 1.0)
        x = driver.inputs(driver.camera.render(road, pose, s))[0]
        np.testing.assert_allclose(mem.inputs[j], x, atol=1e-12)
        label = np.clip(pure_pursuit(road, pose, s), -0.05, 0.05)
        assert mem.keys[j] == pytest.approx(label, abs=1e-12)
        np.testing.assert_allclose(mem.targets[j], driver.code.encode(np.array([label]))[0], atol=1e-12)


def test_rounds_after_the_first_are_the_learners_own_rollouts(learner_only):
    """With beta = 0 the network of round i (its logged weights) steered every frame of round i."""
    session = learner_only
    config = session.config
    driver, _ = make_parts(config)
    vehicle = Vehicle(config.speed, config.dt, config.kappa_max)
    for i, (lo, hi) in enumerate([(80, 160), (160, 240)], start=1):
        driver.net.params[:] = session.rounds[i]["params"]
        for frame in range(lo, hi):
            pose = session.poses[frame]
            s, _ = session.road.locate(pose[0], pose[1], frame * 1.0)
            assert driver.steer(session.road, pose, s)[0] == pytest.approx(session.steering[frame], abs=1e-12)
            nxt = vehicle.step(pose, session.steering[frame])
            if frame + 1 < hi and abs(session.offsets[frame]) <= 2.0 + config.intervention_margin:
                np.testing.assert_allclose(session.poses[frame + 1], nxt, atol=1e-12)
    # the learner's own states are not the demonstrator's: it strays further from the centre
    offsets = np.abs(session.offsets)
    assert offsets[80:].mean() > offsets[:80].mean()


def test_round_zero_is_behavioural_cloning_of_the_demonstrator(learner_only):
    session = learner_only
    for frame in range(80):
        pose = session.poses[frame]
        s, _ = session.road.locate(pose[0], pose[1], frame * 1.0)
        assert session.steering[frame] == pytest.approx(np.clip(pure_pursuit(session.road, pose, s), -0.05, 0.05))
    assert not np.array_equal(session.rounds[0]["params"], session.rounds[1]["params"])   # trained between


def test_mixed_rounds_let_the_demonstrator_steer_a_beta_share_of_frames():
    session = train_dagger(AlvinnConfig(seed=1, dagger_beta=0.5, **{**TINY, "frames": 400, "dagger_rounds": 2}))
    expert = session.rounds[1]["expert_frames"]
    assert 70 < expert < 130                             # Binomial(200, 0.5): 100 +- 4.3 SD


def test_dagger_is_deterministic_with_a_seed():
    a, b, c = (train_dagger(AlvinnConfig(seed=s, **{**TINY, "frames": 120})) for s in (5, 5, 6))
    np.testing.assert_array_equal(a.driver.net.params, b.driver.net.params)
    np.testing.assert_array_equal(np.array(a.offsets), np.array(b.offsets))
    assert not np.array_equal(a.driver.net.params, c.driver.net.params)


def test_dagger_with_views_aggregates_them_too():
    session = train_dagger(AlvinnConfig(seed=0, **{**TINY, "frames": 40, "dagger_rounds": 2,
                                                   "augmentation": True, "n_views": 3}))
    assert len(session.memory) == 10 * 4 and session.memory.n_added == 40


def test_dagger_rejects_more_rounds_than_frames():
    from backprop import ConfigError
    with pytest.raises(ConfigError, match="dagger_rounds"):
        train_dagger(AlvinnConfig(frames=5, dagger_rounds=6))


def test_a_short_on_the_fly_run_is_not_limited_by_the_dagger_settings():
    from backprop.alvinn import train_on_the_fly
    session = train_on_the_fly(AlvinnConfig(frames=5, supersample=1))      # dagger_rounds = 10 > 5 frames
    assert len(session.losses) == 5 and session.rounds == []
