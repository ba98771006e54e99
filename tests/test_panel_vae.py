"""The VAE chapter's Run-button panel, its charts, its settings and its stored results, driven without a browser."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from collapse.models.registry import model_entry
from collapse.regimes import REGIME_LABELS
from collapse.stored import rerun_disagreements, same_processor
from collapse.vae import (CHECKS, DATASETS, LIVE_DIGITS, MAX_LIVE_GENERATIONS, PANELS, RESULTS, STATIC, VAESettings,
                          experiment, load_results, mean_metric, precompute_settings, rerun_checks, stored_history,
                          stored_live_tables)
from tests.panel_checks import assert_internal_fault_is_shown_and_logged, assert_refuses_unknown_name
from widgets import vae

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def panel():
    # the ring and a few epochs: a run takes a fraction of a second
    return vae.panel(dataset="ring", generations=3, epochs=5, latent_size=2)


def test_panel_opens_on_the_stored_run_without_training():
    view = vae.panel()
    assert view.message.value == ""
    assert "A stored run" in view.spec["title"]
    assert {row["panel"] for row in view.spec["datasets"]["metrics"]} == set(PANELS)
    assert view.progress.value == 0 and not view.button.disabled
    json.dumps(view.spec)  # a reader's browser receives it as JSON


def test_run_button_trains_with_progress_and_disables_the_controls_meanwhile(panel):
    seen = []  # recorded by the progress bar's observer, which the engine's observe hook drives

    def record(change):
        seen.append((change.new, all(c.disabled for c in panel.controls.values()), panel.button.disabled))

    panel.progress.observe(record, names="value")
    before = json.dumps(panel.spec)
    panel.button.click()
    assert [value for value, _, _ in seen if value > 0] == [1, 2, 3]  # one step per generation
    assert all(controls_off and button_off for value, controls_off, button_off in seen)
    assert panel.progress.value == panel.progress.max == 3
    assert not panel.button.disabled and not any(c.disabled for c in panel.controls.values())
    assert panel.message.value == ""
    assert json.dumps(panel.spec) != before
    assert "ring of 8 Gaussians, replace" in panel.spec["title"]
    generations = {row["generation"] for row in panel.spec["datasets"]["samples"]}
    assert generations == {0, 1, 2, 3}  # the real data, then each generation's samples


def test_controls_change_nothing_until_run_is_pressed(panel):
    panel.button.click()
    shown = json.dumps(panel.spec)
    panel.controls["seed"].value = 9
    panel.controls["regime"].value = "accumulate"
    assert json.dumps(panel.spec) == shown
    panel.button.click()
    assert json.dumps(panel.spec) != shown
    assert "accumulate" in panel.spec["title"]


def test_regime_options_appear_only_when_they_matter(panel):
    assert panel.controls["real_share"].layout.display == "none"
    panel.controls["regime"].value = "fresh-mix"
    assert panel.controls["real_share"].layout.display is None
    panel.button.click()
    assert panel.message.value == "" and "fresh real share" in panel.spec["title"]


def test_bad_input_shows_a_message_and_keeps_the_chart(panel):
    shown = json.dumps(panel.spec)
    panel.controls["seed"].value = -1
    panel.button.click()
    assert "seed must be a whole number of at least 0" in panel.message.value
    assert 'role="alert"' in panel.message.value
    assert json.dumps(panel.spec) == shown
    assert not panel.button.disabled and not any(c.disabled for c in panel.controls.values())  # enabled again
    panel.controls["seed"].value = 0
    panel.button.click()
    assert panel.message.value == ""


def test_a_fault_in_the_code_is_shown_logged_and_re_enables_the_controls(panel, caplog):
    assert_internal_fault_is_shown_and_logged(panel, caplog)


def test_unknown_dataset_and_regime_names_are_refused_by_name_before_any_training():
    assert_refuses_unknown_name(lambda name: vae.chart(dataset=name), "dataset", DATASETS, unknown="faces")
    assert_refuses_unknown_name(lambda name: vae.chart(regime=name), "regime", REGIME_LABELS, unknown="resample")


def test_choosing_a_dataset_sets_its_latent_size(panel):
    panel.controls["dataset"].value = "digits"
    assert panel.controls["latent_size"].value == DATASETS["digits"].config.latent_size
    panel.controls["dataset"].value = "ring"
    assert panel.controls["latent_size"].value == DATASETS["ring"].config.latent_size


def test_digit_chart_shows_eight_images_a_generation():
    spec = vae.chart(dataset="digits", generations=2, epochs=5)
    images = spec["datasets"]["samples"]
    assert len(images) == 3 * LIVE_DIGITS  # real, generation 1, generation 2
    assert all(len(image["ink"]) == 64 and 0 <= min(image["ink"]) <= max(image["ink"]) <= 16 for image in images)
    metrics = spec["datasets"]["metrics"]
    assert {row["panel"] for row in metrics} == set(PANELS)
    real = [row for row in metrics if row["generation"] == 0]
    assert {row["panel"] for row in real} == {"covered", "entropy", "spread"}  # a model's loss has no real value


# --- the stored results ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def results():
    return load_results()


def test_stored_results_were_made_with_the_current_settings(results):
    # If this fails, the code's settings changed since the results were stored: run `python -m collapse.vae
    # precompute` and commit data/vae_results.json.
    assert results["settings"] == json.loads(json.dumps(precompute_settings()))


def test_stored_check_runs_agree_with_a_rerun_here(results):
    # The cheap check settings stored beside the results, re-run now. Anywhere, every per-generation mean over
    # seeds must agree within seed-to-seed noise; on the processor and libraries that made the file, every number
    # must be the same (collapse.stored says why no more can be promised across processors).
    again = rerun_checks()
    assert set(results["checks"]) == set(again) == set(DATASETS)
    for name, stored in results["checks"].items():
        assert rerun_disagreements(stored, again[name]) == [], name
        if same_processor(results["made_on"]):
            for metric, values in stored.items():
                np.testing.assert_array_equal(again[name][metric], values, err_msg=f"{name} {metric}")


RERUN_UNDER_CAPABILITY = """
import json
from collapse.stored import processor_fingerprint, rerun_disagreements, same_processor
from collapse import vae
results, again = vae.load_results(), vae.rerun_checks()
print(json.dumps({
    "capability": processor_fingerprint()["torch_cpu_capability"],
    "same_processor": same_processor(results["made_on"]),
    "disagreements": {name: rerun_disagreements(stored, again[name]) for name, stored in results["checks"].items()},
    "identical": all(again[name][metric].tolist() == values for name, stored in results["checks"].items()
                     for metric, values in stored.items()),
}))
"""


def _capability_levels() -> list[str]:
    """The levels of torch's vectorised CPU kernels this processor can run, from plain code up to its best: forcing a
    level the processor lacks (AVX-512 on an AVX2-only CPU) does not fall back, it dies of an illegal instruction."""
    import torch

    levels = ["default", "avx2", "avx512"]
    best = torch.backends.cpu.get_cpu_capability().lower()
    return levels[: levels.index(best) + 1] if best in levels else ["default"]


@pytest.mark.parametrize("level", _capability_levels())
def test_stored_check_runs_hold_under_every_cpu_capability_level(level):
    # torch picks its vectorised kernels by the processor's instructions; ATEN_CPU_CAPABILITY forces a level. Each
    # level this processor has stands for another processor here: the re-run must agree within seed noise, and be
    # identical whenever the fingerprint matches the file's.
    done = subprocess.run([sys.executable, "-c", RERUN_UNDER_CAPABILITY], capture_output=True, text=True,
                          env={**os.environ, "ATEN_CPU_CAPABILITY": level}, cwd=ROOT, check=True)
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["capability"] in ("DEFAULT", "AVX2", "AVX512")
    assert report["disagreements"] == {name: [] for name in DATASETS}, report
    if report["same_processor"]:
        assert report["identical"], report


def test_the_check_detects_a_changed_experiment(results):
    # The "anywhere" check must be able to fail: a run with fewer epochs is another experiment.
    stored = results["checks"]["ring"]
    changed = experiment(**{**CHECKS["ring"], "epochs": 1}).history.metrics
    assert rerun_disagreements(stored, changed) != []


def test_stored_results_cover_every_setting_the_page_offers(results):
    settings = results["settings"]
    for name, data in DATASETS.items():
        for regime in STATIC.regimes:
            run = results["runs"][name][regime]
            for metric, _ in data.metrics.values():
                assert np.shape(run["metrics"][metric]) == (settings["generations"], settings["seeds"])
            per_generation = np.bincount([record["generation"] for record in run["samples"]])
            expected = data.shown if name == "digits" else 1  # digits: one record per image; ring: one per generation
            assert per_generation.tolist() == [expected] * (settings["generations"] + 1)
    assert RESULTS.stat().st_size < 300_000


def test_static_chart_binds_dataset_and_generation(results):
    spec = vae.static_chart(results).to_dict()
    bound = {param["name"]: param["bind"] for param in spec["params"]}
    assert set(bound) == {"dataset", "generation"}
    assert bound["dataset"]["options"] == list(DATASETS)
    assert (bound["generation"]["min"], bound["generation"]["max"]) == (0, results["settings"]["generations"])
    text = json.dumps(spec)
    assert "datum.dataset == dataset" in text and "datum.generation == generation" in text
    assert len(text) < 1_000_000


def test_static_chart_titles_fit_and_stray_ring_points_are_clipped(results):
    for data in DATASETS.values():  # the four panels' titles, for each dataset the menu offers
        assert all(len(title) <= 40 for _, title in data.metrics.values())
    def marks(node):
        if isinstance(node, dict):
            if isinstance(node.get("mark"), dict):
                yield node["mark"]
            for value in node.values():
                yield from marks(value)
        elif isinstance(node, list):
            for value in node:
                yield from marks(value)

    circles = [mark for mark in marks(vae.static_chart(results).to_dict()) if mark["type"] == "circle"]
    # a point drawn outside the ring's square would push that panel's title out of line with its neighbour's
    assert circles and all(mark.get("clip") is True for mark in circles)


def test_image_grid_and_ring_grid_facet_by_generation_and_regime(results):
    grid = vae.image_grid(results).to_dict()
    assert grid["facet"]["row"]["field"] == "generation" and grid["facet"]["column"]["field"] == "regime"
    shown = {(row["regime"], row["generation"]) for row in grid["data"]["values"]} if "values" in grid["data"] \
        else {(row["regime"], row["generation"]) for row in next(iter(grid["datasets"].values()))}
    assert shown == {(regime, g) for regime in STATIC.regimes for g in (0, 1, 2, 3, 4, 6, 8, 10)}
    ring = vae.ring_grid(results).to_dict()
    assert ring["facet"]["column"]["field"] == "generation" and ring["facet"]["row"]["field"] == "regime"


def test_stored_runs_show_replace_collapsing_and_accumulate_holding_on(results):
    # what the chapter's prose says, checked on the numbers it quotes
    last = results["settings"]["generations"]
    replace = mean_metric(results, "digits", "replace", "classes_covered")
    accumulate = mean_metric(results, "digits", "accumulate", "classes_covered")
    assert replace[0] >= 9.5 and replace[last - 1] <= 2 and accumulate[last - 1] >= 4
    ring_replace = mean_metric(results, "ring", "replace", "modes_covered")
    ring_accumulate = mean_metric(results, "ring", "accumulate", "modes_covered")
    assert ring_replace[-1] < ring_accumulate[-1]


# --- the engine's settings and stored-run tables (collapse.vae) ---------------------------------------------------
@pytest.mark.parametrize("values, message", [
    (dict(generations=MAX_LIVE_GENERATIONS + 1),
     f"generations must be a whole number from 1 to {MAX_LIVE_GENERATIONS}"),
    (dict(latent_size=3), "latent_size must be one of 1, 2, 4, 8, 16, 32"),
    (dict(epochs=7), "epochs must be one of 5, 10"),
    (dict(real_share=1.5), "real_share must be a number from 0 to 1"),
    (dict(seed=1.5), "seed must be a whole number"),
])
def test_settings_refuse_values_outside_the_panels_ranges(values, message):
    with pytest.raises(ValueError, match=message):
        VAESettings(**values)


def test_the_run_button_refuses_bad_settings_before_the_progress_bar_starts(panel):
    panel.controls["generations"].value = 2
    panel.controls["seed"].value = -1
    panel.button.click()
    assert "seed must be" in panel.message.value and panel.progress.value == 0


def test_stored_history_is_the_stored_runs_and_the_registry_reads_it(results):
    history = stored_history("digits", "accumulate")
    assert (history.generations, history.seeds) == (STATIC.generations, STATIC.seeds)
    np.testing.assert_array_equal(history.metric("classes_covered").mean(axis=1),
                                  mean_metric(results, "digits", "accumulate", "classes_covered"))
    from_registry = model_entry("vae").stored_history("replace")
    replace = stored_history("digits", "replace")
    assert from_registry.metrics.keys() == replace.metrics.keys()
    for name, values in replace.metrics.items():
        np.testing.assert_array_equal(from_registry.metric(name), values, err_msg=name)
    assert not np.array_equal(history.metric("classes_covered"), replace.metric("classes_covered"))


def test_stored_runs_refuse_a_regime_or_dataset_that_was_not_stored():
    assert_refuses_unknown_name(lambda name: stored_history("digits", name), "regime", STATIC.regimes,
                                unknown="fresh-mix")
    assert_refuses_unknown_name(lambda name: stored_history(name, "replace"), "dataset", DATASETS, unknown="faces")


def test_stored_live_tables_hold_seed_zero_of_the_stored_run():
    tables = stored_live_tables("digits", "replace")
    assert set(tables.metrics["seed"]) == {0}
    assert sorted(set(tables.metrics["generation"])) == list(range(STATIC.generations + 1))
    assert tables.samples.groupby("generation").size().tolist() == [LIVE_DIGITS] * (STATIC.generations + 1)
    covered = stored_history("digits", "replace").metric("classes_covered")[:, 0]
    np.testing.assert_array_equal(tables.covered, covered)
