"""The chapters' settings objects (collapse/settings.py) and History's tidy tables (collapse/history.py)."""

from dataclasses import dataclass

import numpy as np
import pytest

from collapse import GaussianModel, GaussianSource, History, Replace, simulate
from collapse.settings import Settings, cap_setting, regime_setting, setting
from collapse.telephone import TelephoneSettings
from widgets.panel import controls_from


@dataclass(frozen=True)
class Example(Settings):
    size: int = setting(10, "size", steps=(1, 10, 100))
    kind: str = setting("a", "kind", choices={"a": "the first", "b": "the second"})
    count: int = setting(3, "count", low=1, high=5)
    share: float = setting(0.5, "share", low=0.0, high=1.0, step=0.1)
    regime: str = regime_setting()
    cap_generations: int = cap_setting()
    seed: int = setting(0, "random seed", control="box")

    def check_budget(self):
        if self.size * self.count > 300:
            raise ValueError("too costly: lower the size or the count")


def test_defaults_are_stated_once_and_checked():
    settings = Example()
    assert (settings.size, settings.kind, settings.count, settings.share, settings.seed) == (10, "a", 3, 0.5, 0)
    assert Example.label("size") == "size"
    assert settings.replace(size=100).size == 100


@pytest.mark.parametrize("changes, error, message", [
    (dict(size=5), ValueError, "size must be one of 1, 10, 100"),
    (dict(size="10"), TypeError, "size must be one of 1, 10, 100"),
    (dict(kind="c"), ValueError, "kind must be one of 'a', 'b'"),
    (dict(count=6), ValueError, "count must be a whole number from 1 to 5"),
    (dict(share=float("nan")), ValueError, "share"),
    (dict(seed=-1), ValueError, "seed must be a whole number of at least 0"),
    (dict(regime="resample"), ValueError, "regime must be one of 'replace'"),
    (dict(size=100, count=4), ValueError, "too costly"),
])
def test_a_value_outside_its_declaration_is_refused_by_name(changes, error, message):
    with pytest.raises(error, match=message):
        Example(**changes)


def test_panel_controls_follow_the_declarations():
    controls, shown_when = controls_from(Example(count=4))
    assert list(controls) == ["size", "kind", "count", "share", "regime", "cap_generations", "seed"]
    assert list(controls["size"].options) == [1, 10, 100]
    assert [value for _, value in controls["kind"].options] == ["a", "b"]
    assert (controls["count"].min, controls["count"].max, controls["count"].value) == (1, 5, 4)
    assert controls["share"].step == 0.1
    assert set(shown_when) == {"cap_generations"}
    assert shown_when["cap_generations"]({"regime": "accumulate-subsample"})
    assert not shown_when["cap_generations"]({"regime": "replace"})


def test_telephone_settings_refuse_a_run_too_large_to_answer_at_once():
    with pytest.raises(ValueError, match="the panel allows 20,000,000"):
        TelephoneSettings(samples_per_generation=10_000, generations=200, seeds=50)


def test_history_tables_summarise_the_seeds():
    history = simulate(GaussianModel(), GaussianSource(), Replace(), generations=6, samples_per_generation=10,
                       seeds=400, seed=1)
    fan = history.fan("std")
    assert list(fan.columns) == ["generation", "low", "median", "high"] and list(fan.generation) == list(range(1, 7))
    np.testing.assert_allclose(fan["median"], np.median(history.metric("std"), axis=1))
    assert (fan["low"] <= fan["median"]).all() and (fan["median"] <= fan["high"]).all()
    relative = history.relative("kl_from_real")
    assert relative["relative"].iloc[0] == 1.0
    np.testing.assert_allclose(relative["value"], history.metric("kl_from_real").mean(axis=1))
    lines = history.seed_lines("std", 3)
    assert len(lines) == 3 * 6 and set(lines.seed) == {0, 1, 2}
    np.testing.assert_array_equal(lines[lines.seed == 2]["value"], history.metric("std")[:, 2])
    assert history.fan("std", floor=10.0)["low"].min() == 10.0


def test_a_stored_run_becomes_a_history():
    stored = History.from_metrics("replace", {"loss": [[1.0, 3.0], [2.0, 4.0]], "count": [[5, 5], [4, 2]]})
    assert (stored.generations, stored.seeds) == (2, 2)
    assert stored.relative("loss")["relative"].tolist() == [1.0, 1.5]
    with pytest.raises(ValueError, match="shaped \\(generations, seeds\\)"):
        History.from_metrics("replace", {"a": [[1.0, 2.0]], "b": [[1.0], [2.0]]})
