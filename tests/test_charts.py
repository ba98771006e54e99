"""The shared chart helpers: what reaches a chart's data."""

import numpy as np
import pandas as pd

from widgets import charts


def test_significant_keeps_small_numbers_and_leaves_zero_and_nan_alone():
    with np.errstate(all="raise"):  # no warning reaches a reader's panel, even for a subnormal number
        rounded = charts.significant([1.23456789e-9, 123456.789, -0.000123456, 0.0, 1e-310, np.nan], 3)
    np.testing.assert_array_equal(rounded[:5], [1.23e-9, 123000.0, -0.000123, 0.0, 0.0])
    assert np.isnan(rounded[5])


def test_records_keep_six_significant_figures_and_send_nan_as_null():
    frame = pd.DataFrame({"spread": [3.14159265e-8, 0.1 + 0.2, np.nan], "generation": [1, 2, 3]})
    assert charts.records(frame) == [{"spread": 3.14159e-8, "generation": 1}, {"spread": 0.3, "generation": 2},
                                     {"spread": None, "generation": 3}]
