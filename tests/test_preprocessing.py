"""Preprocessing transformers: training-only statistics, round trips, and scikit-learn as the oracle."""

from __future__ import annotations

import io
import json
import warnings

import numpy as np
import pytest

from backprop import ConfigError, DataError
from backprop.preprocessing import (TRANSFORMERS, ConstantColumnRemover, DerivedFeatures, MeanImputer,
                                    MinMaxScaler, Preprocessor, StandardScaler, TargetScaler, Transformer,
                                    transformer_from_state)

sk_pre = pytest.importorskip("sklearn.preprocessing")
sk_impute = pytest.importorskip("sklearn.impute")
from sklearn.base import clone  # noqa: E402


def _data(rng, n=40, m=5, missing=0.0):
    X = rng.normal(3.0, 2.0, (n, m)) * rng.uniform(0.1, 50, m)
    if missing:
        X[rng.random((n, m)) < missing] = np.nan
    return X


def _all_kinds():
    """One fitted-able example of every registered transformer."""
    return [MinMaxScaler(), MinMaxScaler((-1, 1)), StandardScaler(), StandardScaler(with_mean=False),
            MeanImputer(), MeanImputer(add_indicator=True), MeanImputer(0.0, columns=[1, 3]),
            ConstantColumnRemover(), TargetScaler(), TargetScaler("minmax", (-1, 1)),
            Preprocessor([MeanImputer(add_indicator=True), ConstantColumnRemover(), StandardScaler()]),
            DerivedFeatures(["x1", "x3^2", "x2*x5", "sin(x4)"])]


def test_every_registered_class_is_exercised():
    assert {type(t).__name__ for t in _all_kinds()} == set(TRANSFORMERS)


def test_statistics_come_from_training_data_only(rng):
    train = rng.normal(5.0, 2.0, (200, 3))
    test = rng.normal(-30.0, 10.0, (50, 3))
    test[3, 1] = np.nan
    mu, sd = train.mean(axis=0), train.std(axis=0)
    lo, hi = train.min(axis=0), train.max(axis=0)
    np.testing.assert_allclose(StandardScaler().fit(train).transform(test), (test - mu) / sd, rtol=1e-12)
    np.testing.assert_allclose(MinMaxScaler((-1, 1)).fit(train).transform(test),
                               2 * (test - lo) / (hi - lo) - 1, rtol=1e-12)
    imputed = MeanImputer().fit(train).transform(test)
    assert imputed[3, 1] == pytest.approx(mu[1], rel=1e-12)
    chain = Preprocessor([MeanImputer(), StandardScaler()]).fit(train)
    expected = (np.where(np.isnan(test), mu, test) - mu) / sd
    np.testing.assert_allclose(chain.transform(test), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("t", _all_kinds(), ids=repr)
def test_state_round_trip_without_pickle_gives_identical_transforms(t, rng):
    X = _data(rng, missing=0.1 if "Imputer" in repr(t) else 0.0)
    X[:, 2] = 7.0  # a constant column
    X[rng.random(X.shape[0]) < 0.2, 1] = 0.0
    fitted = t.fit(X)
    config, arrays = fitted.to_state()
    text = json.dumps(config, allow_nan=False)  # strict JSON
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    buf.seek(0)
    with np.load(buf, allow_pickle=False) as f:
        loaded = {k: f[k] for k in f.files}
    again = transformer_from_state(json.loads(text), loaded)
    assert type(again) is type(t)
    assert repr(again) == repr(t)
    np.testing.assert_array_equal(again.transform(X), fitted.transform(X))
    Y = _data(rng, n=7)
    np.testing.assert_array_equal(again.transform(Y), fitted.transform(Y))


def test_unfitted_state_round_trip_keeps_parameters():
    config, arrays = MeanImputer(0.0, columns=["glucose"], add_indicator=True).to_state()
    again = TRANSFORMERS[config["type"]].from_state(json.loads(json.dumps(config)), arrays)
    assert again.get_params() == {"missing_values": 0.0, "columns": ["glucose"], "add_indicator": True}
    assert not again.fitted


@pytest.mark.parametrize("t", [MinMaxScaler(), MinMaxScaler((-1, 1)), StandardScaler(),
                               ConstantColumnRemover(), TargetScaler(), TargetScaler("minmax"),
                               Preprocessor([ConstantColumnRemover(), MinMaxScaler((-1, 1))])], ids=repr)
def test_inverse_transform_undoes_transform(t, rng):
    X = _data(rng)
    X[:, 3] = -2.5
    np.testing.assert_allclose(t.fit(X).inverse_transform(t.transform(X)), X, rtol=1e-12, atol=1e-12)


def test_target_scaler_keeps_1d_shape_and_inverts(rng):
    y = rng.normal(100.0, 15.0, 30)
    for t in (TargetScaler(), TargetScaler("minmax", (-1, 1))):
        z = t.fit_transform(y)
        assert z.shape == y.shape
        np.testing.assert_allclose(t.inverse_transform(z), y, rtol=1e-12)
    assert TargetScaler("minmax").fit(y).transform(y).min() == pytest.approx(0.0, abs=1e-15)
    with pytest.raises(ConfigError, match="standard, minmax"):
        TargetScaler("log").fit(y)


def test_imputer_with_indicator_restores_the_missing_values(rng):
    X = _data(rng, missing=0.2)
    t = MeanImputer(add_indicator=True).fit(X)
    np.testing.assert_array_equal(t.inverse_transform(t.transform(X)), X)  # NaN in the same places
    s = MeanImputer(0.0, columns=[0], add_indicator=True)
    X0 = np.abs(_data(rng))
    X0[::3, 0] = 0.0
    np.testing.assert_array_equal(s.fit(X0).inverse_transform(s.transform(X0)), X0)


@pytest.mark.parametrize("feature_range", [(0, 1), (-1, 1)])
def test_minmax_agrees_with_sklearn(feature_range, rng):
    X, Y = _data(rng), _data(rng, n=9)
    X[:, 0] = 4.0
    ours = MinMaxScaler(feature_range).fit(X)
    theirs = sk_pre.MinMaxScaler(feature_range=feature_range).fit(X)
    for A in (X, Y):
        np.testing.assert_allclose(ours.transform(A), theirs.transform(A), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(ours.inverse_transform(A), theirs.inverse_transform(A), rtol=1e-12)


@pytest.mark.parametrize("with_mean,with_std", [(True, True), (False, True), (True, False)])
def test_standard_scaler_agrees_with_sklearn(with_mean, with_std, rng):
    X, Y = _data(rng), _data(rng, n=9)
    X[:, 2] = 0.1  # constant: scale 1 in both, never 1/0
    ours = StandardScaler(with_mean, with_std).fit(X)
    theirs = sk_pre.StandardScaler(with_mean=with_mean, with_std=with_std).fit(X)
    for A in (X, Y):
        np.testing.assert_allclose(ours.transform(A), theirs.transform(A), rtol=1e-10, atol=1e-12)


def test_imputer_agrees_with_sklearn_simple_imputer_and_missing_indicator(rng):
    X, Y = _data(rng, missing=0.15), _data(rng, n=12, missing=0.3)
    X[:, 4] = np.where(np.isnan(X[:, 4]), 1.0, X[:, 4])  # a column without missing values
    ours = MeanImputer(add_indicator=True).fit(X)
    theirs = sk_impute.SimpleImputer(strategy="mean", add_indicator=True).fit(X)
    indicator = sk_impute.MissingIndicator(error_on_new=False).fit(X)
    for A in (X, Y):
        np.testing.assert_allclose(ours.transform(A), theirs.transform(A), rtol=1e-12)
        np.testing.assert_array_equal(ours.transform(A)[:, 5:], indicator.transform(A))
    np.testing.assert_allclose(ours.statistics_, theirs.statistics_, rtol=1e-12)


def test_sentinel_replaced_only_in_chosen_columns(rng):
    """Pima: zero pregnancies is real, zero glucose/BMI means 'not measured'."""
    pd = pytest.importorskip("pandas")
    compose = pytest.importorskip("sklearn.compose")
    X = np.abs(_data(rng, n=60, m=4)).round(1)
    X[::4, 0] = 0.0   # pregnancies: genuine zeros
    X[1::5, 1] = 0.0  # glucose: missing
    X[2::7, 3] = 0.0  # bmi: missing
    df = pd.DataFrame(X, columns=["pregnant", "glucose", "pressure", "bmi"])
    ours = MeanImputer(0, columns=["glucose", "bmi"]).fit(df)
    got = ours.transform(df)
    theirs = compose.ColumnTransformer(
        [("imp", sk_impute.SimpleImputer(missing_values=0.0), [1, 3])], remainder="passthrough")
    ref = theirs.fit_transform(X)  # columns 1, 3 first, then the rest
    np.testing.assert_allclose(got[:, [1, 3, 0, 2]], ref, rtol=1e-12)
    np.testing.assert_array_equal(got[:, [0, 2]], X[:, [0, 2]])
    assert (got[::4, 0] == 0).all()
    np.testing.assert_array_equal(MeanImputer(0, columns=[1, 3]).fit_transform(X), got)


def test_clone_with_sklearn_and_set_params(rng):
    X = _data(rng)
    for t in _all_kinds():
        c = clone(t)
        assert type(c) is type(t) and repr(c) == repr(t) and not c.fitted
    chain = Preprocessor([MeanImputer(add_indicator=True), MinMaxScaler()]).fit(X)
    c = clone(chain)
    assert c.steps[0] is not chain.steps[0] and not c.steps[0].fitted
    assert MinMaxScaler().set_params(feature_range=(-1, 1)).feature_range == (-1, 1)
    with pytest.raises(ConfigError, match="valid: feature_range"):
        MinMaxScaler().set_params(range=(0, 1))


def test_usable_inside_a_sklearn_pipeline(rng):
    pipeline = pytest.importorskip("sklearn.pipeline")
    X, y = _data(rng, missing=0.1), rng.integers(0, 2, 40)
    from sklearn.linear_model import LogisticRegression
    p = pipeline.make_pipeline(MeanImputer(), StandardScaler(), LogisticRegression()).fit(X, y)
    assert p.predict(X).shape == (40,)


def test_constant_columns_never_divide_by_zero(rng):
    X = _data(rng)
    X[:, 1] = 3.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for t in (MinMaxScaler(), StandardScaler(), TargetScaler(), TargetScaler("minmax")):
            Z = t.fit_transform(X)
            assert np.isfinite(Z).all()
    r = ConstantColumnRemover().fit(X)
    np.testing.assert_array_equal(r.transform(X), np.delete(X, 1, axis=1))
    with pytest.raises(DataError, match="every column"):
        ConstantColumnRemover().fit(np.ones((5, 3)))


def test_all_missing_column_is_named(rng):
    pd = pytest.importorskip("pandas")
    X = _data(rng)
    X[:, 2] = np.nan
    with pytest.raises(DataError, match="column 2 has only missing values"):
        MeanImputer().fit(X)
    X[:, 2] = 0.0
    df = pd.DataFrame(X, columns=list("abcde"))
    with pytest.raises(DataError, match=r"column 2 \('c'\) has only missing"):
        MeanImputer(0, columns=["c"]).fit(df)
    with pytest.raises(ConfigError, match="unknown column 'z'"):
        MeanImputer(0, columns=["z"]).fit(df)
    with pytest.raises(ConfigError, match="out of range"):
        MeanImputer(0, columns=[7]).fit(X)


@pytest.mark.parametrize("t", _all_kinds(), ids=repr)
def test_wrong_number_of_columns_is_a_data_error(t, rng):
    t.fit(_data(rng))
    with pytest.raises(DataError, match="X has 4 columns, but .* fitted on 5"):
        t.transform(_data(rng, m=4))


def test_not_fitted_and_bad_settings():
    with pytest.raises(ConfigError, match="not fitted"):
        StandardScaler().transform(np.ones((2, 2)))
    for t in (MeanImputer(), ConstantColumnRemover(), Preprocessor([MinMaxScaler()])):
        with pytest.raises(ConfigError, match="not fitted"):
            t.inverse_transform(np.ones((2, 2)))
    with pytest.raises(ConfigError, match="low < high"):
        MinMaxScaler((1, 0)).fit(np.ones((2, 2)))
    with pytest.raises(ConfigError, match="must be one of"):
        Preprocessor(["scale"]).fit(np.ones((2, 2)))
    with pytest.raises(DataError, match="numeric"):
        StandardScaler().fit(np.array([["a", "b"]]))
    with pytest.raises(DataError, match="2-D"):
        StandardScaler().fit(np.ones(3))


def test_nan_left_without_imputation_is_named(rng):
    pd = pytest.importorskip("pandas")
    X = np.abs(_data(rng))
    X[5, 3] = np.nan
    with pytest.raises(DataError, match=r"column 3 still contains NaN .* no imputation"):
        Preprocessor([MinMaxScaler()]).fit(X)
    df = pd.DataFrame(X, columns=["pregnant", "glucose", "pressure", "insulin", "bmi"])
    chain = Preprocessor([MeanImputer(columns=["glucose"]), ConstantColumnRemover(), StandardScaler()])
    with pytest.raises(DataError, match=r"column 3 \('insulin'\) still contains NaN"):
        chain.fit(df)
    ok = Preprocessor([MeanImputer(columns=["insulin"], add_indicator=True), StandardScaler()]).fit(df)
    test = X[:3].copy()
    test[0, 1] = np.nan
    with pytest.raises(DataError, match=r"column 1 \('glucose'\) still contains NaN"):
        ok.transform(test)


def test_subclasses_share_the_base():
    assert all(issubclass(cls, Transformer) for cls in TRANSFORMERS.values())


def test_inputs_are_never_modified(rng):
    X = _data(rng, missing=0.1)
    before = X.copy()
    chain = Preprocessor([MeanImputer(add_indicator=True), StandardScaler(), MinMaxScaler()])
    Z = chain.fit_transform(X)
    chain.transform(X)
    chain.inverse_transform(Z)
    np.testing.assert_array_equal(X, before)
