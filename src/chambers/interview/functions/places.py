"""Countries and their subdivisions, from ISO 3166 (``pycountry``)."""
from __future__ import annotations

from functools import lru_cache

import pycountry

__all__ = ["countries_list", "states_list", "country_name", "state_name"]

# The names people use where the ISO short name is formal.
_COMMON_NAMES = {"US": "United States", "GB": "United Kingdom", "RU": "Russia", "KR": "South Korea",
                 "KP": "North Korea", "IR": "Iran", "SY": "Syria", "VE": "Venezuela", "BO": "Bolivia",
                 "TZ": "Tanzania", "VN": "Vietnam", "LA": "Laos", "MD": "Moldova", "TW": "Taiwan",
                 "FM": "Micronesia", "CD": "Democratic Republic of the Congo"}


@lru_cache(maxsize=None)
def _country_names() -> dict[str, str]:
    return {c.alpha_2: _COMMON_NAMES.get(c.alpha_2, getattr(c, "common_name", None) or c.name)
            for c in pycountry.countries}


def countries_list() -> list[dict[str, str]]:
    """Every country as a one-item dict ``{code: name}``, sorted by name."""
    return [{code: name} for code, name in sorted(_country_names().items(), key=lambda item: item[1])]


def country_name(country_code: str) -> str:
    return _country_names().get(str(country_code).upper(), str(country_code))


@lru_cache(maxsize=None)
def _subdivisions(country_code: str) -> dict[str, str]:
    found = pycountry.subdivisions.get(country_code=country_code) or []
    top = [s for s in found if getattr(s, "parent_code", None) is None]
    return {s.code.split("-", 1)[1]: s.name for s in sorted(top, key=lambda s: s.name)}


def states_list(country_code: str | None = "US", abbreviate: bool = False) -> dict[str, str]:
    """Top-level subdivisions of a country as ``{code: name}`` sorted by name; ``{}`` when there are none."""
    if not country_code:
        return {}
    code = str(country_code).upper()
    if code not in _country_names():
        return {}
    subdivisions = _subdivisions(code)
    return {k: k for k in subdivisions} if abbreviate else dict(subdivisions)


def state_name(state_code: str, country_code: str = "US") -> str:
    return _subdivisions(str(country_code).upper()).get(str(state_code).upper(), str(state_code))
