"""Plotly figures drawn to PNG for printed reports, by kaleido over the machine's Chromium (Debian's package; no
browser is downloaded). One Chromium serves all of a report's figures (starting one costs about 2 s); reports in
one process take turns, so two PDFs at once never start two browsers over each other."""

from __future__ import annotations

import threading
import warnings

import plotly.graph_objects as go
import plotly.io as pio

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_one_browser = threading.Lock()
WAIT_FOR_BROWSER_SECONDS = 60   # a PDF whose turn does not come by then is refused, never left hanging


class ChartsUnavailable(RuntimeError):
    """No Chromium to draw with; str() says what to install."""


def to_pngs(figures: list[go.Figure], width: int, height: int, scale: float = 2) -> list[bytes]:
    import kaleido

    if not _one_browser.acquire(timeout=WAIT_FOR_BROWSER_SECONDS):
        raise ChartsUnavailable("the charts' browser is busy with other reports: try again in a minute")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")   # "kopts is ignored if using a server": the server is ours, on purpose
            try:
                kaleido.start_sync_server(silence_warnings=True)
            except Exception as error:  # noqa: BLE001 - choreographer raises several kinds when there is no browser
                raise ChartsUnavailable(f"charts need Chromium (Debian's package chromium): {error}") from error
            try:
                return [pio.to_image(figure, format="png", width=width, height=height, scale=scale)
                        for figure in figures]
            finally:
                kaleido.stop_sync_server(silence_warnings=True)
    finally:
        _one_browser.release()


def print_layout(figure: go.Figure, title: str) -> go.Figure:
    """Black text on white, a title, room for long names: a figure as it prints."""
    figure.update_layout(title={"text": title, "x": 0, "font": {"size": 18}}, template="plotly_white",
                         font={"family": "DejaVu Sans, Arial, sans-serif", "size": 13, "color": "#111111"},
                         margin={"l": 10, "r": 20, "t": 60, "b": 40}, colorway=list(OKABE_ITO))
    figure.update_yaxes(automargin=True)
    figure.update_xaxes(automargin=True)
    return figure
