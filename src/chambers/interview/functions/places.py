"""Countries and their subdivisions, from ISO 3166 via ``pycountry``.

Names are pycountry's ISO short names (``US`` is "United States", ``BO`` is "Bolivia,
Plurinational State of"), sorted by plain string order, as docassemble lists them.
"""
from __future__ import annotations

from functools import lru_cache

import pycountry

__all__ = ["countries_list", "states_list", "country_name", "state_name"]

DEFAULT_COUNTRY = "US"


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    return {country.alpha_2: country.name for country in pycountry.countries}


def countries_list() -> list[dict[str, str]]:
    """Every country as a one-item dict ``{alpha2: name}``, sorted by name."""
    return [{code: name} for code, name in sorted(_country_names().items(), key=lambda pair: pair[1])]


def country_name(country_code: str) -> str:
    """The country's name (``US`` gives "United States"); an unknown code is returned as given."""
    return _country_names().get(str(country_code).strip().upper(), str(country_code))


@lru_cache(maxsize=None)
def _top_subdivisions(country_code: str) -> dict[str, str]:
    if country_code not in _country_names():
        return {}
    found = pycountry.subdivisions.get(country_code=country_code) or []
    top = sorted((s for s in found if getattr(s, "parent_code", None) is None), key=lambda s: s.name)
    return {s.code.rpartition("-")[2]: s.name for s in top}


def _country(country_code: str | None) -> str:
    return str(DEFAULT_COUNTRY if country_code is None else country_code).strip().upper()


def states_list(country_code: str | None = None, abbreviate: bool = False) -> dict[str, str]:
    """Top-level subdivisions as ``{code: name}`` (codes without the ``XX-`` prefix), sorted by name.

    ``None`` means the default country (US); ``''`` or a country without subdivisions gives ``{}``.
    With ``abbreviate`` the values are the codes too.
    """
    subdivisions = _top_subdivisions(_country(country_code))
    return {code: code for code in subdivisions} if abbreviate else dict(subdivisions)


def state_name(state_code: str, country_code: str | None = None) -> str:
    """The subdivision's name (``NY`` in ``US`` gives "New York"); an unknown code is returned as given."""
    code = str(state_code).strip().upper()
    return _top_subdivisions(_country(country_code)).get(code) or _any_subdivision_name(
        _country(country_code), code) or str(state_code)


def _any_subdivision_name(country_code: str, code: str) -> str | None:
    if not country_code or not code:
        return None
    try:
        found = pycountry.subdivisions.get(code=f"{country_code}-{code}")
    except LookupError:
        return None
    return found.name if found is not None else None
