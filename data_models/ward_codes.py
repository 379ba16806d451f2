"""The council's wards as configured in the seed file dim_ward is built from (seeds/wards.yaml): the ONS codes of the
council and its wards, what published open data carries so that it joins with every other data set published by
ward (E05...) or council (E09...); and the council's localities (seeds/ward_groups.yaml), named groups of those
wards that the dashboards offer as one value of the ward dimension (query/named_selections.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, model_validator

from data_models.yaml_locations import located

WARDS_YAML = Path(__file__).resolve().parent / "seeds" / "wards.yaml"
GROUPS_YAML = WARDS_YAML.with_name("ward_groups.yaml")
GROUP_PREFIX = "@"  # a group's value in a selection: '@kentish-town' (no ward name starts with '@')


@dataclass(frozen=True)
class WardCodes:
    council: str               # the council's own code (E09000007)
    wards: dict[str, str]      # {ward name as dim_ward has it: its code (E05013652)}


class WardGroupsError(ValueError):
    """The localities file is malformed; the message names the file, the key and the line."""


def _name(text: Any) -> str:
    """A ward's name as dim_ward has it: runs of white space collapsed."""
    return re.sub(r"\s+", " ", str(text)).strip()


def ward_codes(path: Path = WARDS_YAML) -> WardCodes:
    config = _yaml(Path(path))
    if not isinstance(config, dict) or not config.get("council_code") or not config.get("wards"):
        raise ValueError(f"{path}: needs council_code and wards (each with a code and a name)")
    return WardCodes(str(config["council_code"]), {_name(w["name"]): str(w["code"]) for w in config["wards"]})


def _yaml(path: Path) -> Any:
    """A configuration file, parsed once and again only when it changes."""
    return _parsed(path, path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _parsed(path: Path, _mtime_ns: int) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


# ------------------------------------------------------------------------------------------------ localities

def _known_ward(value: str, info: ValidationInfo) -> str:
    name, known = _name(value), (info.context or {}).get("wards", ())
    if name not in known:
        raise ValueError(f"{value!r} is not a ward of wards.yaml (wards are named as there: {', '.join(known)})")
    return name


class WardGroup(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)                                    # 'Kentish Town': what the chip says
    wards: list[Annotated[str, AfterValidator(_known_ward)]] = Field(min_length=1)

    @property
    def value(self) -> str:
        """The group's value in a selection and a URL: '@kentish-town'."""
        return GROUP_PREFIX + re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")

    @model_validator(mode="after")
    def _each_ward_once(self) -> WardGroup:
        twice = sorted({w for w in self.wards if self.wards.count(w) > 1})
        if twice:
            raise ValueError(f"names {', '.join(twice)} more than once")
        return self


class WardGroups(BaseModel):
    model_config = ConfigDict(extra="forbid")

    groups: list[WardGroup] = []

    @model_validator(mode="after")
    def _values_unique(self) -> WardGroups:
        values = [group.value for group in self.groups]
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            raise ValueError(f"two groups have the same value {', '.join(twice)} (their names differ only in case "
                             "or punctuation)")
        return self


def ward_groups(path: Path = GROUPS_YAML, wards_path: Path = WARDS_YAML) -> dict[str, WardGroup]:
    """{'@kentish-town': WardGroup} in the file's order; {} when the council configures no localities (no file).
    A group naming a ward wards.yaml does not have is a WardGroupsError naming its place. Validated once, and again
    only when either file changes."""
    path, wards_path = Path(path), Path(wards_path)
    if not path.exists():
        return {}
    return _groups(path, path.stat().st_mtime_ns, wards_path, wards_path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _groups(path: Path, _mtime_ns: int, wards_path: Path, _wards_mtime_ns: int) -> dict[str, WardGroup]:
    try:
        groups = WardGroups.model_validate(_yaml(path) or {}, context={"wards": list(ward_codes(wards_path).wards)})
    except ValidationError as error:
        problems = located(error, path.read_text(encoding="utf-8"))
        raise WardGroupsError(f"{path.name}: " + "; ".join(problems)) from None
    return {group.value: group for group in groups.groups}
