"""The steering code: hump targets and their decoders (docs R1.7)."""

import numpy as np
import pytest

from backprop import ConfigError
from backprop.alvinn import SteeringCode
from backprop.alvinn.encoding import DECODERS, HILL_1988

EXACT = ["center_of_mass", "gaussian_fit"]


@pytest.mark.parametrize("decoder", EXACT)
@pytest.mark.parametrize("n_units", [30, 45])
def test_round_trip_within_one_percent_of_unit_spacing(decoder, n_units):
    code = SteeringCode(n_units, decoder=decoder)
    kappa = np.linspace(-code.kappa_max, code.kappa_max, 1001)
    err = np.abs(code.decode(code.encode(kappa)) - kappa)
    assert err.max() < 0.01 * code.spacing


def test_argmax_round_trip_is_within_half_a_unit():
    code = SteeringCode(decoder="argmax")
    kappa = np.linspace(-code.kappa_max, code.kappa_max, 1001)
    assert np.abs(code.decode(code.encode(kappa)) - kappa).max() <= 0.5 * code.spacing + 1e-12


def test_gaussian_target_is_alvinns_hump():
    code = SteeringCode(30)
    t = code.encode(np.array([0.0]))[0]              # p = 14.5: between units 14 and 15
    i = np.arange(30)
    np.testing.assert_allclose(t, np.exp(-(i - 14.5) ** 2 / 10))
    assert code.position(code.kappa_max) == 29 and code.position(-code.kappa_max) == 0


def test_hill_target_on_a_unit_is_the_1988_hill():
    code = SteeringCode(45, hump="hill")
    t = code.encode(code.curvature(20.0))[0]
    np.testing.assert_allclose(t[16:25], HILL_1988)
    assert np.count_nonzero(t) == 9


@pytest.mark.parametrize("hump", ["gaussian", "hill"])
def test_center_of_mass_round_trip_for_both_humps_in_the_interior(hump):
    code = SteeringCode(45, hump=hump)
    kappa = np.linspace(-0.8, 0.8, 301) * code.kappa_max
    assert np.abs(code.decode(code.encode(kappa)) - kappa).max() < 0.01 * code.spacing


@pytest.mark.parametrize("decoder", DECODERS)
def test_decoders_are_monotone_and_mirror_symmetric(decoder, rng):
    code = SteeringCode(decoder=decoder)
    kappa = np.linspace(-code.kappa_max, code.kappa_max, 400)
    assert np.all(np.diff(code.decode(code.encode(kappa))) >= -1e-12)
    O = rng.random((200, 30))
    np.testing.assert_allclose(code.decode(O[:, ::-1]), -code.decode(O), atol=1e-12)


@pytest.mark.parametrize("decoder", EXACT)
def test_noisy_hump_decodes_within_one_unit(decoder, rng):
    """Nechyba's robustness check: SD 0.1 noise on a perfect hump."""
    code = SteeringCode(decoder=decoder)
    kappa = rng.uniform(-0.8, 0.8, 500) * code.kappa_max
    O = code.encode(kappa) + rng.normal(0, 0.1, (500, 30))
    err = np.abs(code.decode(O) - kappa) / code.spacing
    assert np.percentile(err, 99) < 1.0


def test_center_of_mass_correction_beats_the_plain_centre_of_mass():
    """The plain centre of mass in a +-4 window is biased for an off-grid hump; ours is not."""
    code = SteeringCode()
    p = 10.3
    t = code.profile(np.array([p]))[0]
    w = t[6:15]                                      # window around the argmax, unit 10
    plain = (w * np.arange(6, 15)).sum() / w.sum()
    assert abs(plain - p) > 0.05
    assert abs(code.position(code.decode(t[None])[0]) - p) < 1e-6


@pytest.mark.parametrize("kwargs, match", [({"decoder": "median"}, "decoder"), ({"hump": "box"}, "hump"),
                                           ({"n_units": 2}, "n_units"), ({"sigma2": 0}, "sigma2")])
def test_bad_settings_raise_config_error(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        SteeringCode(**kwargs)
