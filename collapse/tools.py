"""A statistical model asked to count, and a tool that counts.

The n-gram model reads and writes letters here: it trains on lines such as "tempest=7" (a real word from the plays,
then how many letters it has) and is asked to finish "yonder=" for words it never saw. It answers greedily, taking
the most probable next character under its smoothed distribution until it ends the line. A context of at most three
characters cannot see how long a word is, so it guesses from the word's last letters. The tool, `count_letters`,
is exact by construction. `counting_quiz` scores the model, a baseline and the tool on held-out words;
`counting_table` gathers the quiz for several orders, the table the chapter's chart draws.
"""

from __future__ import annotations

import functools
import re
import string

import numpy as np
import pandas as pd

from collapse._checks import InputTypeError, check_fraction, check_instance, check_int, describe
from collapse.models.ngram import MAX_ORDER, NgramModel, NgramTables
from collapse.text import END_OF_LINE, SPECIAL_TOKENS, load_corpus

EQUALS = "="  # separates the word from its count
CHARACTERS = tuple(SPECIAL_TOKENS) + tuple(string.ascii_lowercase) + tuple(string.digits) + (EQUALS,)
CHARACTER_ID = {character: i for i, character in enumerate(CHARACTERS)}
MAX_ANSWER_CHARACTERS = 3  # the longest word has two digits of letters, then the line ends
TEST_SHARE = 0.2  # the share of the words held back from training, to be asked about


def count_letters(word: str) -> int:
    """The tool: how many letters the word has."""
    check_instance("word", word, str, "a word, a string")
    return sum(character.isalpha() for character in word)


def corpus_words() -> tuple[str, ...]:
    """Every word of the training plays made of letters alone (no apostrophes or hyphens), in vocabulary order."""
    return tuple(token for token in load_corpus().vocabulary if re.fullmatch(r"[a-z]+", token))


def encode(word: str, answer: int | None = None) -> list[int]:
    """Character ids of "word=" (a question), or of "word=answer" and the line end (a training line)."""
    check_instance("word", word, str, "lower-case letters a-z, a string")
    if answer is not None:
        answer = check_int("answer", answer, 0, why="a count of letters")
    if not re.fullmatch(r"[a-z]+", word):
        raise ValueError(f"a word must be lower-case letters a-z, at least one; got {word!r}.")
    text = f"{word}{EQUALS}" + ("" if answer is None else str(answer))
    return [CHARACTER_ID[character] for character in text] + ([] if answer is None else [END_OF_LINE])


def parse_answer(ids) -> int | None:
    """The number a model wrote, or None if what it wrote is not a whole number."""
    ids = [check_int("ids", i, 0, len(CHARACTERS) - 1, why="character ids") for i in ids]
    text = "".join(CHARACTERS[i] for i in ids)
    return int(text) if text.isdigit() else None


def split_words(words, test_share: float, seed: int) -> tuple[list[str], list[str]]:
    """A seeded split of the words into training and test words: no test word is ever trained on."""
    if isinstance(words, str) or not hasattr(words, "__len__"):
        raise InputTypeError(f"words must be a list of words; got {describe(words)}.")
    check_fraction("test_share", test_share)
    seed = check_int("seed", seed, 0)
    order = np.random.default_rng(seed).permutation(len(words))
    cut = len(words) - int(round(test_share * len(words)))
    if cut < 1 or cut == len(words):
        raise ValueError(f"test_share {test_share} leaves no training or no test words out of {len(words):,}.")
    return [words[i] for i in order[:cut]], [words[i] for i in order[cut:]]


def train(words, order: int) -> tuple[NgramModel, NgramTables]:
    """Fit a character n-gram model to one "word=count" line per word."""
    if isinstance(words, str) or not hasattr(words, "__len__") or len(words) == 0:
        raise InputTypeError(f"words must be a non-empty list of words; got {describe(words)}.")
    model = NgramModel(order, len(CHARACTERS))  # it only reads and answers here, so its passage length is unused
    stream = np.array([i for word in words for i in encode(word, count_letters(word))], dtype=np.int32)
    return model, model.fit([model.summarise(stream[None, None])])[0]


def answer(model: NgramModel, tables: NgramTables, words) -> list[int | None]:
    """The model's greedy answers to "word=" for each word: all words advance one character per step."""
    check_instance("model", model, NgramModel, "the NgramModel that train returned")
    check_instance("tables", tables, NgramTables, "the NgramTables that train returned")
    if isinstance(words, str) or not hasattr(words, "__len__") or len(words) == 0:
        raise InputTypeError(f"words must be a non-empty list of words; got {describe(words)}.")
    questions = [encode(word) for word in words]
    width = max(map(len, questions)) + MAX_ANSWER_CHARACTERS
    # left-padding with line ends is exact: a context never reaches back past the start of its line
    rows = np.full((len(words), width), END_OF_LINE, dtype=np.int64)
    for row, question in zip(rows, questions):
        row[width - MAX_ANSWER_CHARACTERS - len(question): width - MAX_ANSWER_CHARACTERS] = question
    written = np.empty((len(words), MAX_ANSWER_CHARACTERS), dtype=np.int64)
    candidates = np.arange(len(CHARACTERS))
    for step in range(MAX_ANSWER_CHARACTERS):
        end = width - MAX_ANSWER_CHARACTERS + step
        context = rows[:, end - model.order + 1: end] if model.order > 1 else rows[:, :0]
        # every candidate next character after each context: shape (words, characters, order)
        grams = np.concatenate([np.broadcast_to(context[:, None], (len(words), candidates.size, context.shape[1])),
                                np.broadcast_to(candidates[None, :, None], (len(words), candidates.size, 1))], axis=2)
        probabilities = model.probabilities(tables, model.keys(grams)[..., -1])
        written[:, step] = rows[:, end] = probabilities.argmax(axis=1)
    answers = []
    for ids in written:
        line_end = np.flatnonzero(ids == END_OF_LINE)
        answers.append(parse_answer(ids[: line_end[0]]) if line_end.size else None)
    return answers


@functools.lru_cache(maxsize=16)
def counting_quiz(order: int = 3, test_share: float = TEST_SHARE, seed: int = 0) -> dict[str, float]:
    """Share of held-out words whose letters are counted right: by the model, by always giving the commonest length
    of the training words, and by the tool; and the share of the model's answers that are numbers at all."""
    check_int("order", order, 1, MAX_ORDER)
    training, test = split_words(corpus_words(), test_share, seed)
    model, tables = train(training, order)
    truth = np.array([len(word) for word in test])  # every word is letters alone
    answers = answer(model, tables, test)
    commonest = np.bincount([count_letters(word) for word in training]).argmax()
    return {"model": float(np.mean([a == t for a, t in zip(answers, truth)])),
            "commonest length": float(np.mean(truth == commonest)),
            "tool": float(np.mean([count_letters(word) == t for word, t in zip(test, truth)])),
            "answers that parse": float(np.mean([a is not None for a in answers])),
            "test words": len(test)}


ANSWERERS = ("model", "commonest length", "tool")  # who answers the quiz, as counting_quiz names them
COUNTING_ORDERS = (2, 3, 4)  # the orders of the character model the chapter compares


def counting_table(orders: tuple[int, ...] = COUNTING_ORDERS, seed: int = 0) -> pd.DataFrame:
    """The share of held-out words each answerer counts right, per order of the model: columns order, answerer,
    correct."""
    rows = []
    for order in orders:
        quiz = counting_quiz(order, seed=seed)
        rows += [{"order": order, "answerer": name, "correct": quiz[name]} for name in ANSWERERS]
    return pd.DataFrame(rows)
