"""Dashboard pages: one module per page, each registering itself with Dash's page registry.

Dash imports every module here whose text registers a page; helpers that are not pages must not mention that call
(or start with an underscore).
"""
