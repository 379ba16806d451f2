"""Small pieces every page uses: the page title, number formats, the notice for a warehouse that cannot answer."""

from __future__ import annotations

import datetime as dt
import functools

import dash_bootstrap_components as dbc
import flask
from dash import html
from dash.exceptions import PreventUpdate

TITLE_CONFIG = "BOROUGH_INSIGHT_TITLE"


def app_title() -> str:
    return flask.current_app.config.get(TITLE_CONFIG, "Borough Insight")


def page_title(name: str | None = None):
    """A title for dash.register_page: the app's title, after the page name for pages other than home."""
    return lambda **_: f"{name} · {app_title()}" if name else app_title()


def unavailable(message: str, id_: str) -> dbc.Alert:
    return dbc.Alert([html.H2("Data not available", className="h5"), html.P(message, className="mb-0")],
                     color="warning", id=id_, className="mt-3")


NO_ACCESS = ("This page is outside your access, so it shows no data. If your work needs it, ask the data team "
             "to widen your access.")


def no_access(title: str, id_prefix: str):
    """What a page outside the user's scope shows: its title and a plain sentence, no data."""
    return html.Div([html.H1(title, id=f"{id_prefix}-title", className="mb-2"),
                     dbc.Alert([html.H2("Not in your access", className="h5"), html.P(NO_ACCESS, className="mb-0")],
                               color="secondary", id=f"{id_prefix}-no-access", className="mt-3")])


def count(value) -> str:
    return "–" if value is None else f"{int(value):,}"


def in_sentence(label: str) -> str:
    """A label as it reads inside a sentence: 'Repairs raised' -> 'repairs raised', with acronyms and names kept
    ('RP02 share', 'Emergency repairs ... (RP02)' -> 'emergency repairs ... (RP02)')."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def when(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        return f"{value:%-d %b %Y %H:%M}"
    return f"{value:%-d %b %Y}"


def scroll_region(table, label: str, id_: str | None = None, class_name: str = "") -> html.Div:
    """A wide table that may scroll sideways on a narrow screen, reachable and scrollable by keyboard
    (WCAG 2.1.1; axe rule scrollable-region-focusable), instead of dbc.Table(responsive=True). Every page's
    scrolling table is one of these."""
    extra = {"id": id_} if id_ else {}
    return html.Div(table, className=f"table-responsive {class_name}".strip(), tabIndex="0", role="region",
                    **{"aria-label": label}, **extra)


class PageCallbacks:
    """A page's own callbacks, declared at import with `@callbacks(Output(...), Input(...))` and registered by
    create_app on the app being built (app.callback), never the global dash.callback, which hands its callbacks
    to whichever app starts serving first. Dash imports the pages once per app, so each app gets one set."""

    def __init__(self, allowed=None) -> None:
        """allowed(): whether this request's user may use the page (checked before every callback runs; one that
        may not gets no data: Dash answers 204)."""
        self._declared: list[tuple[tuple, dict, object]] = []
        self._allowed = allowed

    def __call__(self, *args, **kwargs):
        def declare(function):
            self._declared.append((args, kwargs, function))
            return function
        return declare

    def register(self, app) -> None:
        for args, kwargs, function in self._declared:
            app.callback(*args, **kwargs)(self._guarded(function))

    def _guarded(self, function):
        if self._allowed is None:
            return function

        @functools.wraps(function)
        def guarded(*args, **kwargs):
            if not self._allowed():
                raise PreventUpdate
            return function(*args, **kwargs)
        return guarded
