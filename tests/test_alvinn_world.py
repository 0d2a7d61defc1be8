"""The simulated world: road, camera, vehicle, demonstrator, augmentation (docs R1.2-R1.6)."""

import numpy as np
import pytest

from backprop.alvinn import (Augmenter, Camera, RangeFinder, Road, Vehicle, corrected_curvature,
                             make_road, perturb_poses, pure_pursuit, warp_views)
from backprop.alvinn.augment import mirror_patterns, oracle_curvature


@pytest.fixture(scope="module")
def road():
    return make_road(3, 600.0)


@pytest.fixture(scope="module")
def camera():
    return Camera()


def mirror(pose):
    return np.asarray(pose) * [1, -1, -1]


# --- road --------------------------------------------------------------------
def test_road_is_an_arc_length_parametrised_curve_with_the_given_curvature(road):
    dx, dy = np.diff(road.x), np.diff(road.y)
    np.testing.assert_allclose(np.hypot(dx, dy), road.ds, rtol=1e-4)
    dpsi = np.diff(np.unwrap(np.arctan2(dy, dx)))           # heading of consecutive chords
    err = np.abs(dpsi / road.ds - road.kappa[1:-1])      # kinks where ramps start: one sample
    assert err.max() < 3e-4 and np.median(err) < 1e-6
    assert np.abs(road.kappa).max() <= 1 / 25 + 1e-12 and road.length >= 600


def test_locate_recovers_arc_length_and_signed_offset(road):
    for s, e in [(50.0, 0.7), (210.3, -1.2), (400.0, 2.5)]:
        x, y, psi = road.pose_at(s)
        got_s, got_e = road.locate(x - np.sin(psi) * e, y + np.cos(psi) * e, s_hint=s + 3)
        assert got_s == pytest.approx(s, abs=0.02) and got_e == pytest.approx(e, abs=0.02)


# --- camera ------------------------------------------------------------------
def test_straight_road_retina_matches_a_direct_per_pixel_ray_cast(camera):
    """Oracle: pixel-centre rays intersected with z = 0 by hand, road along the world x axis."""
    cam = Camera(supersample=1)
    straight = Road(np.zeros(800))
    pose = np.array([100.0, 0.6, np.deg2rad(4.0)])
    img = cam.render(straight, pose, 100.0)[0]
    th = np.deg2rad(12.0)
    for r, c in [(29, 0), (29, 31), (20, 10), (15, 16), (12, 25), (5, 3)]:
        u, v = c + 0.5 - 16, r + 0.5 - 15
        d = cam.f * np.array([np.cos(th), 0, -np.sin(th)]) + u * np.array([0, -1, 0]) \
            + v * np.array([-np.sin(th), 0, -np.cos(th)])
        if d[2] >= 0:
            expected = Camera.SKY
        else:
            gx, gy = 2.0 / -d[2] * d[:2]
            lateral = pose[1] + np.sin(pose[2]) * gx + np.cos(pose[2]) * gy   # world y = offset
            a = abs(lateral)
            expected = Camera.OFFROAD if a > 2 else (Camera.LINE if abs(a - 1.85) <= 0.075 else Camera.ROAD)
        assert img[r, c] == pytest.approx(expected), (r, c)


def test_mirrored_pose_on_mirrored_road_gives_the_flipped_retina(road, camera, rng):
    mirrored = road.mirrored()
    for s in rng.uniform(0, 450, 8):
        q = perturb_poses(road.pose_at(s), rng.uniform(-1, 1), rng.uniform(-0.2, 0.2))
        a = camera.render(road, q, s)[0]
        b = camera.render(mirrored, mirror(q), s)[0]
        np.testing.assert_allclose(a, b[:, ::-1], atol=1e-12)


def test_projection_inverts_the_ray_cast(camera):
    rows, cols = camera.project(camera.pixel_points)
    g0 = camera.first_ground_row
    np.testing.assert_allclose(rows, np.arange(g0, 30)[:, None] * np.ones((1, 32)), atol=1e-9)
    np.testing.assert_allclose(cols, np.ones((30 - g0, 1)) * np.arange(32)[None, :], atol=1e-9)
    assert 0.25 < g0 / 30 < 0.35                       # about 30% sky at 12 degrees pitch


def test_vehicle_left_of_centre_sees_the_road_to_its_right(camera):
    straight = Road(np.zeros(800))
    centre = camera.render(straight, [100, 0, 0], 100)[0]
    left = camera.render(straight, [100, 0.8, 0], 100)[0]
    np.testing.assert_allclose(centre, centre[:, ::-1], atol=1e-12)
    cols = np.arange(32)
    road_centroid = lambda img: ((img[13] > 0.4) * cols).sum() / (img[13] > 0.4).sum()
    assert road_centroid(left) > road_centroid(centre) + 1


def test_range_retina_is_proximity_and_zero_for_sky(camera):
    rf = RangeFinder(camera=camera)
    img = rf.render(2)
    assert img.shape == (2, 8, 32) and img.min() >= 0 and img.max() <= 1
    assert np.all(img[:, :2] == 0)                     # top rows: sky
    assert np.all(np.diff(img[0, 3:, 16]) > 0)         # lower rows look closer


# --- vehicle and demonstrator --------------------------------------------------
def test_vehicle_kinematics():
    v = Vehicle(speed=10, dt=0.1, kappa_max=0.05)
    p = v.step(np.array([0.0, 0.0, 0.0]), 0.02)
    np.testing.assert_allclose(p, [1.0, 0.0, 0.02])
    p = v.step(p, 1.0)                                  # clipped to kappa_max
    assert p[2] == pytest.approx(0.02 + 0.05)


def test_pure_pursuit_on_a_circle_returns_its_curvature():
    for k in (1 / 30, -1 / 60):
        arc = Road(np.full(2000, k))
        for s in (20.0, 300.0):
            assert pure_pursuit(arc, arc.pose_at(s), s, 10.0) == pytest.approx(k, rel=1e-3)


def test_demonstrator_alone_stays_near_the_centre(road):
    from backprop.alvinn import Demonstrator
    v, dem = Vehicle(), Demonstrator(noise_sd=0.0)
    pose, s, offsets = road.pose_at(0.0), 0.0, []
    for _ in range(400):
        pose = v.step(pose, dem(road, pose, s))
        s, e = road.locate(pose[0], pose[1], s)
        offsets.append(abs(e))
    assert np.mean(offsets) < 0.15 and np.max(offsets) < 0.5


# --- label correction ----------------------------------------------------------
@pytest.mark.parametrize("kappa_d", [0.0, 0.02, -0.035])
def test_label_correction_signs_and_mirror(kappa_d):
    base = corrected_curvature(kappa_d, 0.0, 0.0)
    assert base == pytest.approx(kappa_d, rel=1e-9, abs=1e-12)
    assert corrected_curvature(kappa_d, 0.5, 0.0) < base       # shifted left -> steer more right
    assert corrected_curvature(kappa_d, -0.5, 0.0) > base
    assert corrected_curvature(kappa_d, 0.0, 0.1) < base       # turned left -> steer more right
    assert corrected_curvature(kappa_d, 0.0, -0.1) > base
    dy, dpsi = np.array([0.3, -0.8, 1.0]), np.array([-0.05, 0.1, 0.17])
    np.testing.assert_allclose(corrected_curvature(-kappa_d, -dy, -dpsi),
                               -corrected_curvature(kappa_d, dy, dpsi), atol=1e-15)


def test_pomerleau_labels_agree_with_the_oracle_on_a_straight_road(rng):
    straight = Road(np.zeros(800))
    pose = np.array([100.0, 0.0, 0.0])
    dy, dpsi = rng.uniform(-1, 1, 30), rng.uniform(-0.17, 0.17, 30)
    pom = corrected_curvature(pure_pursuit(straight, pose, 100.0), dy, dpsi)
    orc = oracle_curvature(straight, pose, 100.0, dy, dpsi)
    np.testing.assert_allclose(pom, orc, rtol=0.1, atol=1e-4)


# --- augmentation ----------------------------------------------------------------
def test_warp_agrees_with_rerendering_for_small_perturbations(road, camera, rng):
    warp_err, no_warp_err = [], []
    for s in rng.uniform(0, 450, 10):
        pose = road.pose_at(s)
        dy, dpsi = rng.uniform(-0.3, 0.3, 4), rng.uniform(-0.05, 0.05, 4)
        real = camera.render(road, pose, s)[0]
        exact = camera.render(road, perturb_poses(pose, dy, dpsi), s)
        warp_err.append(np.abs(warp_views(camera, real, dy, dpsi) - exact).mean())
        no_warp_err.append(np.abs(real - exact).mean())
    assert np.mean(warp_err) < 0.012
    assert np.mean(warp_err) < 0.6 * np.mean(no_warp_err)


def test_warp_of_zero_perturbation_is_the_identity(road, camera):
    real = camera.render(road, road.pose_at(30.0), 30.0)[0]
    np.testing.assert_allclose(warp_views(camera, real, [0.0], [0.0])[0], real, atol=1e-9)


@pytest.mark.parametrize("mode", ["rerender", "warp"])
def test_augmenter_makes_real_frame_plus_views(road, camera, mode):
    aug = Augmenter(n_views=14, mode=mode)
    pose = road.pose_at(80.0)
    images, kappas = aug(camera, road, pose, 80.0, 0.01, np.random.default_rng(0))
    assert images.shape == (15, 30, 32) and kappas.shape == (15,)
    np.testing.assert_allclose(images[0], camera.render(road, pose, 80.0)[0])
    assert kappas[0] == 0.01 and np.abs(kappas).max() <= 0.05


def test_mirror_patterns_flips_columns_and_negates_labels(rng):
    images, kappas = rng.random((4, 30, 32)), rng.normal(size=4)
    which = np.array([True, False, True, False])
    im2, k2 = mirror_patterns(images, kappas, which)
    np.testing.assert_array_equal(im2[0], images[0, :, ::-1])
    np.testing.assert_array_equal(im2[1], images[1])
    np.testing.assert_array_equal(k2, np.where(which, -kappas, kappas))
