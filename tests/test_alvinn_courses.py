"""Held-out course families: road specs, lane changes, lane width, sensor noise, limits."""

import subprocess
import sys

import numpy as np
import pytest

from backprop import ConfigError
from backprop.alvinn import (COURSES, Camera, Road, RoadSpec, SensorNoise, course_family, make_road,
                             offset_limits, standardize, test_road)
from backprop.alvinn.road import curvature_profile, lane_change_profile
from conftest import SRC


def arcs(kappa):
    """Curvature of every constant, non-zero stretch longer than 5 m (0.5 m samples)."""
    out, start = [], 0
    for i in range(1, kappa.size + 1):
        if i == kappa.size or kappa[i] != kappa[start]:
            if kappa[start] != 0 and i - start > 10:
                out.append(kappa[start])
            start = i
    return np.array(out)


def test_gentle_courses_are_the_research_notes_roads():
    """The default spec keeps the old draws: course 7 is the same road as before RoadSpec existed."""
    road = test_road(7)
    assert road.half_width == 2.0 and COURSES["gentle"].road == RoadSpec()
    radii = 1 / np.abs(arcs(road.kappa))
    assert radii.min() >= 25 - 1e-9 and radii.max() <= 80 + 1e-9
    np.testing.assert_array_equal(COURSES["gentle"].road_for(7).kappa, road.kappa)


def test_hard_courses_have_sharper_curves_a_narrow_lane_and_lane_changes():
    hard = COURSES["hard"]
    for seed in hard.seeds:
        road = hard.road_for(seed)
        assert road.half_width == 1.75 and road.length >= 1700 - 1
        radii = 1 / np.abs(arcs(road.kappa))
        assert len(radii) >= 15                            # many curves in 1.5 km
        assert radii.min() >= 22 - 1e-9 and radii.max() <= 35 + 1e-9
        assert np.abs(road.kappa).max() < 1 / 20           # the car can still make every curve
    gentle = arcs(test_road(7).kappa)
    assert len(arcs(hard.road_for(7).kappa)) > 1.3 * len(gentle)    # more curves per km
    assert hard.noise_sd > 0 and hard.slope_sd > 0


def test_lane_change_moves_the_lane_sideways_by_its_width():
    for width, length in [(3.5, 30.0), (-2.0, 40.0)]:
        wave = lane_change_profile(width, length)
        road = Road(np.concatenate([np.zeros(40), wave, np.zeros(40)]))
        assert road.psi[-1] == pytest.approx(0.0, abs=1e-12)          # heading back along the road
        # shift = int sin(psi) ds; k L^2 / 2 pi is its small-angle value
        assert road.y[-1] == pytest.approx(width, rel=0.02)
        assert np.abs(wave).max() == pytest.approx(2 * np.pi * abs(width) / length ** 2, rel=5e-3)


def test_lane_changes_appear_on_the_straights():
    spec = RoadSpec(lane_change=3.5, lane_change_length=30.0)
    k = curvature_profile(np.random.default_rng(0), 1500.0, spec=spec)
    sign_changes = np.sum(np.diff(np.sign(k[np.abs(k) > 1e-6])) != 0)
    assert sign_changes >= 10                        # each wave changes sign; arcs alone rarely do


def test_road_spec_rejects_bad_ranges():
    with pytest.raises(ConfigError, match="radius"):
        RoadSpec(radius=(0.0, 30.0))
    with pytest.raises(ConfigError, match="straight"):
        RoadSpec(straight=(50.0, 10.0))
    with pytest.raises(ConfigError, match="course family"):
        course_family("icy")


@pytest.mark.parametrize("lane_width", [4.0, 3.0])
def test_camera_draws_the_road_edge_and_lines_at_the_lane_width(lane_width):
    """Oracle: per-pixel ray cast by hand on a straight road of that width (camera looking along x)."""
    cam = Camera(supersample=1)
    road = Road(np.zeros(800), half_width=lane_width / 2)
    img = cam.render(road, np.array([100.0, 0.3, 0.0]), 100.0)[0]
    th, w = np.deg2rad(12.0), lane_width / 2
    hits = 0
    for r in range(cam.first_ground_row, 30):
        for c in range(32):
            u, v = c + 0.5 - 16, r + 0.5 - 15
            dz = -cam.f * np.sin(th) - v * np.cos(th)
            a = abs(0.3 - 2.0 / -dz * u)                          # world y of the ground point
            expected = (Camera.OFFROAD if a > w else
                        Camera.LINE if abs(a - (w - 0.15)) <= 0.075 else Camera.ROAD)
            assert img[r, c] == pytest.approx(expected), (r, c)
            hits += expected == Camera.LINE
    assert hits > 0


def test_offset_limits_follow_the_lane_width():
    assert offset_limits(test_road(7)) == {"in_lane": 1.0, "on_road": 2.0, "intervention": 3.0}
    assert offset_limits(COURSES["hard"].road_for(7)) == {"in_lane": 0.75, "on_road": 1.75,
                                                          "intervention": 2.75}


def test_sensor_noise_gain_is_removed_by_standardisation_slope_and_noise_are_not(rng):
    images = rng.random((3, 30, 32))
    gain_only = SensorNoise(gain_sd=0.3, random_state=0)
    np.testing.assert_allclose(standardize(gain_only(images)), standardize(images), atol=1e-10)
    slope = SensorNoise(slope_sd=0.3, random_state=0)
    out = slope(np.ones((1, 30, 32)))
    assert np.ptp(out[0, 0]) > 0 and np.allclose(out[0, :, 0], out[0, 0, 0])  # varies across columns only
    noisy = SensorNoise(noise_sd=0.05, random_state=0)
    assert np.std(noisy(np.zeros((200, 30, 32)))) == pytest.approx(0.05, rel=0.02)


def test_sensor_noise_is_deterministic_per_seed_and_drifts_slowly():
    a, b, c = (SensorNoise(noise_sd=0.02, slope_sd=0.2, random_state=s) for s in (1, 1, 2))
    img = np.full((1, 30, 32), 0.5)
    xa = [a(img) for _ in range(5)]
    np.testing.assert_array_equal(np.array(xa), np.array([b(img) for _ in range(5)]))
    assert not np.array_equal(xa[0], c(img))
    slopes = []
    for _ in range(2000):
        a(img)
        slopes.append(a.state[1])
    slopes = np.array(slopes)
    assert 0.1 < slopes.std() < 0.3                          # stationary SD 0.2
    assert np.corrcoef(slopes[:-1], slopes[1:])[0, 1] > 0.95  # slow drift, rho = 0.99


def test_hard_course_sensor_is_seeded_by_the_course():
    hard = COURSES["hard"]
    img = np.full((1, 30, 32), 0.5)
    np.testing.assert_array_equal(hard.sensor(7)(img), hard.sensor(7)(img))
    assert not np.array_equal(hard.sensor(7)(img), hard.sensor(8)(img))
    assert COURSES["gentle"].sensor(7) is None


def test_demo_layer_does_not_import_the_cli():
    """Regression (issue 13): demos/alvinn.py imported backprop.cli, an arrow back to the interface."""
    code = "import sys, backprop.demos.alvinn; print('backprop.cli' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONPATH": str(SRC)}, check=True).stdout
    assert out.strip() == "False"


def test_make_road_with_a_spec_is_deterministic():
    spec = COURSES["hard"].road
    np.testing.assert_array_equal(make_road(3, 500.0, spec=spec).kappa, make_road(3, 500.0, spec=spec).kappa)
    assert not np.array_equal(make_road(3, 500.0, spec=spec).kappa, make_road(4, 500.0, spec=spec).kappa)
