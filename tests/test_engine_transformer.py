"""The tiny transformer: the network's shapes and causality, its fit and its writing, what each regime feeds it,
its input checks, and the stored runs (the headline result, and the cheap check re-run on this processor)."""

import math

import numpy as np
import pytest
import torch

from collapse import make_regime, simulate
from collapse.chars import NEWLINE, SYMBOLS, VOCABULARY_SIZE, CharSource, clean_line, decode, encode, words_of
from collapse.models.transformer import GPT, GPTConfig, GPTModel
from collapse.stored import rerun_disagreements, same_processor
from collapse.transformer import (LIVE_SECONDS, MEASURES, STORED, WRITING_MEASURES, TransformerPanelSettings,
                                  TransformerSettings, experiment, load_results, rerun_checks, settings_record,
                                  stored_frame, stored_history, stored_real)

TINY = GPTConfig(context=16, d_model=32, heads=2, blocks=1, epochs=1, warmup_steps=5)
SOURCE = CharSource(TINY.context)


def network(config=TINY, seed=0):
    return GPT(config, torch.Generator().manual_seed(seed)).eval()


def real_rows(seeds=1, rows=200, seed=0):
    return SOURCE.draw(seeds, rows, np.random.default_rng(seed))


# --- the network ----------------------------------------------------------------------------------------------
def test_shapes():
    ids = torch.from_numpy(real_rows(rows=5)[0].astype(np.int64))  # (5, 16)
    logits, cache = network()(ids)
    assert logits.shape == (5, TINY.context, VOCABULARY_SIZE)
    assert len(cache) == TINY.blocks and cache[0][0].shape == (5, TINY.heads, TINY.context,
                                                              TINY.d_model // TINY.heads)
    model = GPTModel(TINY)
    params = model.fit([real_rows(seeds=2, rows=64)], np.random.default_rng(0))
    written = model.sample(params, 7, np.random.default_rng(1))
    assert written.shape == (2, 7, TINY.context) and written.dtype == np.uint8
    assert model.score(params, SOURCE.heldout(30)).shape == (2,)
    assert all(values.shape == (2,) for values in model.describe(params).values())
    assert all(values.shape == (2,) for values in model.describe_output(params, written).values())


@pytest.mark.parametrize("changed", [0, 5, 15])
def test_a_change_at_position_t_never_changes_the_outputs_before_t(changed):
    net = network()
    ids = torch.from_numpy(real_rows(rows=4)[0].astype(np.int64))
    altered = ids.clone()
    altered[:, changed] = (altered[:, changed] + 7) % VOCABULARY_SIZE
    before, _ = net(ids)
    after, _ = net(altered)
    assert torch.equal(before[:, :changed], after[:, :changed])
    assert not torch.allclose(before[:, changed:], after[:, changed:])


def test_writing_with_the_cache_computes_what_the_whole_passage_does():
    net = network()
    ids = torch.from_numpy(real_rows(rows=3)[0].astype(np.int64))
    whole, _ = net(ids)
    cache, steps = None, []
    for position in range(TINY.context):
        logits, cache = net(ids[:, position : position + 1], cache)
        steps.append(logits)
    torch.testing.assert_close(torch.cat(steps, dim=1), whole, atol=1e-5, rtol=1e-5)


# --- fitting and writing --------------------------------------------------------------------------------------
def test_the_loss_falls_on_real_text_over_a_short_fit():
    model = GPTModel(GPTConfig(**{**TINY.to_dict(), "epochs": 3}))
    heldout = SOURCE.heldout(300)
    untrained = GPTModel(TINY, epoch_rows=1)  # one Adam step: still the initial guess, every symbol alike
    start = untrained.score(untrained.fit([real_rows(rows=1_000)], np.random.default_rng(0)), heldout)
    after = model.score(model.fit([real_rows(rows=1_000)], np.random.default_rng(0)), heldout)  # 94 steps
    assert start[0] == pytest.approx(math.log(VOCABULARY_SIZE), abs=0.1)
    assert after[0] < start[0] - 0.5  # 0.7 bits per character below 36 equally likely symbols


def test_sampled_text_uses_only_the_vocabulary():
    model = GPTModel(TINY)
    params = model.fit([real_rows(rows=200)], np.random.default_rng(0))
    for temperature in (0.5, 1.0, 2.0):
        hot = GPTModel(GPTConfig(**{**TINY.to_dict(), "temperature": temperature}))
        written = hot.sample(params, 50, np.random.default_rng(1))
        assert written.min() >= 0 and written.max() < VOCABULARY_SIZE
        assert set(decode(written)) <= set(SYMBOLS)


def test_the_same_seed_gives_the_same_samples():
    def run():
        model = GPTModel(TINY)
        params = model.fit([real_rows(rows=200)], np.random.default_rng(5))
        return model.sample(params, 40, np.random.default_rng(7))
    assert np.array_equal(run(), run())


def test_the_epochs_rule_and_the_equal_steps_rule():
    assert GPTModel(TINY).steps_for(1_000) == math.ceil(TINY.epochs * 1_000 / TINY.batch_size)
    assert GPTModel(TINY).steps_for(2_880) == 3 * GPTModel(TINY).steps_for(960)  # the pool's passes are fixed
    assert GPTModel(TINY, epoch_rows=960).steps_for(2_880) == GPTModel(TINY).steps_for(960)  # equal steps


# --- what each regime feeds it --------------------------------------------------------------------------------
class Recording(GPTModel):
    """The GPT, remembering every training set its fits were given and every block it wrote."""

    def __init__(self, config):
        super().__init__(config)
        object.__setattr__(self, "training_sets", [])
        object.__setattr__(self, "written", [])

    def fit(self, summaries, rng=None):
        self.training_sets.append(np.concatenate(summaries, axis=1))
        return super().fit(summaries, rng)

    def sample(self, params, rows, rng):
        self.written.append(super().sample(params, rows, rng))
        return self.written[-1]


@pytest.mark.parametrize("regime", ["replace", "accumulate", "accumulate-subsample"])
def test_the_regimes_feed_it_exactly_the_rows_they_should(regime):
    rows, generations = 40, 3
    model = Recording(GPTConfig(**{**TINY.to_dict(), "epochs": 0.5}))
    simulate(model, SOURCE, make_regime(regime, cap=rows), generations=generations, samples_per_generation=rows,
             seeds=2, heldout_rows=20)
    real, (first, second, _) = model.training_sets[0], model.written
    assert real.shape == (2, rows, TINY.context)
    if regime == "replace":
        assert np.array_equal(model.training_sets[1], first) and np.array_equal(model.training_sets[2], second)
    elif regime == "accumulate":
        assert np.array_equal(model.training_sets[2], np.concatenate([real, first, second], axis=1))
    else:  # rows passages drawn without replacement from the pool of real, first and second
        pool = np.concatenate([real, first, second], axis=1)
        for seed in range(2):
            drawn = {row.tobytes() for row in model.training_sets[2][seed]}
            assert len(model.training_sets[2][seed]) == rows and drawn <= {row.tobytes() for row in pool[seed]}


# --- characters -----------------------------------------------------------------------------------------------
def test_characters_are_cleaned_to_the_alphabet_and_round_trip():
    assert clean_line("What, ho!  _Aside_ [Enter] — 'Tis 2 & 3") == "what, ho! aside enter - 'tis"
    text = "to be, or not to be: that is the question;\n"
    assert decode(encode(text)) == text and encode("\n")[0] == NEWLINE
    with pytest.raises(ValueError, match="36 symbols"):
        encode("Caps")
    passage = real_rows(rows=1)[0]
    assert words_of(encode("the king is dea")[None]) == ["the", "king", "is"]  # a cut last word is left out
    assert passage.shape == (1, TINY.context)


# --- input checks ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("settings, error, names", [
    (dict(d_model=30, heads=4), ValueError, "d_model must be a multiple of heads"),
    (dict(dropout=0.1), ValueError, "dropout"),
    (dict(context="32"), TypeError, "context must be a whole number"),
    (dict(context=1), ValueError, "context"),
    (dict(learning_rate=0), ValueError, "learning_rate"),
    (dict(epochs=-1), ValueError, "epochs"),
    (dict(temperature=0), ValueError, "temperature"),
    (dict(device="tpu"), ValueError, "device must be one of"),
    (dict(threads=0), ValueError, "threads"),
])
def test_bad_config_values_get_clear_errors(settings, error, names):
    with pytest.raises(error, match=names):
        GPTConfig(**settings)


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match="epoch_rows"):
        GPTModel(TINY, epoch_rows=0)
    with pytest.raises(TypeError, match="config must be a GPTConfig"):
        GPTModel({"context": 16})
    with pytest.raises(ValueError, match=r"rows must be shaped \(seeds, rows, context=16\)"):
        GPTModel(TINY).summarise(np.zeros((1, 3, 8), dtype=np.uint8))
    with pytest.raises(ValueError, match="character ids from 0 to 35"):
        GPTModel(TINY).summarise(np.full((1, 3, 16), 40))
    with pytest.raises(ValueError, match="budget must be one of"):
        TransformerSettings(budget="steps")
    with pytest.raises(ValueError, match="heldout_rows"):
        CharSource(32).heldout(1_000_000)


# --- the stored runs ------------------------------------------------------------------------------------------
def test_the_stored_results_were_made_with_the_settings_the_code_has_now():
    assert load_results()["settings"] == settings_record()


def heldout_change(regime):
    """(last generation's mean - first's, its standard error over seeds) of held-out bits per character."""
    values = np.array(load_results()["runs"][regime]["measures"]["heldout_bits_per_char"])  # (generations, seeds)
    first, last = values[0], values[-1]
    error = math.sqrt((first.var(ddof=1) + last.var(ddof=1)) / values.shape[1])
    return last.mean() - first.mean(), error


def test_replace_collapses_while_accumulate_holds_on_the_stored_runs():
    rise, error = heldout_change("replace")
    assert rise > 3 * error
    rise, error = heldout_change("accumulate")
    assert rise <= 3 * error


def test_the_stored_runs_took_the_steps_of_their_budget_rule():
    runs, rows = load_results()["runs"], STORED.passages_per_generation
    pool = {"replace": [1] * STORED.generations, "accumulate-subsample": [1] * STORED.generations,
            "accumulate": range(1, STORED.generations + 1)}  # generations' worth of passages each trains on
    for regime, blocks in pool.items():
        expected = [STORED.model().steps_for(count * rows) for count in blocks]
        assert (np.array(runs[regime]["measures"]["steps"]) == np.array(expected)[:, None]).all()


def test_the_stored_check_reruns_the_same_here():
    results = load_results()
    rerun = rerun_checks()
    if same_processor(results["made_on"]):
        assert {name: np.asarray(values).tolist() for name, values in rerun.items()} == results["check"]
    assert rerun_disagreements(results["check"], rerun) == []


# --- the step count a progress bar follows, and the live panel's settings -------------------------------------------
def test_planned_steps_are_the_steps_the_stored_runs_took():
    runs = load_results()["runs"]
    for regime in STORED.regimes:
        assert STORED.planned_steps(regime) == np.sum(runs[regime]["measures"]["steps"]), regime


def test_step_progress_counts_every_step_of_the_run_and_changes_no_number():
    settings = TransformerSettings(characters_per_generation=1_600, generations=2, seeds=2, regimes=("accumulate",),
                                   heldout_rows=50, shown_passages=2, config=TINY)
    counted = []
    watched = experiment(settings, "accumulate", step_progress=counted.append)
    assert counted == list(range(1, settings.planned_steps("accumulate") + 1))
    unwatched = experiment(settings, "accumulate")
    for name, values in unwatched.measures.items():
        np.testing.assert_array_equal(watched.measures[name], values, err_msg=name)


def test_panel_settings_keep_runs_within_the_budget():
    default = TransformerPanelSettings()
    assert default.estimated_seconds() <= LIVE_SECONDS
    assert default.engine_settings().heldout_rows == STORED.heldout_rows  # scored as the stored runs are
    with pytest.raises(ValueError, match=f"the panel starts runs of up to about {LIVE_SECONDS} s"):
        TransformerPanelSettings(characters_per_generation=200_000, epochs=8, generations=4)
    with pytest.raises(ValueError, match="regime must be one of 'replace', 'accumulate', 'accumulate-subsample'"):
        TransformerPanelSettings(regime="fresh-mix")


def test_stored_history_holds_every_stored_measure_and_refuses_other_regimes():
    for regime in STORED.regimes:
        history = stored_history(regime)
        assert (history.generations, history.seeds) == (STORED.generations, STORED.seeds)
        assert set(MEASURES) <= set(history.metrics)
        np.testing.assert_array_equal(history.metric("heldout_bits_per_char"),
                                      load_results()["runs"][regime]["measures"]["heldout_bits_per_char"])
    with pytest.raises(ValueError, match="regime must be one of 'replace', 'accumulate', 'accumulate-subsample'"):
        stored_history("fresh-mix")


def test_stored_frame_has_real_text_at_generation_zero_for_the_writing_measures_only():
    frame = stored_frame()
    assert set(frame["regime"]) == set(STORED.regimes) and set(frame["measure"]) == set(MEASURES)
    first = frame.groupby("measure")["generation"].min()
    assert all(first[name] == (0 if name in WRITING_MEASURES else 1) for name in MEASURES)
    real = frame[frame["generation"] == 0]
    assert all(real[real["measure"] == name]["value"].eq(value).all() for name, value in stored_real().items()
               if name in WRITING_MEASURES)
