"""One look for every chart in the book: a colour-blind-safe palette, readable type, and no chart-level background.

The palette is Okabe and Ito's (2008), distinguishable under the common colour-vision deficiencies. Charts leave their
background transparent so that they sit on the page's own colour in both the light and the dark theme; on the built
site, book_assets/static/readable.css gives their text and axes the theme's text colours in each mode (no single grey
reaches WCAG AA contrast on both a white and a dark page), so NEUTRAL is what a notebook outside the book shows.

Importing this module registers the theme but switches nothing on: a chapter asks for it in its set-up cell
(`theme.enable()`), and the live panels' charts carry it in their own specification (`widgets.charts.Template`), so
importing the book's code never changes how a reader's other Altair charts look.
"""

try:
    import altair as alt
except ModuleNotFoundError:  # the reader's in-browser kernel has no altair, and draws no chart with a theme
    alt = None

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
NEUTRAL = "#888888"  # reference lines ("the real data") in a grey readable on light and dark pages

WIDTH = 250  # px: two panels side by side, with axis titles, fit the book's ~700 px text column
HEIGHT = 200


THEME = "collapse"


def collapse_theme() -> "alt.theme.ThemeConfig":  # a string: altair may be missing
    return {
        "config": {
            "background": "transparent",
            "view": {"continuousWidth": WIDTH, "continuousHeight": HEIGHT, "stroke": None},
            "range": {"category": OKABE_ITO},
            "font": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif",
            "axis": {"labelColor": NEUTRAL, "titleColor": NEUTRAL, "gridColor": NEUTRAL, "gridOpacity": 0.25,
                     "domainColor": NEUTRAL, "tickColor": NEUTRAL, "labelFontSize": 11, "titleFontSize": 12},
            "legend": {"labelColor": NEUTRAL, "titleColor": NEUTRAL, "orient": "bottom"},
            "title": {"color": NEUTRAL, "fontSize": 13, "anchor": "start"},
            "header": {"labelColor": NEUTRAL, "titleColor": NEUTRAL},
        }
    }


if alt is not None:
    alt.theme.register(THEME, enable=False)(collapse_theme)


def enable() -> None:
    """Draw every Altair chart of this kernel in the book's theme (a chapter's set-up cell calls this)."""
    alt.theme.enable(THEME)
