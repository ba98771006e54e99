"""Chapter "Mode collapse you can see": the drawing. The experiment, its settings and the stored results are in
collapse/vae.py.

The static charts draw the stored runs (data/vae_results.json, made by `python -m collapse.vae precompute`); the live
panel trains in the reader's kernel when its Run button is pressed, with a progress bar over the generations.
"""

from __future__ import annotations

import functools

import altair as alt

from collapse.images import GREY_LEVELS
from collapse.regimes import REGIME_LABELS
from collapse.vae import (DATASETS, LIVE_DIGITS, PANELS, RESULTS, STATIC, LiveTables, VAESettings, dataset,
                          live_tables, run, stored_live_tables, stored_metrics, stored_samples)
from widgets import charts, theme
from widgets import panel as controls
from widgets.panel import RunPanel

__all__ = ["chart", "image_grid", "panel", "ring_grid", "static_chart"]

RING_VIEW = 1.8  # the ring's samples are drawn in the square [-1.8, 1.8]^2
REAL_OR_GENERATION = "datum.value == 0 ? 'real' : 'gen. ' + datum.value"  # facet headers: generation 0 is real data


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
            color = alt.Color("regime:N", title=None, scale=alt.Scale(domain=list(STATIC.regimes),
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
    # clip: a stray point outside the square would push the chart's edge (and its title) out of line
    return chart.transform_flatten(["xs", "ys"]).mark_circle(size=5, opacity=0.6, color=theme.OKABE_ITO[0],
                                                            clip=True).encode(
        x=alt.X("xs:Q", axis=None, scale=scale), y=alt.Y("ys:Q", axis=None, scale=scale),
    ).properties(width=size, height=size)


# --- the live panel ---------------------------------------------------------------------------------------------
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
        samples = digit_images(alt.NamedData("samples"), per_row=LIVE_DIGITS, images=LIVE_DIGITS).facet(
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


def fill(dataset_name: str, tables: LiveTables, title: str) -> dict:
    """The live chart of one dataset filled with `tables`, under `title`."""
    return live_template(dataset_name).fill({"metrics": tables.metrics, "samples": tables.samples},
                                            titles={(): title})


def chart(progress=None, **values) -> dict:
    """The live panel's picture for one seeded run with these settings (collapse.vae.VAESettings), as a
    Vega-Lite specification; `progress(generation)` is called as each generation finishes."""
    settings = VAESettings(**values)
    tables = live_tables(run(settings, progress))
    title = (f"{dataset(settings.dataset).label}, {REGIME_LABELS[settings.regime]}: generation 1 covers "
             f"{tables.covered[0]:.0f}, generation {settings.generations} covers {tables.covered[-1]:.0f}")
    spec = fill(settings.dataset, tables, title)
    spec["description"] += f" {title}."  # the run's numbers, as the title states them
    return spec


def stored_view() -> tuple[dict, str]:
    """The panel's first picture, before any run: seed 0 of the stored digits run under replace."""
    title = "A stored run (digits, replace, seed 0). Press Run to train your own."
    return fill("digits", stored_live_tables("digits", "replace"), title), ""


def panel(**overrides) -> RunPanel:
    """The live panel: choose the settings, press Run, and watch the generations train one by one."""
    inputs, shown_when = controls.controls_from(VAESettings(**overrides))

    def use_dataset_latent_size(change):
        inputs["latent_size"].value = dataset(change.new).config.latent_size

    inputs["dataset"].observe(use_dataset_latent_size, names="value")
    return RunPanel(
        "Train a VAE on its own samples", inputs, chart,
        steps=lambda **values: VAESettings(**values).generations,  # checks every setting before the bar starts
        initial=stored_view if RESULTS.exists() else None, shown_when=shown_when,
        note="Needs a live kernel (Live Code, Binder, Colab or Jupyter). Each generation trains a new VAE from "
             "scratch: about half a second at the defaults.")


# --- the static charts of the stored runs -------------------------------------------------------------------------
def static_chart(results: dict) -> alt.VConcatChart:
    """The four measures for both regimes, and what each regime wrote at the chosen generation, with a menu for
    the dataset and a slider for the generation: every number is in the page, and the browser filters."""
    names = list(DATASETS)
    chosen = charts.choice("dataset", "real data ", names, [DATASETS[n].label for n in names])
    generation = charts.slider("generation", "show samples of generation ",
                               list(range(0, STATIC.generations + 1)), value=3)
    titles = {panel: alt.expr(" : ".join(f"dataset == '{n}' ? '{DATASETS[n].metrics[panel][1]}'" for n in names[:-1])
                              + f" : '{DATASETS[names[-1]].metrics[panel][1]}'") for panel in PANELS}
    metrics = metric_charts(stored_metrics(results), titles, keep="datum.dataset == dataset", by_regime=True,
                            rule_at=generation, height=120)
    digits = stored_samples(results, "digits").assign(dataset="digits")
    ring = stored_samples(results, "ring").assign(dataset="ring")
    views = []
    per_row, pixel_size = 4, 5  # 16 digits in a 4 x 4 grid, drawn in the same square as the ring's points
    side = per_row * 9 * pixel_size
    for regime in STATIC.regimes:
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
        column=alt.Column("regime:N", title=None, sort=list(STATIC.regimes)), spacing=6,
    ).properties(description="Handwritten digits written by the VAE, eight per row, a row per generation from the "
                             f"real data down to generation {max(generations)}, under replace (left) and accumulate "
                             "(right). Under "
                             "replace the digits blur into one smudge; under accumulate they degrade far more "
                             "slowly.")


def ring_grid(results: dict, generations=(0, 1, 2, 4, 10)) -> alt.FacetChart:
    """Points written by seed 0 at several generations (columns), under replace and accumulate (rows)."""
    points = stored_samples(results, "ring")
    points = points[points["generation"].isin(generations)]
    return ring_points(points, size=105).facet(
        column=alt.Column("generation:O", title=None, header=alt.Header(
            labelExpr=REAL_OR_GENERATION)),
        row=alt.Row("regime:N", title=None, sort=list(STATIC.regimes)), spacing=6,
    ).properties(description="Scatter plots of the points the VAE wrote when its real data are 8 Gaussian blobs on a "
                             f"ring, a column per generation from the real data to generation {max(generations)}, "
                             "under replace (top) and accumulate (bottom). From the first generation on, the points "
                             "bridge the gaps between the blobs, and under replace the ring melts into one blob.")
