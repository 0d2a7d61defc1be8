"""MLPClassifier / MLPRegressor against scikit-learn's MLP (the oracle) and a hand-written loop."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn import neural_network as sk  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from backprop import MLPClassifier, MLPRegressor, load_model  # noqa: E402
from backprop.export import to_python  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::Warning")


def _data(n=60, d=3, seed=0, classes=None):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if classes is None:
        return X, X @ np.arange(1.0, d + 1) + 0.3 * np.sin(3 * X[:, 0])
    return X, (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int) + (classes > 2) * (X[:, 2] > 0.8)


SGD = dict(solver="sgd", shuffle=False, batch_size=20, learning_rate_init=0.05, momentum=0.0,
           alpha=1e-2, max_iter=15, tol=0.0, n_iter_no_change=1000, random_state=3)


@pytest.mark.parametrize("extra", [{}, {"momentum": 0.9, "nesterovs_momentum": False},
                                   {"momentum": 0.9, "nesterovs_momentum": True},
                                   {"learning_rate": "invscaling", "power_t": 0.3}])
def test_regressor_sgd_matches_sklearn(extra):
    X, y = _data()
    kw = {**SGD, **extra, "hidden_layer_sizes": (5, 4), "activation": "tanh"}
    ours, ref = MLPRegressor(**kw).fit(X, y), sk.MLPRegressor(**kw).fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-10)
    for a, b in zip(ours.coefs_ + ours.intercepts_, ref.coefs_ + ref.intercepts_):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert (ours.n_iter_, ours.t_) == (ref.n_iter_, ref.t_)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_classifier_sgd_matches_sklearn(n_classes):
    X, y = _data(classes=n_classes)
    kw = {**SGD, "hidden_layer_sizes": (6,), "activation": "logistic"}
    ours, ref = MLPClassifier(**kw).fit(X, y), sk.MLPClassifier(**kw).fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-10)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X), rtol=1e-9)
    assert ours.out_activation_ == ref.out_activation_
    assert list(ours.classes_) == list(ref.classes_)


def test_tol_stopping_and_adaptive_rate_match_sklearn():
    X, y = _data()
    kw = dict(SGD, tol=1e-3, n_iter_no_change=3, max_iter=300, learning_rate_init=0.2)
    for schedule in ("constant", "adaptive"):
        ours = MLPRegressor(**kw, learning_rate=schedule, hidden_layer_sizes=(4,)).fit(X, y)
        ref = sk.MLPRegressor(**kw, learning_rate=schedule, hidden_layer_sizes=(4,)).fit(X, y)
        assert ours.n_iter_ == ref.n_iter_ < 300
        np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-9)
        assert ours.best_loss_ == pytest.approx(ref.best_loss_, rel=1e-9)


def test_adam_default_close_to_sklearn():
    # full batch (n < 200): only Adam's epsilon placement differs (ours: torch's, outside the bias
    # correction), so the curves agree closely but not to the last bit
    X, y = _data(classes=2)
    ours, ref = MLPClassifier(random_state=0).fit(X, y), sk.MLPClassifier(random_state=0).fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_[:50], ref.loss_curve_[:50], rtol=1e-5)


def test_loss_curve_equals_hand_loop():
    """Full-batch gradient descent on a 3-4-1 tanh network written out by hand."""
    X, y = _data(n=30)
    est = MLPRegressor((4,), "tanh", solver="sgd", momentum=0.0, batch_size="full", alpha=0.1,
                       learning_rate_init=0.02, max_iter=10, tol=0, n_iter_no_change=99,
                       random_state=1)
    rs = np.random.RandomState(1)                       # scikit-learn's draws: coef, intercept
    r1, r2 = np.sqrt(6 / 7), np.sqrt(6 / 5)
    W1, b1 = rs.uniform(-r1, r1, (3, 4)), rs.uniform(-r1, r1, 4)
    W2, b2 = rs.uniform(-r2, r2, (4, 1)), rs.uniform(-r2, r2, 1)
    n, lam, eta, curve = len(X), 0.1, 0.02, []
    for _ in range(10):
        h = np.tanh(X @ W1 + b1)
        z = h @ W2 + b2
        d2 = (z - y[:, None]) / n                        # dE/ds, E = 1/(2n) sum (z - t)^2
        curve.append(0.5 * np.mean((z[:, 0] - y) ** 2) + lam / (2 * n) * ((W1 ** 2).sum() + (W2 ** 2).sum()))
        d1 = (d2 @ W2.T) * (1 - h ** 2)
        gW2, gb2 = h.T @ d2 + lam / n * W2, d2.sum(0)
        gW1, gb1 = X.T @ d1 + lam / n * W1, d1.sum(0)
        W1, b1, W2, b2 = W1 - eta * gW1, b1 - eta * gb1, W2 - eta * gW2, b2 - eta * gb2
    est.fit(X, y)
    np.testing.assert_allclose(est.loss_curve_, curve, rtol=1e-12)
    np.testing.assert_allclose(est.coefs_[0], W1, rtol=1e-12)
    np.testing.assert_allclose(est.intercepts_[1], b2, rtol=1e-12)


def test_coefs_are_views_in_sklearn_orientation():
    X, y = _data(classes=3)
    clf = MLPClassifier((7,), max_iter=5, random_state=0).fit(X, y)
    assert [c.shape for c in clf.coefs_] == [(3, 7), (7, 3)]
    assert np.shares_memory(clf.coefs_[0], clf.network_.params)
    np.testing.assert_array_equal(clf.coefs_[1], clf.network_.layers[1].W.T)
    before = clf.predict_proba(X)
    clf.coefs_[1][...] = 0.0                              # writes through to the network
    clf.intercepts_[1][...] = 0.0
    np.testing.assert_allclose(clf.predict_proba(X), 1 / 3)
    assert not np.allclose(before, 1 / 3)
    assert (clf.n_layers_, clf.n_outputs_, clf.out_activation_) == (3, 3, "softmax")


def test_sklearn_tools_with_two_jobs():
    X, y = _data(n=80, classes=2)
    pipe = make_pipeline(StandardScaler(), MLPClassifier((8,), max_iter=60, learning_rate_init=0.02,
                                                         random_state=0))
    scores = cross_val_score(pipe, X, y, cv=3, n_jobs=2)
    np.testing.assert_array_equal(scores, cross_val_score(pipe, X, y, cv=3, n_jobs=1))
    assert scores.mean() > 0.7
    grid = GridSearchCV(MLPRegressor(max_iter=40, random_state=0),
                        {"hidden_layer_sizes": [(4,), (8,)], "alpha": [1e-4, 1e-1]}, cv=2, n_jobs=2)
    grid.fit(*_data(n=40))
    assert set(grid.best_params_) == {"hidden_layer_sizes", "alpha"}
    assert np.isfinite(grid.best_score_)


def test_dataframe_in_numpy_out():
    pd = pytest.importorskip("pandas")
    X, y = _data(classes=2)
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    clf = MLPClassifier((5,), max_iter=20, random_state=0).fit(df, pd.Series(y))
    assert list(clf.feature_names_in_) == ["a", "b", "c"]
    out = clf.predict(df)
    assert isinstance(out, np.ndarray) and isinstance(clf.predict_proba(df), np.ndarray)
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(df.rename(columns={"a": "z"}))


def test_partial_fit_matches_sklearn_and_needs_classes():
    X, y = _data(classes=3)
    kw = dict(SGD, hidden_layer_sizes=(5,))
    ours, ref = MLPClassifier(**kw), sk.MLPClassifier(**kw)
    with pytest.raises(ValueError, match="classes"):
        ours.partial_fit(X, y)
    for _ in range(3):
        ours.partial_fit(X, y, classes=[0, 1, 2])
        ref.partial_fit(X, y, classes=[0, 1, 2])
    np.testing.assert_allclose(ours.loss_curve_, ref.loss_curve_, rtol=1e-10)
    assert (ours.n_iter_, ours.t_) == (1, 3 * len(X))
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")


def test_warm_start_continues_from_the_weights():
    X, y = _data()
    est = MLPRegressor((6,), max_iter=10, warm_start=True, random_state=0).fit(X, y)
    w = est.network_.params.copy()
    est.fit(X, y)
    assert len(est.loss_curve_) == 20 and est.n_iter_ == 10 and est.t_ == 20 * len(X)
    fresh = MLPRegressor((6,), max_iter=10, random_state=0).fit(X, y)
    np.testing.assert_array_equal(fresh.network_.params, w)


def test_sample_weight_equals_repetition():
    X, y = _data(n=20, classes=2)
    w = np.arange(20) % 3
    a = MLPClassifier((4,), max_iter=30, random_state=0).fit(X, y, sample_weight=w)
    b = MLPClassifier((4,), max_iter=30, random_state=0).fit(np.repeat(X, w, 0), np.repeat(y, w))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-9)


def test_early_stopping_rule_and_restore():
    X, y = _data(n=100, classes=3)
    clf = MLPClassifier((8,), early_stopping=True, n_iter_no_change=4, tol=0.0, max_iter=500,
                        learning_rate_init=0.05, random_state=0).fit(X, y)
    s = clf.validation_scores_
    assert len(s) == clf.n_iter_ < 500 and clf.best_loss_ is None
    assert clf.best_validation_score_ == max(s)
    assert all(v <= max(s[:-5]) for v in s[-5:])     # 5 = n_iter_no_change + 1 epochs without gain


@pytest.mark.parametrize("solver", ["lbfgs", "rprop", "levenberg_marquardt"])
def test_every_registry_solver_trains(solver):
    X, y = _data(n=40)
    est = MLPRegressor((5,), "tanh", solver=solver, max_iter=60, random_state=0).fit(X, y)
    assert est.score(X, y) > 0.8


def test_impute_and_scale_and_nan_refused():
    X, y = _data(classes=2)
    X[3, 1] = X[10, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MLPClassifier(max_iter=5).fit(X, y)
    clf = MLPClassifier((5,), impute="mean", scale="minmax", max_iter=20, random_state=0).fit(X, y)
    assert np.isfinite(clf.predict_proba(X)).all()
    X0 = np.where(np.isnan(X), 0.0, X)
    est = MLPRegressor((5,), impute="mean", missing_values=0.0, max_iter=5, random_state=0).fit(X0, y)
    assert est.preprocessing_[0].statistics_[1] == pytest.approx(np.nanmean(X[:, 1]))


def test_save_load_round_trip_and_export(tmp_path):
    X, y = _data(classes=3)
    X[0, 0] = np.nan
    clf = MLPClassifier((6,), "tanh", impute="mean", scale="standard", max_iter=30,
                        random_state=0).fit(X, np.array(["x", "y", "z"])[y])
    path = clf.save(tmp_path / "c.bp")
    back = MLPClassifier.load(path)
    np.testing.assert_array_equal(back.predict(X), clf.predict(X))
    np.testing.assert_array_equal(back.predict_proba(X), clf.predict_proba(X))
    assert back.get_params() == {**clf.get_params(), "missing_values": back.missing_values}
    assert load_model(path).predict(X).tolist() == clf.predict(X).tolist()
    reg = MLPRegressor((5,), scale="minmax", target_scale="standard", max_iter=30,
                       random_state=0).fit(*_data())
    back = MLPRegressor.load(reg.save(tmp_path / "r.bp"))
    np.testing.assert_array_equal(back.predict(_data()[0]), reg.predict(_data()[0]))
    namespace: dict = {}
    exec(to_python(reg.to_model()), namespace)           # preprocessing and target scaling export
    x = _data()[0][:3]
    np.testing.assert_allclose([namespace["predict"](list(r))[0] for r in x], reg.predict(x), rtol=1e-9)
    with pytest.raises(ValueError, match="classification"):
        MLPRegressor.load(tmp_path / "c.bp")


def test_bad_parameters_are_one_line_errors():
    X, y = _data(classes=2)
    for kw, match in [({"solver": "newton"}, "valid choices"), ({"activation": "softmax"}, "activation"),
                      ({"alpha": -1}, "alpha"), ({"batch_size": 0}, "batch_size"),
                      ({"scale": "max"}, "scale"), ({"optimizer_params": {"lr": 1}}, "learning_rate")]:
        with pytest.raises(ValueError, match=match) as exc:
            MLPClassifier(max_iter=2, **kw).fit(X, y)
        assert "\n" not in str(exc.value)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="1 class"):
            MLPClassifier(max_iter=2).fit(X, np.zeros(len(X)))
