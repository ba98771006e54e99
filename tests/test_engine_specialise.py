"""Specialist and general Markov models on the First Folio's kinds of play, and the letter-counting quiz."""

import numpy as np
import pytest

from collapse import specialise, tools
from collapse.text import HELDOUT_PLAYS, load_corpus


@pytest.fixture(scope="module")
def split():
    return specialise.domain_split()


def test_every_play_is_in_exactly_one_domain_or_outside_the_folio():
    listed = [play for plays in specialise.FIRST_FOLIO.values() for play in plays] + list(
        specialise.OUTSIDE_FIRST_FOLIO)
    assert sorted(listed) == sorted(load_corpus().plays)
    assert len(set(listed)) == len(listed) == 38
    assert [len(plays) for plays in specialise.FIRST_FOLIO.values()] == [14, 10, 12]  # the Folio's 36 plays


def test_no_held_out_text_is_trained_on(split):
    corpus = load_corpus()
    for domain, plays in specialise.FIRST_FOLIO.items():
        trained = [p for p in plays if p not in HELDOUT_PLAYS]
        judged = [p for p in plays if p in HELDOUT_PLAYS]
        assert judged, domain
        # the domain's training passages are exactly its training plays, in order
        expected = np.concatenate([specialise.to_passages(corpus.plays[p]) for p in trained])
        np.testing.assert_array_equal(split.training[domain], expected)
        expected = np.concatenate([specialise.to_passages(corpus.plays[p]) for p in judged])
        np.testing.assert_array_equal(split.heldout[domain], expected)
    general = np.concatenate([specialise.to_passages(s) for p, s in corpus.plays.items() if p not in HELDOUT_PLAYS])
    np.testing.assert_array_equal(split.training[specialise.GENERAL], general)
    # and the held-out plays' streams are not the training streams: no passage is shared
    trained = {row.tobytes() for row in split.training[specialise.GENERAL]}
    for domain in specialise.DOMAINS:
        assert not any(row.tobytes() in trained for row in split.heldout[domain])


def test_a_domain_with_no_held_out_play_is_refused():
    with pytest.raises(ValueError, match="histories have no held-out play"):
        specialise.DomainSplit(load_corpus(), heldout_plays=("hamlet", "the-tempest"))


def test_budget_draws_whole_passages_without_replacement(split):
    rows = specialise.draw_budget(split.training["comedies"], 20_000, 3, np.random.default_rng(0))
    assert rows.shape == (3, 200, specialise.TOKENS_PER_ROW)
    for seed_rows in rows:
        assert len({row.tobytes() for row in seed_rows}) == 200


def test_runs_are_reproducible_and_seeds_differ():
    first = specialise.heldout_bits("tragedies", 20_000, order=2, seeds=2, seed=5)
    specialise.heldout_probabilities.cache_clear()
    again = specialise.heldout_bits("tragedies", 20_000, order=2, seeds=2, seed=5)
    for domain in specialise.DOMAINS:
        np.testing.assert_array_equal(first[domain], again[domain])
        assert not np.array_equal(first[domain][0], first[domain][1])


@pytest.mark.parametrize("call, message", [
    (lambda: specialise.heldout_bits("poems"), "trained_on must be one of"),
    (lambda: specialise.heldout_bits("histories", 10_000_000), r"budget_tokens must be .*histories training plays"),
    (lambda: specialise.heldout_bits("histories", 50, order=2), "budget_tokens must be a whole number from 100"),
    (lambda: specialise.heldout_bits("histories", 10_000, order=5), "order must be a whole number from 1 to 4"),
    (lambda: specialise.tailored_bits("histories", share=1.5), "share must be a number from 0 to 1"),
    (lambda: specialise.heldout_bits("histories", 10_000, seed=-1), "seed must be a whole number of at least 0"),
    (lambda: tools.split_words(["a", "b"], 0.0, seed=0), "leaves no training or no test words"),
    (lambda: tools.split_words(["a", "b", "c"], 0.5, seed=-2), "seed must be a whole number of at least 0"),
    (lambda: tools.train(["tempest"], order=0), "order must be a whole number from 1"),
])
def test_bad_input_says_what_is_allowed(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_specialists_pay_outside_their_domain():
    """Judged on the other kinds of play (their held-out passages pooled), a specialist is worse than a general model
    with the same budget, by more than five standard errors of the paired difference. (Pair by pair the price ranges
    from about 0.02 bits, tragedies judged on comedies, to about 0.2; the chapter quotes the range.)"""
    for domain in specialise.DOMAINS:
        budget = specialise.domain_split().max_budget(domain)
        own = specialise.heldout_bits(domain)
        general = specialise.heldout_bits(specialise.GENERAL, budget, seeds=3)
        others = [judged for judged in specialise.DOMAINS if judged != domain]
        saved, error = specialise.paired_difference(np.concatenate([general[j] for j in others], axis=1),
                                                    np.concatenate([own[j] for j in others], axis=1))
        assert saved > 5 * error, (domain, saved, error)


def test_at_equal_budget_the_specialist_is_level_on_its_domain_and_more_data_wins():
    """The chapter's finding: at the same budget the specialist is within five standard errors of the general
    model on its own kind of play; the general model with all the data, and the tailored model, beat it by more."""
    for domain in specialise.DOMAINS:
        budget = specialise.domain_split().max_budget(domain)
        own = specialise.heldout_bits(domain)[domain]
        same = specialise.heldout_bits(specialise.GENERAL, budget, seeds=3)[domain]
        everything = specialise.heldout_bits(specialise.GENERAL)[domain]
        tailored = specialise.tailored_bits(domain)[domain]
        saved, error = specialise.paired_difference(own, same)
        assert abs(saved) < 5 * error, (domain, saved, error)
        saved, error = specialise.paired_difference(everything, own)
        assert saved > 5 * error, (domain, saved, error)
        saved, error = specialise.paired_difference(tailored, everything)
        assert saved > 5 * error, (domain, saved, error)


def test_paired_difference_averages_seeds_then_passages():
    bits = np.array([[1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])  # seed-averaged: 2, 2, 2
    rival = np.array([[3.0, 4.0, 2.0]])
    saved, error = specialise.paired_difference(bits, rival)
    assert saved == pytest.approx(1.0)
    assert error == pytest.approx(np.std([1.0, 2.0, 0.0], ddof=1) / np.sqrt(3))


# --- the counting quiz ------------------------------------------------------------------------------------------
def test_the_tool_counts_letters_exactly():
    assert tools.count_letters("tempest") == 7
    assert tools.count_letters("appear'd") == 7
    assert all(tools.count_letters(word) == len(word) for word in tools.corpus_words())


def test_training_lines_round_trip():
    ids = tools.encode("yonder", 6)
    assert "".join(tools.CHARACTERS[i] for i in ids[:-1]) == "yonder=6"
    assert tools.parse_answer(ids[7:-1]) == 6
    assert tools.parse_answer([tools.CHARACTER_ID["a"]]) is None
    assert tools.parse_answer([]) is None


def test_words_are_split_without_overlap():
    words = tools.corpus_words()
    training, test = tools.split_words(words, 0.2, seed=3)
    assert not set(training) & set(test)
    assert sorted(training + test) == sorted(words)
    assert len(test) == round(0.2 * len(words))


def test_the_model_answers_parse_and_fall_far_short_of_the_tool():
    for order in (2, 3, 4):
        quiz = tools.counting_quiz(order, seed=1)
        assert quiz["answers that parse"] == 1.0
        assert quiz["tool"] == 1.0
        # a context of at most three characters cannot see a word's length: far from exact
        assert quiz["model"] < 0.5


def test_a_model_that_has_learned_the_answers_gives_them_back():
    """Answering reads the model correctly: asked about its own training words with a context that covers them,
    the model repeats what it was taught (the failure on held-out words is the model's, not the reader's)."""
    words = ["ab", "cd", "xyz"]
    model, tables = tools.train(words, order=4)
    assert tools.answer(model, tables, words) == [2, 2, 3]
