"""The kernel density model, and the scarce-versus-abundant real data result (Kazdan, Schaeffer et al. 2024)."""

import numpy as np
import pytest

from collapse.models.kde import KernelDensityModel, synthetic_boost


def test_density_integrates_to_one_and_samples_are_jittered_points():
    model = KernelDensityModel(bandwidth=0.5)
    points = np.array([[0.0, 2.0, 5.0]])
    grid = np.linspace(-10, 15, 20_001)
    density = np.exp(-np.array([model.negative_log_likelihood(points[0], np.array([x])) for x in grid[::50]]))
    assert np.trapezoid(density, grid[::50]) == pytest.approx(1.0, abs=1e-3)
    samples = model.sample(points, 30_000, np.random.default_rng(0))[0]
    nearest = points[0][np.argmin(np.abs(samples[:, None] - points[0][None, :]), axis=1)]
    assert np.std(samples - nearest) == pytest.approx(0.5, rel=0.05)  # kernel noise around the chosen point


def test_synthetic_data_helps_when_real_data_are_scarce_and_hurts_when_plentiful():
    # Paired differences (same real points and test set) over many runs: 5 standard errors from zero each way.
    scarce = synthetic_boost(10, [0, 8], seeds=300, seed=1)
    plentiful = synthetic_boost(300, [0, 8], seeds=30, seed=2)
    scarce_change, plentiful_change = scarce[:, 1] - scarce[:, 0], plentiful[:, 1] - plentiful[:, 0]
    assert scarce_change.mean() < -5 * scarce_change.std(ddof=1) / np.sqrt(scarce_change.size)
    assert plentiful_change.mean() > 5 * plentiful_change.std(ddof=1) / np.sqrt(plentiful_change.size)


def test_bad_bandwidth_is_a_clear_error():
    with pytest.raises(ValueError, match="bandwidth must be a finite number above 0"):
        KernelDensityModel(bandwidth=0)
