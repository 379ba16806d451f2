"""Reports finance and the data team take away: the budget monitoring pack (Excel, PDF, burst per manager) and the
Transparency Code spend file. Every figure comes through the query layer with a scope (query.scope), as the pages'
do; `python -m reports` runs them from the command line, the budget page offers them as downloads."""
