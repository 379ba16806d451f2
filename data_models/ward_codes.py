"""The ONS codes of the council and its wards, from the seed file dim_ward is built from (seeds/wards.yaml): what
published open data carries so that it joins with every other data set published by ward (E05...) or council
(E09...)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

WARDS_YAML = Path(__file__).resolve().parent / "seeds" / "wards.yaml"


@dataclass(frozen=True)
class WardCodes:
    council: str               # the council's own code (E09000007)
    wards: dict[str, str]      # {ward name as dim_ward has it: its code (E05013652)}


def ward_codes(path: Path = WARDS_YAML) -> WardCodes:
    return _read(Path(path), Path(path).stat().st_mtime_ns)


@lru_cache(maxsize=4)
def _read(path: Path, _mtime_ns: int) -> WardCodes:
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(config, dict) or not config.get("council_code") or not config.get("wards"):
        raise ValueError(f"{path}: needs council_code and wards (each with a code and a name)")
    # names as dim_ward has them: runs of white space collapsed
    return WardCodes(str(config["council_code"]),
                     {re.sub(r"\s+", " ", str(w["name"])).strip(): str(w["code"]) for w in config["wards"]})
