"""The semantic layer against a warehouse: the real YAML fits the demo, and a YAML that names columns, tables or
constants the warehouse lacks is reported line by line."""

from __future__ import annotations

import textwrap

import pytest

from data_models.semantic_layer import SemanticLayerError, load_semantic_layer
from query.warehouse_check import check_against_warehouse


def test_layer_fits_the_demo_warehouse(demo_con):
    check_against_warehouse(load_semantic_layer(), demo_con)


def test_check_lists_columns_and_constants_the_warehouse_lacks(tmp_path, demo_con):
    (tmp_path / "x.yaml").write_text(textwrap.dedent("""\
        facts:
          - name: fact_pcn
            label: PCNs
            date: issued_date_key
            dimensions:
              - month
              - {name: zone, column: zonne}
              - {name: service, match: "'PARKING'"}
        dimensions:
          - {name: month, label: Month, date: true, table: dim_date, key: date_key, value: month_labl}
          - {name: zone, label: Zone}
          - {name: service, label: Service, table: dim_service, key: service_key, value: service_code}
        measures:
          - {name: income, label: Income, fact: fact_pcn, sql: "sum(amount_payd_pounds)", format: pounds,
             direction: neutral, description: Income.}
        """), encoding="utf-8")
    with pytest.raises(SemanticLayerError) as raised:
        check_against_warehouse(load_semantic_layer(tmp_path), demo_con)
    text = "\n".join(raised.value.problems)
    assert "fact_pcn -> month:" in text and "month_labl" in text
    assert "fact_pcn -> zone:" in text and "zonne" in text
    assert "fact_pcn -> service:" in text and "row(s) match no member of the dimension" in text
    assert "measure income:" in text and "amount_payd_pounds" in text
