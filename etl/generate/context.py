"""What every family generator is given: the seed, the scale, the period, the output, and shared reference data.

Reference data (wards, streets, the service catalogue) is read on first use and then shared, so nothing is read at
import time and nothing is read twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from etl.generate.common import Scale, Service, Wards, load_services, load_wards
from etl.generate.output import Output


@dataclass
class Context:
    seed: int
    scale: Scale
    start: dt.date
    until: dt.date
    output: Output
    catalogue: Path | None = None   # None: data_models/catalogue/services.yaml
    # {(service code, KPI code): {ward code or "ALL": [(value, numerator, denominator) per month]}}: a service return's
    # figures worked out by a family generator from its own records (returns.py writes them as returned)
    record_figures: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False)

    def wards(self) -> Wards:
        if "wards" not in self._cache:
            self._cache["wards"] = load_wards()
        return self._cache["wards"]

    def services(self) -> list[Service]:
        if "services" not in self._cache:
            self._cache["services"] = load_services(self.catalogue)
        return self._cache["services"]

    def streets(self):
        from etl.generate.places import street_grid

        if "streets" not in self._cache:
            self._cache["streets"] = street_grid(self.wards(), self.seed)
        return self._cache["streets"]
