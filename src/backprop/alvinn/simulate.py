"""On-the-fly training from a demonstration driver, and closed-loop evaluation.

Training (Pomerleau 1991): the demonstrator drives a training course; every
``sample_every`` frames (10: once a second) the live frame gives 1 + n_views
patterns (the live retina and its shifted / rotated views with corrected
steering, each mirrored with probability 1/2), which enter a 200-pattern
replay memory; after every frame the network trains one epoch over the memory
(mini-batches of 10, SGD with momentum 0.9, squared error on the Gaussian
hump), one ``partial_fit`` epoch of the library's trainer (:func:`pass_trainer`).
Learning rates are scaled by fan-in, eta_l = eta / n_in(l) for the
weights and biases of layer l (eta / 960 and eta / 4 for 960-4-30), given
to the trainer as per-parameter rates: without them, 960 standardised
inputs drive the 4 logistic hidden units into saturation and training stalls.

Closed-loop evaluation is in :mod:`.evaluate`, DAgger in :mod:`.dagger`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .._errors import check_choice, check_range
from ..network import Network
from ..training import Trainer
from .augment import Augmenter
from .camera import Camera, RangeFinder, standardize
from .driver import Demonstrator
from .encoding import SteeringCode
from .replay import ReplayMemory
from .road import Road, training_road
from .vehicle import Vehicle

__all__ = ["AlvinnConfig", "Driver", "LAYOUTS", "build_network", "fan_in_learning_rates",
           "pass_trainer", "train_on_the_fly", "make_parts", "training_parts", "Session"]

LAYOUTS = {
    "1990": dict(range_retina=False, n_hidden=4, n_outputs=30, hump="gaussian"),
    "1989": dict(range_retina=True, n_hidden=29, n_outputs=45, hump="hill"),
}
"""1990: one 30x32 video retina, 4 hidden, 30 outputs (Pomerleau 1991).  1989:
30x32 video + 8x32 range retina, 29 hidden, 45 outputs with the 9-value hill
(Pomerleau 1989, NIPS 1; no road-intensity feedback unit here)."""


@dataclass
class AlvinnConfig:
    """Every setting of a training session and its evaluation (defaults: the 1990 ALVINN)."""

    layout: str = "1990"
    seed: int = 0
    frames: int = 3000
    n_hidden: int = 4
    n_outputs: int = 30
    range_retina: bool = False
    hump: str = "gaussian"
    decoder: str = "center_of_mass"
    kappa_max: float = 1 / 20
    # augmentation
    augmentation: bool = True
    n_views: int = 14
    max_shift: float = 1.0
    max_rotation_deg: float = 10.0
    augment_mode: str = "rerender"
    labels: str = "pomerleau"
    mirror: bool = True
    # training
    buffer_size: int = 200
    sample_every: int = 10
    policy: str = "balance"
    learning_rate: float = 0.3
    momentum: float = 0.9
    batch_size: int = 10
    fan_in_scaling: bool = True
    loss: str = "squared_error"
    # world
    speed: float = 10.0
    dt: float = 0.1
    lookahead: float = 10.0
    driver_noise: float = 0.003
    supersample: int = 2
    lines: bool = True
    intervention_margin: float = 1.0
    # DAgger (see .dagger)
    dagger_rounds: int = 10
    dagger_epochs: int = 30
    dagger_beta: float = 0.5
    dagger_sample_every: int = 2
    extra: dict = field(default_factory=dict)

    @classmethod
    def for_layout(cls, layout: str = "1990", **overrides) -> "AlvinnConfig":
        """The config of a layout ("1990" or "1989"), with ``overrides`` applied."""
        check_choice("layout", layout, LAYOUTS)
        return cls(**{"layout": layout, **LAYOUTS[layout], **overrides})

    def replace(self, **changes) -> "AlvinnConfig":
        return dataclasses.replace(self, **changes)

    def check(self) -> None:
        check_range("frames", self.frames, 1, None)
        check_range("n_hidden", self.n_hidden, 1, None)
        check_range("buffer_size", self.buffer_size, 1, None)
        check_range("batch_size", self.batch_size, 1, None)
        check_range("learning_rate", self.learning_rate, 0.0, None, low_open=True)
        check_range("sample_every", self.sample_every, 1, None)
        check_range("dagger_rounds", self.dagger_rounds, 1, None)
        check_range("dagger_epochs", self.dagger_epochs, 1, None)
        check_range("dagger_beta", self.dagger_beta, 0.0, 1.0)
        check_range("dagger_sample_every", self.dagger_sample_every, 1, None)


class Driver:
    """A trained network with the sensors and output code it needs to steer.

    ``steer(road, pose, s)`` renders the retina at the pose and decodes the
    network's output to a curvature.
    """

    def __init__(self, net: Network, code: SteeringCode, camera: Camera,
                 range_finder: RangeFinder | None = None):
        self.net, self.code, self.camera, self.range_finder = net, code, camera, range_finder

    def inputs(self, images: np.ndarray) -> np.ndarray:
        """Network inputs for retinas (K, rows, cols): standardised video (+ range retina)."""
        X = standardize(images)
        if self.range_finder is not None:
            X = np.hstack([X, self.range_finder.render(X.shape[0]).reshape(X.shape[0], -1)])
        return X

    def flip_inputs(self, X: np.ndarray) -> np.ndarray:
        """Left-right mirror of network inputs (every retina's columns reversed)."""
        cols = self.camera.cols
        return X.reshape(X.shape[0], -1, cols)[:, :, ::-1].reshape(X.shape)

    def curvature(self, X: np.ndarray) -> np.ndarray:
        """Decoded steering for network inputs X."""
        return self.code.decode(self.net.forward(X))

    def steer(self, road: Road, pose: np.ndarray, s: float,
              sensor: Callable[[np.ndarray], np.ndarray] | None = None) -> tuple[float, np.ndarray]:
        """Curvature the network chooses at ``pose``, and the input it saw.

        ``sensor``, when given, disturbs the rendered retinas (see :class:`.camera.SensorNoise`).
        """
        images = self.camera.render(road, pose, s)
        X = self.inputs(images if sensor is None else sensor(images))
        return float(self.curvature(X)[0]), X[0]


def _fan_in_uniform(rng: np.random.Generator, W: np.ndarray, b: np.ndarray) -> None:
    """W, b ~ U(-1/sqrt(n_in), 1/sqrt(n_in))."""
    r = 1.0 / np.sqrt(W.shape[1])
    W[...] = rng.uniform(-r, r, W.shape)
    b[...] = rng.uniform(-r, r, b.shape)


def build_network(config: AlvinnConfig, n_inputs: int) -> Network:
    """Logistic n_inputs-n_hidden-n_outputs network, weights U(+-1/sqrt(fan_in))."""
    return Network([n_inputs, config.n_hidden, config.n_outputs], activation="sigmoid",
                   init=_fan_in_uniform, random_state=config.seed)


def fan_in_learning_rates(net: Network, learning_rate: float) -> np.ndarray:
    """Per-parameter learning rates eta / n_in(l), in the layout of ``net.params``."""
    rates = np.empty_like(net.params)
    for (W, b), layer in zip(net.unflatten(rates), net.layers):
        W[...] = learning_rate / layer.n_in
        b[...] = learning_rate / layer.n_in
    return rates


def pass_trainer(config: AlvinnConfig, net: Network,
                 random_state: int | np.random.Generator | None = None) -> Trainer:
    """The library's trainer set up for ALVINN's passes over the replay memory.

    Each ``trainer.partial_fit(net, X, T)`` is one epoch: a fresh permutation
    from ``random_state`` cut into mini-batches of ``config.batch_size``, SGD
    with ``config.momentum`` on the summed ``config.loss``, with the
    per-parameter rates of :func:`fan_in_learning_rates` (or one rate when
    ``fan_in_scaling`` is off); momentum carries over from call to call.
    """
    rate = (fan_in_learning_rates(net, config.learning_rate) if config.fan_in_scaling
            else config.learning_rate)
    return Trainer(optimizer="sgd", optimizer_params={"learning_rate": rate, "momentum": config.momentum},
                   loss=config.loss, reduction="sum", batch_size=config.batch_size,
                   random_state=random_state, progress=False)


@dataclass
class Session:
    """What training returns: the driver, the training course, the training patterns and a log.

    ``memory`` holds the training patterns at the end (the replay memory, or
    DAgger's aggregate).  One entry per frame: ``poses`` (where the car was),
    ``steering`` (the curvature executed there), ``offsets`` (lateral offset
    after the step) and ``losses`` (buffer loss per pattern).  ``rounds``:
    one dict per DAgger round (:func:`.dagger.train_dagger`).
    """

    driver: Driver
    config: AlvinnConfig
    road: Road
    memory: ReplayMemory | None = None
    losses: list = field(default_factory=list)
    offsets: list = field(default_factory=list)
    poses: list = field(default_factory=list)
    steering: list = field(default_factory=list)
    rounds: list = field(default_factory=list)


def make_parts(config: AlvinnConfig) -> tuple[Driver, Vehicle]:
    """The untrained network with its sensors and code, and the vehicle."""
    camera = Camera(supersample=config.supersample, lines=config.lines)
    rf = RangeFinder(camera=camera) if config.range_retina else None
    code = SteeringCode(config.n_outputs, config.kappa_max, hump=config.hump, decoder=config.decoder)
    n_in = camera.rows * camera.cols + (rf.rows * rf.cols if rf else 0)
    driver = Driver(build_network(config, n_in), code, camera, rf)
    return driver, Vehicle(config.speed, config.dt, config.kappa_max)


def training_parts(config: AlvinnConfig) -> tuple[Driver, Vehicle, Road, Demonstrator, Augmenter,
                                                  np.random.Generator]:
    """Everything a training session needs, fixed by ``config.seed``.

    The untrained driver and the vehicle (:func:`make_parts`), training course
    ``config.seed``, the demonstrator, the augmenter (live frames only when
    ``config.augmentation`` is off: no views, no mirroring) and the generator
    of the augmentation draws.
    """
    config.check()
    driver, vehicle = make_parts(config)
    road = training_road(config.seed, config.frames * vehicle.step_length + 200.0)
    teacher = Demonstrator(config.lookahead, config.driver_noise, kappa_max=config.kappa_max,
                           random_state=np.random.default_rng([config.seed, 2]))
    augmenter = Augmenter(config.n_views if config.augmentation else 0, config.max_shift,
                          config.max_rotation_deg, config.augment_mode, config.labels,
                          config.lookahead, config.kappa_max, config.mirror and config.augmentation)
    return driver, vehicle, road, teacher, augmenter, np.random.default_rng([config.seed, 1])


def train_on_the_fly(config: AlvinnConfig,
                     progress: Callable[[int, int, float], None] | None = None) -> Session:
    """Train a network by watching the demonstrator drive ``config.frames`` frames.

    ``progress(frame, frames, loss)`` is called every 100 frames.
    """
    driver, vehicle, road, teacher, augmenter, rng = training_parts(config)
    net, code, camera = driver.net, driver.code, driver.camera
    memory = ReplayMemory(config.buffer_size, net.n_inputs, net.n_outputs, config.policy,
                          random_state=np.random.default_rng([config.seed, 3]))
    trainer = pass_trainer(config, net, memory.rng)  # the memory's generator orders the batches
    session = Session(driver, config, road, memory)
    pose, s = road.pose_at(0.0), 0.0
    for frame in range(config.frames):
        kappa_d = teacher(road, pose, s)
        session.poses.append(pose)
        session.steering.append(kappa_d)
        if frame % config.sample_every == 0:
            images, kappas = augmenter(camera, road, pose, s, kappa_d, rng)
            memory.add(driver.inputs(images), code.encode(kappas), key=kappas)
        E = trainer.partial_fit(net, memory.inputs, memory.targets).loss[-1]
        session.losses.append(E / len(memory))
        pose = vehicle.step(pose, kappa_d)
        s, e = road.locate(pose[0], pose[1], s)
        session.offsets.append(e)
        if progress is not None and ((frame + 1) % 100 == 0 or frame + 1 == config.frames):
            progress(frame + 1, config.frames, float(np.mean(session.losses[-100:])))
    return session
