"""The model YAML schema: every model's YAML passes it, and a mistake is named by file, key and line."""

from __future__ import annotations

import pytest

from data_models.model_specs import ModelSpecError, freshness_by_source, load_model_spec, model_specs


def spec_file(tmp_path, name: str, text: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_models_yaml_is_valid_and_every_fact_states_grain_and_source():
    specs = model_specs()
    facts = {name: spec for name, spec in specs.items() if name.startswith("fact_")}
    assert len(facts) >= 11
    assert all(spec.grain and spec.source for spec in facts.values()), [n for n, s in facts.items() if not s.source]


def test_every_loaded_fact_says_how_fresh_it_is():
    sources = {spec.source for name, spec in model_specs().items() if name.startswith("fact_") and spec.source}
    assert set(freshness_by_source()) == sources


def test_a_misspelt_key_is_named_with_its_line(tmp_path):
    path = spec_file(tmp_path, "fact_x", "description: x\ngrain: one x\ntests:\n  not_nul: [a]\n")
    with pytest.raises(ModelSpecError, match=r"fact_x.yaml: tests.not_nul \(line 4\): unknown key"):
        load_model_spec(path)


def test_a_fact_without_grain_is_refused(tmp_path):
    with pytest.raises(ModelSpecError, match="must state its grain"):
        load_model_spec(spec_file(tmp_path, "fact_x", "description: x\n"))
    assert load_model_spec(spec_file(tmp_path, "dim_x", "description: x\n")).grain is None


def test_freshness_needs_a_source_and_a_known_kind(tmp_path):
    with pytest.raises(ModelSpecError, match="needs source"):
        load_model_spec(spec_file(tmp_path, "fact_x", "description: x\ngrain: g\nfreshness: {column: d}\n"))
    with pytest.raises(ModelSpecError, match=r"freshness.covers \(line 3\)"):
        load_model_spec(spec_file(tmp_path, "fact_x",
                                  "description: x\ngrain: g\nfreshness: {column: d, covers: week}\nsource: s\n"))


def test_a_relationship_must_name_table_dot_column(tmp_path):
    text = "description: x\ngrain: g\ntests:\n  relationships: {ward_key: dim_ward}\n"
    with pytest.raises(ModelSpecError, match="must be parent_table.column"):
        load_model_spec(spec_file(tmp_path, "fact_x", text))


def test_latest_sql_by_what_a_fact_covers():
    import duckdb

    from data_models.model_specs import Freshness

    con = duckdb.connect()
    con.execute("create table t as select * from (values (date '2024-05-07', 20240501, '2023-24'), "
                "(date '2024-02-01', 20240201, '2022-23')) as v(d, m, y)")
    assert str(con.execute(Freshness(column="d").latest_sql("t")).fetchone()[0]) == "2024-05-07"
    assert str(con.execute(Freshness(column="m", covers="month").latest_sql("t")).fetchone()[0]) == "2024-05-31"
    assert str(con.execute(Freshness(column="y", covers="financial_year").latest_sql("t")).fetchone()[0]) \
        == "2024-03-31"
