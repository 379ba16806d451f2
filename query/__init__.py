"""Borough Insight's query layer: selections and the SQL that answers them from the semantic layer."""
