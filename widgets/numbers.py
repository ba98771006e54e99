"""Numbers written for people, in the running text, the tables and the charts' titles: "0.0000032" and "1.4 × 10⁻⁵",
never "3.2e-06" or "0.000". No dependencies: the browser kernel imports it too (book_assets/browser_kernel.py)."""

from __future__ import annotations

SUPERSCRIPTS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def power_of_ten(exponent: int) -> str:
    """10⁻⁷, 10¹²."""
    return "10" + str(round(exponent)).translate(SUPERSCRIPTS)


def times_power_of_ten(value: float, significant: int = 2) -> str:
    """`value` with `significant` figures times a power of ten: 1.4 × 10⁻⁵."""
    mantissa, exponent = f"{value:.{significant - 1}e}".split("e")
    return f"{mantissa} × {power_of_ten(int(exponent))}"


def readable(value: float, decimals: int = 3) -> str:
    """A number for running text and tables: `decimals` decimals down to 0.01 (0.626), two significant figures
    below (0.0042, 0.0000032), and a power of ten for what positional notation would drown in zeros
    (9.9 × 10⁻¹⁶), never "0.000" or "3.2e-06"."""
    value = float(value)
    if value == 0:
        return "0"
    if abs(value) >= 0.01:
        return f"{value:.{decimals}f}"
    exponent = int(f"{value:.1e}".split("e")[1])
    if exponent >= -6:
        return f"{value:.{1 - exponent}f}"
    return times_power_of_ten(value)


def title_number(value: float) -> str:
    """A number for a chart's title, three significant figures (whole numbers from 100): 0.324, 12.3 or 1,000 as
    they are, 0.0000138 as 1.4 × 10⁻⁵ and 20,000,000 as 2.0 × 10⁷."""
    if 100 <= abs(value) < 1e5:
        return f"{value:,.0f}"  # (the "g" format would write 1000 as "1e+03")
    if value == 0 or 1e-3 <= abs(value) < 100:
        return f"{value:.3g}"
    return times_power_of_ten(value)
