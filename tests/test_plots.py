"""The numbers behind every figure, checked against independent computations; the CLI writes files."""

from __future__ import annotations

import json
import re
import struct

import numpy as np
import pytest

from backprop import ConfigError, Network, optim
from backprop.plotting import data as D
from conftest import run_cli

pytest.importorskip("matplotlib")
from backprop.plotting import figures as F  # noqa: E402

X_XOR = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
T_XOR = np.array([0, 1, 1, 0], dtype=float)
H = np.array([0.1, 4.0])                                  # the gutter's curvatures


def needs(name: str):
    return pytest.mark.skipif(name not in optim.available(), reason=f"optimizer {name} not registered")


# --- trajectories: every point equals a hand-written loop of the textbook rule ----------------
def hand_momentum(w, eta, a, n):
    w, dw, pts = np.array(w, float), np.zeros(2), [np.array(w, float)]
    for _ in range(n):
        dw = a * dw - eta * H * w
        w = w + dw
        pts.append(w)
    return np.array(pts)


def hand_rmsprop(w, eta, rho, eps, n):
    w, v, pts = np.array(w, float), np.zeros(2), [np.array(w, float)]
    for _ in range(n):
        g = H * w
        v = rho * v + (1 - rho) * g ** 2
        w = w - eta * g / (np.sqrt(v) + eps)
        pts.append(w)
    return np.array(pts)


def hand_adam(w, eta, b1, b2, eps, n):
    w, m, v, pts = np.array(w, float), np.zeros(2), np.zeros(2), [np.array(w, float)]
    for t in range(1, n + 1):
        g = H * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        w = w - eta * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
        pts.append(w)
    return np.array(pts)


@pytest.mark.parametrize("a", [0.0, 0.9])
def test_gutter_paths_equal_hand_loop_of_momentum(a):
    eta = 0.45 if a == 0 else 0.045
    opts = {"x": ("sgd", {"learning_rate": eta, "momentum": a, "lecture_form": True})}
    fig = F.trajectories("gutter", opts, n_steps=40, w0=[-9.0, 1.5])
    path = fig.backprop_data["paths"]["x"]
    np.testing.assert_allclose(path["points"], hand_momentum([-9.0, 1.5], eta, a, 40), rtol=1e-12)
    np.testing.assert_allclose(path["loss"], 0.5 * (H * path["points"] ** 2).sum(axis=1))
    if a == 0:   # eta h_across = 1.8 > 1: plain descent flips sign across the gutter every step
        w2 = path["points"][1:20, 1]
        assert np.all(np.sign(w2[1:]) == -np.sign(w2[:-1]))


@needs("rmsprop")
def test_gutter_path_equals_hand_rmsprop():
    p = D.trajectory("rmsprop", D.rain_gutter()[1], [-9.0, 1.5], 50, learning_rate=0.3, rho=0.9)
    np.testing.assert_allclose(p["points"], hand_rmsprop([-9.0, 1.5], 0.3, 0.9, 1e-8, 50), rtol=1e-10)


@needs("adam")
def test_gutter_path_equals_hand_adam():
    p = D.trajectory("adam", D.rain_gutter()[1], [-9.0, 1.5], 50, learning_rate=0.5)
    np.testing.assert_allclose(p["points"], hand_adam([-9.0, 1.5], 0.5, 0.9, 0.999, 1e-8, 50),
                               rtol=1e-10)


def test_xor_path_trains_only_the_two_chosen_weights():
    net = Network([2, 2, 1], random_state=3)
    sl = D.WeightSlice(net, X_XOR, T_XOR, ("v1", "w21"))
    w0 = sl.center + [1.0, -1.0]
    p = D.trajectory("sgd", sl.grad, w0, 15, loss=sl.loss, learning_rate=1.0)
    ref, w = net.copy(), w0.copy()               # hand loop on the full network, two weights moving
    for k in range(15):
        ref.params[[6, 2]] = w
        _, g = ref.loss_and_grad(X_XOR, T_XOR)
        w = w - 1.0 * g[[6, 2]]
        np.testing.assert_allclose(p["points"][k + 1], w, rtol=1e-12)
    others = np.setdiff1d(np.arange(9), [6, 2])
    np.testing.assert_array_equal(sl.net.params[others], net.params[others])


# --- bias correction -------------------------------------------------------------------------
@needs("adam")
def test_bias_correction_factors_and_real_run():
    fig = F.bias_correction([(0.9, 0.999), (0.5, 0.9)], n=30, learning_rate=0.05)
    t = np.arange(1, 31)
    for c, (b1, b2) in zip(fig.backprop_data["curves"], [(0.9, 0.999), (0.5, 0.9)]):
        np.testing.assert_allclose(c["m_factor"], 1 / (1 - b1 ** t))
        np.testing.assert_allclose(c["v_factor"], 1 / (1 - b2 ** t))
    run = fig.backprop_data["run"]                # Adam's own state, recorded during training
    np.testing.assert_allclose(run["bias_correction1"], 1 / (1 - 0.9 ** t))
    np.testing.assert_allclose(run["bias_correction2"], 1 / (1 - 0.999 ** t))
    net, g = Network([2, 2, 1], random_state=0), None
    m = v = 0.0
    for k in range(1, 31):                        # hand Adam on the same network
        E, g = net.loss_and_grad(X_XOR, T_XOR)
        assert run["loss"][k - 1] == pytest.approx(E, rel=1e-10)
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        rate = 0.05 / (np.sqrt(v / (1 - 0.999 ** k)) + 1e-8)
        step = -rate * m / (1 - 0.9 ** k)
        assert run["rate_median"][k - 1] == pytest.approx(np.median(rate), rel=1e-8)
        assert run["step_median"][k - 1] == pytest.approx(np.median(np.abs(step)), rel=1e-8)
        net.params += step
    assert run["step_median"][0] == pytest.approx(0.05, rel=1e-4)   # |m_hat| / sqrt(v_hat) = 1 at t=1


# --- landscapes ------------------------------------------------------------------------------
def test_landscape_minimum_matches_least_squares():
    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(30, 2)), rng.normal(size=30)
    net = Network([2, 3, 1], activation=["tanh", "identity"], random_state=1)
    # E is quadratic in the output weights W[2][1,1], W[2][1,2]: the minimum is least squares
    Y = np.tanh(X @ net.layers[0].W.T + net.layers[0].b)
    rest = Y[:, 2] * net.layers[1].W[0, 2] + net.layers[1].b[0]
    best = np.linalg.lstsq(Y[:, :2], T - rest, rcond=None)[0]
    g = D.weight_landscape(net, X, T, ("W[2][1,1]", "W[2][1,2]"), span=3.0, n=81)
    spacing = g["w1"][1] - g["w1"][0]
    lo = np.array([g["w1"][0], g["w2"][0]])
    assert np.all(best > lo) and np.all(best < lo + 6.0), "least-squares minimum outside the grid"
    np.testing.assert_allclose(g["argmin"], best, atol=spacing)
    assert g["E"].min() == g["min"] >= 0.5 * np.sum((Y[:, :2] @ best + rest - T) ** 2) - 1e-9


def test_step_landscape_is_piecewise_constant_and_sigmoid_is_smooth():
    fig = F.landscape(weights=("v1", "w11"), span=5.0, n=41, compare_step=True)
    step, smooth = fig.backprop_data["step"]["E"], fig.backprop_data["sigmoid"]["E"]
    # step units: each pattern is either right or wrong, so E = (number wrong) / 2
    np.testing.assert_array_equal(step * 2, np.round(step * 2))
    assert len(np.unique(step)) >= 2                           # there are jumps
    flat = np.mean(np.diff(step, axis=0) == 0) + np.mean(np.diff(step, axis=1) == 0)
    assert flat / 2 > 0.85                                     # ...between flat shoulders
    assert np.mean(np.diff(smooth, axis=1) == 0) < 0.05       # sigmoid: no flat steps
    assert fig.backprop_data["sigmoid"]["min"] < 0.05          # trained XOR net sits in a valley


def test_weight_names_and_errors():
    net = Network([2, 2, 1])
    assert [D.weight_index(net, n) for n in D.LECTURE_NAMES] == list(range(9))
    assert D.weight_index(net, "W[1][2,1]") == 2 and D.weight_index(net, "b[2][1]") == 8
    assert D.weight_index(net, "4") == 4
    for bad in ("v3", "W[3][1,1]", "W[1][3,1]", "9", "b[1][1,1]"):
        with pytest.raises(ConfigError, match="unknown weight|out of range"):
            D.weight_index(net, bad)
    with pytest.raises(ConfigError, match="two different"):
        D.WeightSlice(net, X_XOR, T_XOR, ("v1", "v1"))


# --- momentum gain, decision boundary, learning curves ----------------------------------------
@pytest.mark.parametrize("a", [0.5, 0.9])
def test_momentum_gain_approaches_one_over_one_minus_a(a):
    d = F.momentum_gain([0.0, a], n=100).backprop_data
    assert d["measured"][a] == pytest.approx(1 / (1 - a), rel=0.05)
    assert d["measured"][0.0] == pytest.approx(1.0)
    np.testing.assert_allclose(d["gain"][a], (1 - a ** d["t"]) / (1 - a), rtol=1e-9)


def test_decision_surface_and_hidden_lines():
    net = Network([2, 3, 1], activation="tanh", output_activation="sigmoid", random_state=2)
    X = np.random.default_rng(1).normal(size=(20, 2))
    d = F.decision_boundary(net, X, (X[:, 0] > 0).astype(int)).backprop_data
    G = np.array([[d["x1"][5], d["x2"][7]], [d["x1"][-1], d["x2"][0]]])
    np.testing.assert_allclose([d["Z"][7, 5], d["Z"][0, -1]], net.forward(G)[:, 0])
    assert d["x1"][0] < X[:, 0].min() and d["x2"][-1] > X[:, 1].max()
    for j, (a, b, c) in enumerate(d["hidden_lines"]):         # points on the line: u_j = 0
        x1 = np.array([-1.0, 2.0])
        pts = np.column_stack([x1, -(a * x1 + c) / b])
        np.testing.assert_allclose(net.forward_trace(pts)[0][0][:, j], 0.0, atol=1e-9)


def test_learning_curves_from_dict_rows_and_model(tmp_path):
    hist = {"loss": [1.0, 0.5, 0.25], "val_loss": [1.2, 0.7, 0.6], "accuracy": [0.5, 0.75, 1.0],
            "learning_rate": [0.1, 0.1, 0.05]}
    rows = [{k: v[i] for k, v in hist.items()} for i in range(3)]
    for h in (hist, rows):
        d = F.learning_curves(h).backprop_data
        np.testing.assert_array_equal(d["epoch"], [1, 2, 3])
        for k, v in hist.items():
            np.testing.assert_array_equal(d[k], v)
    from backprop.io import load_model, save_model
    from backprop.model import Model
    save_model(tmp_path / "m.bpm", Model(Network([2, 2, 1]), history=hist))
    d = F.learning_curves(load_model(tmp_path / "m.bpm")).backprop_data
    np.testing.assert_array_equal(d["val_loss"], hist["val_loss"])
    (tmp_path / "h.json").write_text(json.dumps({"history": hist}))
    r = run_cli("plot", "learning-curves", tmp_path / "h.json", "--out", tmp_path / "lc.svg")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "lc.svg").read_text().lstrip().startswith("<?xml")
    r = run_cli("plot", "learning-curves", tmp_path / "m.bpm", "--out", tmp_path / "lc.png")
    assert r.returncode == 0, r.stderr


# --- the command line writes real images --------------------------------------------------------
CLI_CASES = [
    ("landscape", "--activation", "step", "--grid", "15"),
    ("trajectories", "--problem", "xor", "--steps", "10", "--optimizers", "gd,momentum"),
    ("trajectories", "--steps", "10", "--optimizers", "gd"),
    ("bias-correction", "--iterations", "20"),
    ("decision-boundary", "--epochs", "50"),
    ("decision-boundary", "--dataset", "circles", "--epochs", "30", "--hidden", "4"),
    ("momentum-gain", "--momentum", "0.5,0.9", "--iterations", "30"),
]


def png_size(path) -> tuple[int, int]:
    with open(path, "rb") as f:
        data = f.read(24)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("args", CLI_CASES, ids=lambda a: "-".join(a[:2]))
def test_cli_writes_png(args, tmp_path):
    if args[0] == "bias-correction" and "adam" not in optim.available():
        args = (*args, "--no-run")
    out = tmp_path / "fig.png"
    r = run_cli("plot", *args, "--out", out)
    assert r.returncode == 0, r.stderr
    assert out.stat().st_size > 2000
    width, height = png_size(out)                  # a projector's resolution by default
    assert 1150 <= width <= 1700 and height >= 500, (width, height)
    assert r.stdout.splitlines()[-1] == f"wrote {out}"


def test_cli_dpi_sets_the_pixel_size_and_prints_the_measured_gain(tmp_path):
    r = run_cli("plot", "momentum-gain", "--momentum", "0.5,0.9", "--iterations", "30", "--dpi", "100",
                "--out", tmp_path / "g.png")
    assert r.returncode == 0, r.stderr
    assert png_size(tmp_path / "g.png") == (800, 460)              # 8 x 4.6 inches at 100 dpi
    d = D.momentum_gain([0.5, 0.9], n=30)
    assert r.stdout.splitlines()[:2] == [
        f"a = {a:g}: step ratio after 30 steps {d['measured'][a]:.4f}, 1/(1-a) = {1 / (1 - a):.4f}"
        for a in (0.5, 0.9)]


FIGURES = {
    "learning_curves": lambda: F.learning_curves({"loss": [1.0, 0.5], "val_loss": [1.1, 0.6]}),
    "landscape": lambda: F.landscape(n=5),
    "trajectories": lambda: F.trajectories("gutter", n_steps=3),
    "bias_correction": lambda: F.bias_correction(n=3, run=False),
    "decision_boundary": lambda: F.decision_boundary(Network([2, 2, 1], random_state=0), X_XOR, T_XOR),
    "momentum_gain": lambda: F.momentum_gain(n=3),
}


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_is_drawn_for_a_projector(name, tmp_path):
    fig = FIGURES[name]()
    assert fig.dpi == 150
    assert fig.get_size_inches()[0] * fig.dpi >= 720 if name == "bias_correction" else 1200
    F.save(fig, tmp_path / "f.png")
    assert png_size(tmp_path / "f.png") == tuple(round(v) for v in fig.get_size_inches() * fig.dpi)


# --- decision boundary: hidden lines visible, points contrasting, accuracy printed --------------
def luminance(rgba) -> float:
    r, g, b = np.asarray(rgba, float).reshape(-1)[:3]
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_xor_boundary_shows_each_hidden_units_line_and_the_accuracy(tmp_path):
    from matplotlib.colors import to_rgba
    from backprop.plotting.train import train_2d
    net, X, y, settings = train_2d("xor")
    assert settings["layers"] == [2, 2, 1] and settings["epochs"] == 2000
    fig = F.decision_boundary(net, X, y, title="xor")
    ax = fig.axes[0]
    lines = [l for l in ax.get_lines() if l.get_label().startswith("hidden unit")]
    assert [l.get_label().split(":")[0] for l in lines] == ["hidden unit 1", "hidden unit 2"]
    colours = [to_rgba(l.get_color()) for l in lines]
    assert len(set(colours)) == 2 and to_rgba("k") not in colours
    assert lines[0]._dash_pattern != lines[1]._dash_pattern   # (offset, on/off lengths): own dashes
    boundary = [c for c in ax.collections if hasattr(c, "levels") and list(c.levels) == [0.5]]
    assert len(boundary) == 1
    for l in lines:   # wider than the boundary, so it shows where the two coincide (a trained XOR net)
        assert l.get_linestyle() != "-" and l.get_linewidth() >= 2 * boundary[0].get_linewidths()[0]
        assert l._dash_pattern[1] is not None           # dashed: a pattern of on/off lengths
        W, b = net.layers[0].W, net.layers[0].b       # each drawn line is u_j = 0
        j = int(l.get_label().split()[2].rstrip(":")) - 1
        xs, ys = l.get_data()
        np.testing.assert_allclose(W[j, 0] * xs + W[j, 1] * ys + b[j], 0, atol=1e-9)
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["output boundary z = 0.5", "hidden unit 1: u1 = b1 + w11 x1 + w12 x2 = 0 (+ where u1 > 0)",
                      "hidden unit 2: u2 = b2 + w21 x1 + w22 x2 = 0 (+ where u2 > 0)", "class 0", "class 1"]
    points = [c for c in ax.collections if c.get_label() in ("class 0", "class 1")]
    for c in points:                                   # an edge that stands out from the face
        face, edge = c.get_facecolor()[0], c.get_edgecolor()[0]
        assert abs(luminance(face) - luminance(edge)) > 0.5
        assert [p._gc["foreground"] for p in c.get_path_effects()] == ["black"]
        assert c.get_zorder() > max(l.get_zorder() for l in lines)
    assert {tuple(c.get_facecolor()[0]) for c in points} != {tuple(points[0].get_facecolor()[0])}
    acc = fig.backprop_data["accuracy"]
    z = net.forward(X)[:, 0]
    assert acc["correct"] == int(np.sum((z >= 0.5) == (y == 1))) == 4 and acc["n"] == 4
    assert ax.get_title() == "xor: accuracy 100.0% (4 of 4 points)"
    F.save(fig, tmp_path / "b.png")
    assert png_size(tmp_path / "b.png") == (1200, 1110)


def test_spirals_settings_learn_the_spiral_not_just_the_points():
    from backprop.datasets import make_spirals
    from backprop.plotting.train import train_2d
    net, X, y, settings = train_2d("spirals")
    assert settings["layers"] == [2, 24, 24, 24, 1]
    assert D.accuracy_2d(net, X, y)["accuracy"] == 1.0
    raw = make_spirals().X
    dense = make_spirals(n_samples=2000)                # new points along the same two spirals
    Xd = (dense.X - raw.mean(axis=0)) / raw.std(axis=0)
    assert D.accuracy_2d(net, Xd, dense.y)["accuracy"] >= 0.97
    fig = F.decision_boundary(net, X, y)
    assert fig.backprop_data["lines_drawn"] == 0       # 24 first-layer lines would hide the picture
    assert not [l for l in fig.axes[0].get_lines() if l.get_label().startswith("hidden unit")]


def test_cli_decision_boundary_prints_settings_and_accuracy(tmp_path):
    r = run_cli("plot", "decision-boundary", "--dataset", "circles", "--hidden", "4", "--epochs", "300",
                "--out", tmp_path / "c.png")
    assert r.returncode == 0, r.stderr
    from backprop.plotting.train import train_2d
    net, X, y, _ = train_2d("circles", [4], 300)
    acc = D.accuracy_2d(net, X, y)
    assert r.stdout.splitlines()[:2] == [
        "circles: 2-4-1 network (tanh hidden, sigmoid output, binary_cross_entropy), full-batch Adam "
        "eta = 0.05, 300 epochs, seed 0",
        f"accuracy on the 200 training points: {acc['accuracy']:.1%} ({acc['correct']} of 200)"]
    assert acc["accuracy"] > 0.9


# --- trajectories: the lecture's claims hold in the default pictures -----------------------------
def test_gutter_default_shows_momentum_travelling_further_and_swinging_less():
    for steps in (20, 40):                             # the README's command and the default
        fig = F.trajectories("gutter", n_steps=steps)
        s = fig.backprop_data["summary"]
        gd, mom = s["gradient descent"], s["momentum"]
        assert mom["travelled"] > 1.15 * gd["travelled"] and mom["swing"] < 0.6 * gd["swing"]
        assert mom["E"] < gd["E"] / 10
        for label, p in fig.backprop_data["paths"].items():      # the summary is the path's
            assert s[label]["travelled"] == pytest.approx(abs(p["points"][-1, 0] + 9.0))
            assert s[label]["swing"] == pytest.approx(np.mean(np.abs(p["points"][1:, 1])))
    ax = fig.axes[0]
    star = [l for l in ax.get_lines() if l.get_label() == "minimum"]
    assert len(star) == 1 and list(star[0].get_xydata()[0]) == [0.0, 0.0]
    labels = [l.get_label() for l in ax.get_lines()]
    assert "gradient descent: eta 0.48" in labels and "momentum: eta 0.2, a 0.8" in labels
    assert "RMSprop" in fig._supxlabel.get_text() and "sqrt(v)" in fig.backprop_data["caption"]
    assert fig.backprop_summary[0].startswith("rain gutter E = (0.1 w1^2 + 4 w2^2) / 2 from w = (-9, 1.5)")


@needs("rmsprop")
def test_rmsprop_near_the_minimum_jumps_as_the_caption_says():
    """With beta = 0.9, v forgets within ~10 steps: near the minimum v is tiny, and a gradient that
    grows again gives a step of up to eta / sqrt(1 - beta) (the caption's claim); beta = 0.99 does not."""
    loss, grad = D.rain_gutter()
    short = D.trajectory("rmsprop", grad, [-9.0, 1.5], 60, loss=loss, learning_rate=0.3, rho=0.9)
    E = short["loss"]
    low = int(np.argmax(E < 1e-4))
    assert low > 0 and E[low:].max() > 100 * E[low]          # it came close, then jumped away
    steps = np.abs(np.diff(short["points"], axis=0))
    assert steps.max() <= 0.3 / np.sqrt(1 - 0.9) + 1e-9
    assert steps[low:].max() > 2 * 0.3                        # more than eta: v was tiny
    long = D.trajectory("rmsprop", grad, [-9.0, 1.5], 60, loss=loss, learning_rate=0.3, rho=0.99)
    assert np.all(np.diff(long["loss"][5:]) < 0)             # the figure's setting settles


def test_xor_trajectories_mark_the_minimum_of_the_two_weights():
    fig = F.trajectories("xor", n_steps=30)
    m = fig.backprop_data["minimum"]
    star = [l for l in fig.axes[0].get_lines() if l.get_label() == "minimum"]
    np.testing.assert_array_equal(star[0].get_xydata()[0], m)
    from backprop.plotting.train import trained_xor
    net = trained_xor(0)
    net.params[[6, 7]] = m                                    # v1, v2 at the marked point
    _, g = net.loss_and_grad(X_XOR, T_XOR)
    assert np.abs(g[[6, 7]]).max() < 1e-9                     # a stationary point in v1, v2 ...
    grid = fig.backprop_data["grid"]
    assert net.loss(X_XOR, T_XOR) <= grid["min"] + 1e-12      # ... and lower than the whole view
    for p in fig.backprop_data["paths"].values():
        assert p["loss"].min() >= net.loss(X_XOR, T_XOR) - 1e-12
    assert grid["w1"][0] < m[0] < grid["w1"][-1] and grid["w2"][0] < m[1] < grid["w2"][-1]
    assert re.search(r"the minimum is E = 0\.00744 at \(-11\.46, 7\.86\)", fig.backprop_summary[0])



def test_cli_refuses_bad_output_and_names(tmp_path):
    r = run_cli("plot", "momentum-gain", "--out", tmp_path / "x.pdf")
    assert r.returncode == 1 and "must end in .png or .svg" in r.stderr and "Traceback" not in r.stderr
    r = run_cli("plot", "landscape", "--weights", "v1,q7", "--out", tmp_path / "x.png")
    assert r.returncode == 1 and "unknown weight 'q7'" in r.stderr and "Traceback" not in r.stderr
    for dataset, message in (("breast-cancer", "has 30 inputs; decision boundaries need 2"),
                             ("nope", "unknown dataset 'nope'; valid choices: xor,")):
        r = run_cli("plot", "decision-boundary", "--dataset", dataset, "--out", tmp_path / "x.png")
        assert r.returncode == 1 and message in r.stderr and "Traceback" not in r.stderr
