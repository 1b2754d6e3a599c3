from datetime import date

from otklik.analytics import forecast_model as fm
from otklik.lib.workdays import WorkCalendar

from .forecast_history import seasonal

CALENDAR = WorkCalendar()
WEEKS = fm.mondays(date(2023, 1, 2), date(2025, 12, 29))


def backtest(series: dict[int, list[int]], targets: range):
    """Rolling origin, as the weekly job: week t forecast from the weeks before t − 1."""
    model, naive = [], []
    for t in targets:
        history = {unit: counts[: t - 1] for unit, counts in series.items()}
        fit = fm.fit_group(history, WEEKS[: t - 1], CALENDAR)
        per_unit, _total = fm.predict_group(fit, WEEKS[t], CALENDAR)
        for unit, counts in series.items():
            scale = fm.scale(counts[: t - 1])
            model.append((counts[t], per_unit[unit], scale))
            naive.append((counts[t], fm.seasonal_naive(counts[: t - 1], ahead=2), scale))
    return fm.score(model), fm.score(naive)


def test_model_beats_seasonal_naive_on_a_seasonal_series():
    series = {1: seasonal(len(WEEKS), 30, seed=1), 2: seasonal(len(WEEKS), 8, seed=2)}
    model, naive = backtest(series, range(len(WEEKS) - 30, len(WEEKS)))
    assert model.mase < naive.mase
    assert model.coverage >= 0.7


def test_interval_is_wider_for_an_overdispersed_count():
    poisson = fm.interval(20.0, 1.0)
    overdispersed = fm.interval(20.0, 3.0)
    assert overdispersed[0] < poisson[0] <= 20 <= poisson[1] < overdispersed[1]


def test_group_without_appeals_has_no_fit():
    assert fm.fit_group({1: [0] * 10}, WEEKS[:10], CALENDAR) is None


def test_short_history_is_fitted_without_the_season():
    fit = fm.fit_group({1: [3, 4, 2, 5, 3, 4, 3, 2]}, WEEKS[:8], CALENDAR)
    per_unit, total = fm.predict_group(fit, WEEKS[9], CALENDAR)
    assert fit.harmonics == 0
    assert 2 < per_unit[1].expected < 5
    assert total.expected == per_unit[1].expected


def test_seasonal_naive_needs_a_year_of_history():
    assert fm.seasonal_naive([1] * 50, ahead=2) is None
    # 60 weeks known (0…59), the target is week 61: a year before it is week 9.
    assert fm.seasonal_naive(list(range(60)), ahead=2).expected == 9


def test_score_leaves_series_that_never_changed_out_of_mase():
    steady = (0, fm.Prediction(0.2, 0, 1), 0.0)
    changing = (4, fm.Prediction(2.0, 1, 3), 2.0)
    result = fm.score([steady, changing])
    assert result.mase == 1.0
    assert (result.covered, result.count) == (1, 2)


def test_mase_is_read_on_the_median_of_a_sparse_count():
    # A series with an appeal now and then: the mean is 0.3, the median 0, and 0 came.
    fit = fm.fit_group({1: [0, 1, 0, 0, 1, 0, 0, 0, 1, 0]}, WEEKS[:10], CALENDAR)
    per_unit, _total = fm.predict_group(fit, WEEKS[11], CALENDAR)
    prediction = per_unit[1]
    assert 0 < prediction.expected < 0.5
    assert prediction.median == 0
    assert fm.score([(0, prediction, 1.0)]).mase == 0
