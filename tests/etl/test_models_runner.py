"""The SQL model runner: dependency order from table names, errors that name the model."""

from pathlib import Path

import duckdb
import pytest

from etl.models import ModelError, dependency_order, load_models, referenced_names, run_models


def write_model(folder: Path, name: str, sql: str, spec: str | None = None) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.sql").write_text(sql)
    if spec:
        (folder / f"{name}.yaml").write_text(spec)


def test_referenced_names_ignores_comments():
    names = referenced_names("-- uses fact_old\nselect * from stg_spend join dim_ward using (ward_key)")
    assert {"stg_spend", "dim_ward"} <= names
    assert "fact_old" not in names


def test_models_run_in_dependency_order_whatever_their_folders(tmp_path):
    write_model(tmp_path / "marts", "fact_x", "with s as (select * from stg_x) select * from s")
    write_model(tmp_path / "marts", "dim_a", "select 1 as a_key")
    write_model(tmp_path / "staging", "stg_x", "select a_key, 10 as amount from dim_a")
    con = duckdb.connect()
    order = run_models(con, tmp_path)
    assert order.index("dim_a") < order.index("stg_x") < order.index("fact_x")
    assert con.execute("select amount from fact_x").fetchall() == [(10,)]


def test_only_runs_what_is_needed(tmp_path):
    write_model(tmp_path, "dim_a", "select 1 as a")
    write_model(tmp_path, "dim_b", "select * from dim_a")
    write_model(tmp_path, "dim_c", "select 3 as c")
    order = run_models(duckdb.connect(), tmp_path, only={"dim_b"})
    assert order == ["dim_a", "dim_b"]


def test_a_cycle_is_reported_by_name(tmp_path):
    write_model(tmp_path, "dim_a", "select * from dim_b")
    write_model(tmp_path, "dim_b", "select * from dim_a")
    with pytest.raises(ModelError, match="cycle"):
        dependency_order(load_models(tmp_path))


def test_a_failing_model_is_named(tmp_path):
    write_model(tmp_path, "fact_bad", "select no_such_column from (select 1 as a)")
    with pytest.raises(ModelError, match="fact_bad"):
        run_models(duckdb.connect(), tmp_path)


def test_published_and_spec(tmp_path):
    write_model(tmp_path, "fact_x", "select 1 as k",
                "description: x\ngrain: one x\nsource: spend\ntests:\n  unique: [k]\n")
    write_model(tmp_path, "stg_x", "select 1 as k")
    models = load_models(tmp_path)
    assert models["fact_x"].published and not models["stg_x"].published
    assert models["fact_x"].source == "spend"
    assert models["fact_x"].tests == {"unique": ["k"]}


def test_the_project_models_form_a_valid_graph():
    models = load_models()
    order = dependency_order(models)
    assert set(order) == set(models)
    for name, model in models.items():
        if name.startswith("fact_"):
            assert model.spec and model.spec.grain, f"{name}.yaml must state the grain"
