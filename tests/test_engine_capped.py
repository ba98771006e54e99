"""The capped (accumulate-subsample) regime over long horizons: what the chapter "When the data cannot grow" says
of it, checked by simulation with tolerances from the number of seeds."""

import numpy as np

from collapse.accumulate import errors


def mean_and_standard_error(values: np.ndarray) -> tuple[float, float]:
    return float(values.mean()), float(values.std(ddof=1) / np.sqrt(values.size))


def test_capped_regression_error_climbs_then_levels_off():
    # The chapter's setting: d = 10, 32 rows a generation, a cap of one generation's worth, 300 generations.
    seeds = 400
    error = errors("regression", "accumulate-subsample", 32, 300, seeds, seed=11, dimension=10, cap_generations=1)
    early, early_se = mean_and_standard_error(error[99] - error[0])  # generation 1 -> 100, paired within a run
    late, late_se = mean_and_standard_error(error[299] - error[99])  # generation 100 -> 300
    assert early - 3 * early_se > 0, (early, early_se)  # it does climb
    # and then it levels off: over the next 200 generations it rises by less than half of what it rose over the
    # first 99, even at the ends of both (3 standard error) intervals
    assert late + 3 * late_se < 0.5 * (early - 3 * early_se), (early, early_se, late, late_se)
