"""DAgger (Ross, Gordon & Bagnell 2011): the learner drives, the demonstrator labels what it sees.

A network cloned from a good driver has only seen the states that driver
visits; once it errs it meets views it was never taught to recover from
(covariate shift).  Pomerleau's answer was to synthesise those views
(:mod:`.augment`); DAgger (Dataset Aggregation) collects them instead, from
the learner's own driving:

    D <- {}
    for round i = 0 .. N - 1:
        drive F = frames / N frames of the training course with the mixed policy
            pi_i = beta_i pi* + (1 - beta_i) pi_hat_i
            (each frame the demonstrator's steering with probability beta_i, else the network's)
        every ``dagger_sample_every`` frames add (the retina, the demonstrator's steering at that pose) to D
        train the network ``dagger_epochs`` epochs on all of D

with beta_i = ``dagger_beta`` ** i, so round 0 is the demonstrator's alone
(behavioural cloning) and beta_1 = 1 would be pure imitation.  The label is
what the demonstrator would steer at the visited pose (pure pursuit with its
AR(1) noise), also in frames where the network steers.  D is a
:class:`.replay.ReplayMemory` large enough never to replace a pattern; the
network keeps its weights from round to round (a warm start, where Ross et
al. fit a new policy on D).  When the car leaves the road (|e| > half width +
``intervention_margin``) the safety driver puts it back on the centreline,
as in evaluation.  One continuous drive of ``config.frames`` frames on the
same training course as :func:`.simulate.train_on_the_fly`, so the arms see
the same road for the same distance.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .._errors import check_range
from .evaluate import offset_limits
from .replay import ReplayMemory
from .simulate import AlvinnConfig, Session, pass_trainer, training_parts

__all__ = ["train_dagger", "dagger_betas"]


def dagger_betas(config: AlvinnConfig) -> np.ndarray:
    """Mixing weights beta_i = dagger_beta ** i of the rounds (beta_0 = 1: the demonstrator drives)."""
    return config.dagger_beta ** np.arange(config.dagger_rounds, dtype=float)


def train_dagger(config: AlvinnConfig,
                 progress: Callable[[int, int, float], None] | None = None) -> Session:
    """Train a network by DAgger over ``config.frames`` frames in ``config.dagger_rounds`` rounds.

    ``config.augmentation`` adds Pomerleau's views to each aggregated frame
    (off for the pure DAgger arm).  Returns a :class:`.simulate.Session`
    whose ``rounds`` logs, per round: ``beta``, ``frames``, ``patterns``
    (size of D after the round), ``expert_frames`` (frames the demonstrator
    steered), ``interventions`` and ``mean_abs_offset`` of the round's drive,
    ``loss`` (per pattern after its training) and ``params`` (the weights
    that drove the round, pi_hat_i).  ``progress(round, rounds, loss)`` is
    called after each round.
    """
    check_range("dagger_rounds", config.dagger_rounds, 1, config.frames)   # each round drives >= 1 frame
    driver, vehicle, road, teacher, augmenter, rng = training_parts(config)
    net, code, camera = driver.net, driver.code, driver.camera
    n_samples = -(-config.frames // config.dagger_sample_every)
    memory = ReplayMemory(n_samples * (1 + augmenter.n_views), net.n_inputs, net.n_outputs, "fifo",
                          random_state=np.random.default_rng([config.seed, 3]))
    trainer = pass_trainer(config, net, memory.rng)
    mix = np.random.default_rng([config.seed, 4])
    limit = offset_limits(road, config.intervention_margin)["intervention"]
    session = Session(driver, config, road, memory)
    bounds = np.linspace(0, config.frames, config.dagger_rounds + 1).round().astype(int)
    pose, s = road.pose_at(0.0), 0.0
    for i, beta in enumerate(dagger_betas(config)):
        interventions = expert_frames = 0
        params = net.params.copy()                          # the policy pi_hat_i of this round
        for frame in range(bounds[i], bounds[i + 1]):
            kappa_d = teacher(road, pose, s)                # the label, whoever steers
            if frame % config.dagger_sample_every == 0:
                images, kappas = augmenter(camera, road, pose, s, kappa_d, rng)
                memory.add(driver.inputs(images), code.encode(kappas), key=kappas)
            if mix.random() < beta:
                kappa, expert_frames = kappa_d, expert_frames + 1
            else:
                kappa = driver.steer(road, pose, s)[0]
            session.poses.append(pose)
            session.steering.append(kappa)
            pose = vehicle.step(pose, kappa)
            s, e = road.locate(pose[0], pose[1], s)
            session.offsets.append(e)
            if abs(e) > limit:
                interventions += 1
                pose = road.pose_at(s)
                vehicle.reset()
        history = trainer.partial_fit(net, memory.inputs, memory.targets, epochs=config.dagger_epochs)
        loss = history.loss[-1] / len(memory)
        session.losses.extend([loss] * (bounds[i + 1] - bounds[i]))
        session.rounds.append({"round": i, "beta": float(beta), "frames": int(bounds[i + 1] - bounds[i]),
                               "patterns": len(memory),
                               "expert_frames": expert_frames, "interventions": interventions,
                               "mean_abs_offset": float(np.mean(np.abs(session.offsets[bounds[i]:]))),
                               "loss": float(loss), "params": params})
        if progress is not None:
            progress(i + 1, config.dagger_rounds, float(loss))
    return session
