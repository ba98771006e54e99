"""Chapter "Mode collapse you can see": a VAE retrained on its own samples, as stored results, charts and a panel.

Training takes seconds, so the static page is drawn from results precomputed into data/vae_results.json by

    python -m widgets.vae precompute      # about two minutes on two cores

and tests/test_panel_vae.py checks that the stored results were made with the settings the code has now. The live
panel trains in the reader's kernel when its Run button is pressed.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import altair as alt
import numpy as np
import pandas as pd

from collapse import make_regime, simulate
from collapse._checks import check_choice, check_int
from collapse.images import (COVERED_SHARE, GREY_LEVELS, HELDOUT_SHARE, SPLIT_SEED, DigitMeasures, DigitsSource,
                             RingMeasures, RingSource, load_digits)
from collapse.models.vae import VAEConfig, VAEModel
from collapse.stored import processor_fingerprint
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import REGIME_LABELS, RunPanel

RESULTS = Path(__file__).resolve().parents[1] / "data" / "vae_results.json"
PRECOMPUTE_COMMAND = "python -m widgets.vae precompute"


@dataclass(frozen=True)
class Dataset:
    """One real world the VAE learns from, with the model settings and measures that suit it."""

    label: str
    source: object  # draw(seeds, rows, rng) and heldout(rows, rng)
    config: VAEConfig
    measures: Callable[[np.ndarray], dict]
    samples_per_generation: int
    heldout_rows: int
    metrics: dict[str, tuple[str, str]]  # chart panel -> (the metric the engine records, its title)
    shown: int  # samples of each generation kept for display

    def settings(self) -> dict:
        """Everything that decides this dataset's numbers, as plain JSON values."""
        return {"source": {"type": type(self.source).__name__, **dataclasses.asdict(self.source)},
                "config": self.config.to_dict(), "measures": {"type": type(self.measures).__name__,
                                                              **dataclasses.asdict(self.measures)},
                "samples_per_generation": self.samples_per_generation, "heldout_rows": self.heldout_rows,
                "shown": self.shown}


DATASETS = {
    "digits": Dataset(
        "handwritten digits", DigitsSource(), VAEConfig(), DigitMeasures(), samples_per_generation=1_000,
        heldout_rows=359, shown=16,
        metrics={"covered": ("classes_covered", "digit classes covered (of 10)"),
                 "entropy": ("class_entropy_bits", "entropy of the digit classes, bits"),
                 "spread": ("latent_spread", "spread of codes, generation-0 encoder"),
                 "loss": ("heldout_loss", "held-out −ELBO, nats per image")}),
    "ring": Dataset(
        "ring of 8 Gaussians", RingSource(), VAEConfig(latent_size=2, batch_size=64, decoder="gaussian"),
        RingMeasures(), samples_per_generation=1_000, heldout_rows=1_000, shown=250,
        metrics={"covered": ("modes_covered", "modes covered (of 8)"),
                 "entropy": ("mode_entropy_bits", "entropy of the modes, bits"),
                 "spread": ("near_mode_share", "share of points near a mode"),
                 "loss": ("heldout_loss", "held-out −ELBO, nats per point")}),
}
PANELS = ("covered", "entropy", "spread", "loss")
RING_VIEW = 1.8  # the ring's samples are drawn in the square [-1.8, 1.8]^2
REAL_OR_GENERATION = "datum.value == 0 ? 'real' : 'gen. ' + datum.value"  # facet headers: generation 0 is real data
REAL_DRAW_SEED = 0  # the draw of real ring points that the measures of real data are taken on


def dataset(name: str) -> Dataset:
    return DATASETS[check_choice("dataset", name, tuple(DATASETS))]


@dataclass(frozen=True)
class VAERun:
    history: object  # collapse.History
    samples: dict  # generation -> (shown, features): the first samples of seed 0; generation 0 is real data
    dataset: str


def experiment(dataset_name: str = "digits", regime: str = "replace", generations: int = 10,
               latent_size: int | None = None, epochs: int | None = None, seed: int = 0, seeds: int = 1,
               cap_generations: int = 2, real_share: float = 0.1,
               progress: Callable[[int], None] | None = None) -> VAERun:
    """Train a VAE on real data, then each generation on the regime's mix of real data and the last one's samples.

    `latent_size` and `epochs` default to the dataset's; `progress(generation)` is called as each one finishes."""
    data = dataset(dataset_name)
    seed = check_int("seed", seed, 0)  # before it seeds the draw of real samples shown beside the generations
    config = dataclasses.replace(data.config, **{k: v for k, v in
                                                 (("latent_size", latent_size), ("epochs", epochs)) if v is not None})
    rows = data.samples_per_generation
    model = VAEModel(config, epoch_rows=rows, output_measures=data.measures)
    real = data.source.draw(1, data.shown, np.random.default_rng(seed))[0]
    samples = {0: real}

    def keep(generation, params, output):
        samples[generation] = output[0, : data.shown]
        if progress:
            progress(generation)

    history = simulate(model, data.source, make_regime(regime, cap=cap_generations * rows, real_share=real_share),
                       generations=generations, samples_per_generation=rows, seeds=seeds, seed=seed,
                       heldout_rows=data.heldout_rows, observe=keep)
    return VAERun(history, samples, dataset_name)


@functools.cache
def real_measures(dataset_name: str) -> dict[str, float]:
    """The measures of real data, the reference every generation is compared with: held-out digits, or a fresh
    draw from the ring as large as a generation's sample."""
    data = dataset(dataset_name)
    if dataset_name == "digits":
        real = load_digits().heldout[None]
    else:
        real = data.source.draw(1, data.samples_per_generation, np.random.default_rng(REAL_DRAW_SEED))
    return {name: float(values[0]) for name, values in data.measures(real).items()}


# --- tidy tables ------------------------------------------------------------------------------------------------
def metric_frame(metrics: dict[str, np.ndarray], dataset_name: str, real: dict[str, float]) -> pd.DataFrame:
    """One row per (generation, seed, panel): `metrics` maps a metric to (generations, seeds) values. Generation 0
    holds the real data's measures (none for the held-out loss, which only a model has)."""
    rows = []
    for panel, (name, _) in dataset(dataset_name).metrics.items():
        values = np.asarray(metrics[name], dtype=float)
        generations, seeds = values.shape
        if name in real:
            values = np.vstack([np.full((1, seeds), real[name]), values])
        first = 0 if name in real else 1
        rows.append(pd.DataFrame({"generation": np.repeat(np.arange(first, generations + 1), seeds),
                                  "seed": np.tile(np.arange(seeds), values.shape[0]), "panel": panel,
                                  "value": values.ravel()}))
    return pd.concat(rows, ignore_index=True)


def sample_records(samples: dict, dataset_name: str) -> list[dict]:
    """What each generation wrote, compactly: per digit image its 64 grey levels 0-16 (row by row); per generation
    of the ring, lists of x and y. The charts unpack them in the browser."""
    if dataset_name == "digits":
        return [{"generation": int(generation), "image": image,
                 "ink": np.rint(np.clip(pixels, 0, 1) * GREY_LEVELS).astype(int).tolist()}
                for generation, images in samples.items() for image, pixels in enumerate(images)]
    points_of = {g: np.asarray(p, dtype=float) for g, p in samples.items()}  # float64: rounds to short decimals
    return [{"generation": int(generation), "xs": np.round(points[:, 0], 2).tolist(),
             "ys": np.round(points[:, 1], 2).tolist()} for generation, points in points_of.items()]


# --- chart pieces -----------------------------------------------------------------------------------------------
def metric_charts(data, titles: dict, keep: str | None = None, by_regime: bool = False,
                  rule_at: alt.Parameter | None = None, width: int = theme.WIDTH, height: int = 130,
                  ) -> alt.VConcatChart:
    """Four small charts against generation, two by two: coverage, entropy, spread, held-out loss.

    by_regime: a line per regime (the mean over seeds, over faint lines for each seed); otherwise one run's line.
    rule_at: a generation parameter marked by a vertical rule. `titles[panel]`: a title, or a Vega expression."""
    def one(panel: str) -> alt.LayerChart:
        base = alt.Chart(data).transform_filter(alt.FieldEqualPredicate(field="panel", equal=panel))
        base = base.transform_filter(keep) if keep else base
        x = alt.X("generation:Q", title="generation", scale=alt.Scale(nice=False, domainMin=0),
                  axis=alt.Axis(tickMinStep=1))
        y_axis = alt.Axis(title=None, format=".3~g")
        y_scale = alt.Scale(zero=panel != "loss")  # counts and shares from 0; the loss where it lies
        if by_regime:
            color = alt.Color("regime:N", title=None, scale=alt.Scale(domain=list(STATIC_REGIMES),
                                                                      range=theme.OKABE_ITO[:2]))
            seeds = base.mark_line(strokeWidth=0.7, opacity=0.3).encode(
                x=x, y=alt.Y("value:Q", axis=y_axis, scale=y_scale), color=color, detail="seed:N")
            mean = base.mark_line(point=True, strokeWidth=2.5).encode(
                x=x, y=alt.Y("mean(value):Q", axis=y_axis, scale=y_scale), color=color,
                tooltip=[alt.Tooltip("regime:N"), alt.Tooltip("generation:Q"),
                         alt.Tooltip("mean(value):Q", format=".3f", title="mean over seeds")])
            layers = [mean, seeds]  # the legend takes its symbols from the first layer
        else:
            layers = [base.mark_line(point=True, color=theme.OKABE_ITO[0]).encode(
                x=x, y=alt.Y("value:Q", axis=y_axis, scale=y_scale),
                tooltip=[alt.Tooltip("generation:Q"), alt.Tooltip("value:Q", format=".3f")])]
        if rule_at is not None:
            layers.append(alt.Chart(data).mark_rule(color=theme.NEUTRAL, strokeDash=[2, 3]).encode(
                x=alt.datum(alt.expr(rule_at.name), type="quantitative")))
        return alt.layer(*layers).properties(width=width, height=height, title=alt.Title(titles[panel], fontSize=12))

    return alt.vconcat(alt.hconcat(one("covered"), one("entropy")), alt.hconcat(one("spread"), one("loss")))


def digit_images(data, per_row: int, images: int, keep: str | None = None, pixel_size: float = 3) -> alt.Chart:
    """`images` digit images (numbered 0, 1, ... in each record's `image`) as grey squares, `per_row` side by side,
    from records with an `ink` list (0-16), drawn `pixel_size` px per pixel."""
    chart = alt.Chart(data)
    chart = chart.transform_filter(keep) if keep else chart
    side = 9  # 8 pixels and a gap
    rows = -(-images // per_row)
    return chart.transform_flatten(["ink"]).transform_window(
        pixel="row_number()", groupby=["regime", "generation", "image"],  # pixel 1..64 in the list's order
    ).transform_calculate(
        x=f"(datum.image % {per_row}) * {side} + (datum.pixel - 1) % 8",
        y=f"floor(datum.image / {per_row}) * {side} + floor((datum.pixel - 1) / 8)",
        x2="datum.x + 1", y2="datum.y + 1",
    ).mark_rect().encode(
        x=alt.X("x:Q", axis=None, scale=alt.Scale(domain=[0, per_row * side - 1], nice=False)), x2="x2:Q",
        y=alt.Y("y:Q", axis=None, scale=alt.Scale(domain=[0, rows * side - 1], reverse=True, nice=False)), y2="y2:Q",
        color=alt.Color("ink:Q", scale=alt.Scale(scheme="greys", domain=[0, GREY_LEVELS]), legend=None),
    ).properties(width=per_row * side * pixel_size, height=rows * side * pixel_size)


def ring_points(data, keep: str | None = None, size: int = 150) -> alt.Chart:
    """Points in the plane, from records with `xs` and `ys` lists."""
    chart = alt.Chart(data)
    chart = chart.transform_filter(keep) if keep else chart
    scale = alt.Scale(domain=[-RING_VIEW, RING_VIEW], nice=False)
    return chart.transform_flatten(["xs", "ys"]).mark_circle(size=5, opacity=0.6, color=theme.OKABE_ITO[0]).encode(
        x=alt.X("xs:Q", axis=None, scale=scale), y=alt.Y("ys:Q", axis=None, scale=scale),
    ).properties(width=size, height=size)


# --- the live panel ---------------------------------------------------------------------------------------------
DEFAULTS = dict(dataset="digits", regime="replace", generations=10, latent_size=8, epochs=60, seed=0,
                cap_generations=2, real_share=0.1)
LATENT_SIZES = [1, 2, 4, 8, 16, 32]
EPOCH_STEPS = [5, 10, 20, 30, 60, 100, 150]
MAX_GENERATIONS = 10


METRICS_DESCRIPTION = ("Four small line charts against generation: the digit classes (or ring modes) the samples "
                       "cover, the entropy of their histogram over classes (or modes), the spread of their codes "
                       "(or the share of points near a mode), and the held-out loss.")


@functools.cache
def live_template(dataset_name: str) -> charts.Template:
    """The panel's chart for one dataset: the four measures, then what each generation wrote."""
    data = dataset(dataset_name)
    metrics = metric_charts(alt.NamedData("metrics"), {p: title for p, (_, title) in data.metrics.items()},
                            width=220, height=110)
    if dataset_name == "digits":
        samples = digit_images(alt.NamedData("samples"), per_row=8, images=8).facet(
            row=alt.Row("generation:O", title=None, header=alt.Header(labelExpr=REAL_OR_GENERATION,
                                                                      labelAngle=0, labelAlign="left")),
            spacing=4)
    else:
        samples = ring_points(alt.NamedData("samples"), size=85).facet(
            facet=alt.Facet("generation:O", title=None, header=alt.Header(labelExpr=REAL_OR_GENERATION)),
            columns=6, spacing=6)
    return charts.Template(alt.vconcat(metrics, samples.properties(title="What it wrote")).properties(
        title="…", description=f"{METRICS_DESCRIPTION} Below them, what each generation wrote "
                               f"({'eight digit images' if dataset_name == 'digits' else 'its points in the plane'} "
                               "per generation, the first row real data)."))


def run_chart(run: VAERun, title: str) -> dict:
    data = dataset(run.dataset)
    metrics = {name: run.history.metric(name) for name, _ in data.metrics.values()}
    return live_template(run.dataset).fill(
        {"metrics": metric_frame(metrics, run.dataset, real_measures(run.dataset)),
         "samples": pd.DataFrame(sample_records(
             {g: s[:8] if run.dataset == "digits" else s for g, s in run.samples.items()}, run.dataset))},
        titles={(): title})


def run_title(run: VAERun, regime: str) -> str:
    data = dataset(run.dataset)
    name, _ = data.metrics["covered"]
    covered = run.history.metric(name)[:, 0]
    last = run.history.generations
    return (f"{data.label}, {REGIME_LABELS[regime]}: generation 1 covers {covered[0]:.0f}, "
            f"generation {last} covers {covered[-1]:.0f}")


def chart(dataset="digits", regime="replace", generations=10, latent_size=8, epochs=60, seed=0, cap_generations=2,
          real_share=0.1, progress=None) -> dict:
    """The live panel's picture for one seeded run, as a Vega-Lite specification."""
    controls.check_regime(regime)
    run = experiment(dataset, regime, generations, latent_size, epochs, seed, cap_generations=cap_generations,
                     real_share=real_share, progress=progress)
    title = run_title(run, regime)
    spec = run_chart(run, title)
    spec["description"] += f" {title}."  # the run's numbers, as the title states them
    return spec


def stored_view() -> tuple[dict, str]:
    """The panel's first picture, before any run: seed 0 of the stored digits run under replace."""
    results = load_results()
    runs = results["runs"]["digits"]["replace"]
    metrics = {name: np.asarray(values)[:, :1] for name, values in runs["metrics"].items()}
    frame = metric_frame(metrics, "digits", results["real"]["digits"])
    records = [r for r in runs["samples"] if r["image"] < 8]
    spec = live_template("digits").fill({"metrics": frame, "samples": pd.DataFrame(records)},
                                        titles={(): "A stored run (digits, replace, seed 0). Press Run to train "
                                                    "your own."})
    return spec, ""


def panel(**overrides) -> RunPanel:
    """The live panel: choose the settings, press Run, and watch the generations train one by one."""
    settings = DEFAULTS | overrides
    regime, shown_when = controls.regime_controls(settings["regime"], settings["cap_generations"],
                                                  settings["real_share"])
    inputs = {
        "dataset": controls.buttons("real data", [(d.label, name) for name, d in DATASETS.items()],
                                    settings["dataset"]),
        **regime,
        "generations": controls.int_slider("generations", settings["generations"], 1, MAX_GENERATIONS),
        "latent_size": controls.steps_slider("latent size", LATENT_SIZES, settings["latent_size"]),
        "epochs": controls.steps_slider("epochs per generation", EPOCH_STEPS, settings["epochs"]),
        "seed": controls.seed_box(settings["seed"]),
    }

    def use_dataset_latent_size(change):
        inputs["latent_size"].value = DATASETS[change.new].config.latent_size

    inputs["dataset"].observe(use_dataset_latent_size, names="value")
    return RunPanel(
        "Train a VAE on its own samples", inputs, chart,
        steps=lambda generations, **_: check_int("generations", generations, 1, MAX_GENERATIONS),
        initial=stored_view if RESULTS.exists() else None, shown_when=shown_when,
        note="Needs a live kernel (Live Code, Binder, Colab or Jupyter). Each generation trains a new VAE from "
             "scratch: about half a second at the defaults.")


# --- stored results and the static charts -----------------------------------------------------------------------
STATIC_REGIMES = ("replace", "accumulate")
STATIC_GENERATIONS = 10
STATIC_SEEDS = 8  # independent runs per (dataset, regime), trained side by side
STATIC_SEED = 0
CHECK_DECIMALS = 6  # the check runs are stored to this many decimals; an exact re-run matches to rounding
# Cheap settings stored beside the results and re-run by the tests (a few seconds each): both datasets, so the
# digit classifier and the reference encoder are checked too; 16 seeds, so the seed-to-seed spread that the check
# on another processor allows is measured well (collapse.stored).
CHECKS = {name: dict(dataset_name=name, regime="replace", generations=3, epochs=5, seed=3, seeds=16)
          for name in DATASETS}


def precompute_settings() -> dict:
    """Everything that decides the stored numbers; the test compares this with what the stored file records."""
    return {"generations": STATIC_GENERATIONS, "seeds": STATIC_SEEDS, "seed": STATIC_SEED,
            "regimes": list(STATIC_REGIMES), "datasets": {name: d.settings() for name, d in DATASETS.items()},
            "digit_split": {"heldout_share": HELDOUT_SHARE, "split_seed": SPLIT_SEED},
            "reference_encoder": {"config": VAEConfig().to_dict()}, "real_draw_seed": REAL_DRAW_SEED,
            "covered_share": COVERED_SHARE, "checks": CHECKS}


def rerun_checks() -> dict[str, dict[str, np.ndarray]]:
    """The cheap runs stored beside the results, run now: dataset -> measure -> (generations, seeds), rounded as
    stored. The tests compare them with the stored ones (exactly on the processor that made them, within seed noise
    anywhere else: see collapse.stored)."""
    return {name: {metric: np.round(values, CHECK_DECIMALS) for metric, values in
                   experiment(**settings).history.metrics.items()} for name, settings in CHECKS.items()}


def precompute(path: Path = RESULTS) -> dict:
    """Run every stored setting and write the results (a few hundred kilobytes) to `path`."""
    results = {"settings": precompute_settings(), "made_on": processor_fingerprint(),
               "real": {name: real_measures(name) for name in DATASETS}, "runs": {}}
    for name in DATASETS:
        results["runs"][name] = {}
        for regime in STATIC_REGIMES:
            start = time.perf_counter()
            run = experiment(name, regime, STATIC_GENERATIONS, seed=STATIC_SEED, seeds=STATIC_SEEDS)
            metrics = {metric: np.round(values, 4).tolist() for metric, values in run.history.metrics.items()}
            results["runs"][name][regime] = {"metrics": metrics, "samples": sample_records(run.samples, name)}
            print(f"{name:7} {regime:11} {time.perf_counter() - start:6.1f} s", file=sys.stderr)
    results["checks"] = {name: {metric: values.tolist() for metric, values in run.items()}
                         for name, run in rerun_checks().items()}
    path.write_text(json.dumps(results, separators=(",", ":")) + "\n")
    return results


class StoredResultsMissing(FileNotFoundError):
    """data/vae_results.json is missing; the message names the command that makes it."""


@functools.cache
def load_results(path: Path = RESULTS) -> dict:
    if not path.exists():
        raise StoredResultsMissing(f"No stored VAE results at {path}. Make them (about two minutes) with: "
                                   f"{PRECOMPUTE_COMMAND}")
    return json.loads(path.read_text())


def stored_metrics(results: dict) -> pd.DataFrame:
    """Every stored run's measures: columns dataset, regime, generation, seed, panel, value."""
    frames = [metric_frame(run["metrics"], name, results["real"][name]).assign(dataset=name, regime=regime)
              for name, runs in results["runs"].items() for regime, run in runs.items()]
    return pd.concat(frames, ignore_index=True)


def stored_samples(results: dict, name: str) -> pd.DataFrame:
    return pd.DataFrame([{**record, "regime": regime} for regime, run in results["runs"][name].items()
                         for record in run["samples"]])


def mean_metric(results: dict, name: str, regime: str, metric: str) -> np.ndarray:
    """The mean over the stored seeds of one metric, per generation (index 0 is generation 1)."""
    return np.asarray(results["runs"][name][regime]["metrics"][metric]).mean(axis=1)


def static_chart(results: dict) -> alt.VConcatChart:
    """The four measures for both regimes, and what each regime wrote at the chosen generation, with a menu for
    the dataset and a slider for the generation: every number is in the page, and the browser filters."""
    names = list(DATASETS)
    chosen = charts.choice("dataset", "real data ", names, [DATASETS[n].label for n in names])
    generation = charts.slider("generation", "show samples of generation ",
                               list(range(0, results["settings"]["generations"] + 1)), value=3)
    titles = {panel: alt.expr(" : ".join(f"dataset == '{n}' ? '{DATASETS[n].metrics[panel][1]}'" for n in names[:-1])
                              + f" : '{DATASETS[names[-1]].metrics[panel][1]}'") for panel in PANELS}
    metrics = metric_charts(stored_metrics(results), titles, keep="datum.dataset == dataset", by_regime=True,
                            rule_at=generation, height=120)
    digits = stored_samples(results, "digits").assign(dataset="digits")
    ring = stored_samples(results, "ring").assign(dataset="ring")
    views = []
    per_row, pixel_size = 4, 5  # 16 digits in a 4 x 4 grid, drawn in the same square as the ring's points
    side = per_row * 9 * pixel_size
    for regime in STATIC_REGIMES:
        keep = f"datum.regime == '{regime}' && datum.generation == generation"
        # Both datasets' samples are layered in one square; the menu's filter leaves one of them empty.
        view = alt.layer(
            digit_images(digits, per_row, per_row**2, keep=f"{keep} && dataset == 'digits'", pixel_size=pixel_size),
            ring_points(ring, keep=f"{keep} && dataset == 'ring'", size=side),
        ).resolve_scale(x="independent", y="independent")
        views.append(view.properties(title=alt.Title(alt.expr(
            f"'{regime}: ' + (generation == 0 ? 'real data' : 'generation ' + generation)"), fontSize=12)))
    return alt.vconcat(metrics, alt.hconcat(*views)).add_params(chosen, generation).properties(description=(
        f"{METRICS_DESCRIPTION} For the chosen real data (digits or a ring of 8 Gaussians), the stored runs under "
        "replace and accumulate: a faint line per run and a thick line for their mean, with the chosen generation "
        "marked. Below, what one run of each regime wrote at that generation. Under replace the samples lose "
        "classes and modes generation by generation; accumulate holds on to more of them."))


def image_grid(results: dict, generations=(0, 1, 2, 3, 4, 6, 8, 10), per_row: int = 8) -> alt.FacetChart:
    """Digits written by seed 0 at several generations (rows), under replace and under accumulate (columns)."""
    images = stored_samples(results, "digits")
    images = images[images["generation"].isin(generations) & (images["image"] < per_row)]
    return digit_images(images, per_row=per_row, images=per_row, pixel_size=3).facet(
        row=alt.Row("generation:O", title=None, header=alt.Header(
            labelExpr=REAL_OR_GENERATION, labelAngle=0, labelAlign="left")),
        column=alt.Column("regime:N", title=None, sort=list(STATIC_REGIMES)), spacing=6,
    ).properties(description="Handwritten digits written by the VAE, eight per row, a row per generation from the "
                             "real data down to generation 10, under replace (left) and accumulate (right). Under "
                             "replace the digits blur into one smudge; under accumulate they degrade far more "
                             "slowly.")


def ring_grid(results: dict, generations=(0, 1, 2, 4, 10)) -> alt.FacetChart:
    """Points written by seed 0 at several generations (columns), under replace and accumulate (rows)."""
    points = stored_samples(results, "ring")
    points = points[points["generation"].isin(generations)]
    return ring_points(points, size=105).facet(
        column=alt.Column("generation:O", title=None, header=alt.Header(
            labelExpr=REAL_OR_GENERATION)),
        row=alt.Row("regime:N", title=None, sort=list(STATIC_REGIMES)), spacing=6,
    ).properties(description="Scatter plots of the points the VAE wrote when its real data are 8 Gaussian blobs on a "
                             "ring, a column per generation from the real data to generation 10, under replace (top) "
                             "and accumulate (bottom). From the first generation on, the points bridge the gaps "
                             "between the blobs, and under replace the ring melts into one blob.")


if __name__ == "__main__":
    if sys.argv[1:] != ["precompute"]:
        raise SystemExit(f"usage: {PRECOMPUTE_COMMAND}")
    start = time.perf_counter()
    precompute()
    print(f"wrote {RESULTS} ({RESULTS.stat().st_size / 1e3:.0f} kB) in {time.perf_counter() - start:.0f} s")
