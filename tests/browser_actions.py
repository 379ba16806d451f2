"""What the browser tests do with a page: real mouse clicks on plotly marks, and waiting until a page of cards has
stopped changing. Plotly listens on its drag layer, so a click is a mouse move and click at the mark's centre, not
an element.click(). A card's chart far out of view is drawn when it nears the view (assets/page_view.js): until
then it is marked data-draw="waiting", so a test brings a card into view before reading or clicking its chart."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

# every card has drawn something (a chart, a table or a message; or its chart waits to be scrolled near) and the
# page height has held still for a second
SETTLED = """async (limit) => {
    const drawn = () => Array.from(document.querySelectorAll('.chart-card .card-content')).every(
        c => c.querySelector('.main-svg, table, .empty-message, .error-message, [data-draw="waiting"]')
             && !c.querySelector('.js-plotly-plot:empty'));
    const end = performance.now() + limit;
    let height = -1, still = 0;
    while (still < 4 && performance.now() < end) {
        await new Promise(r => setTimeout(r, 250));
        const now = document.body.scrollHeight;
        still = (now === height && drawn()) ? still + 1 : 0;
        height = now;
    }
    return still >= 4;
}"""


def settle(page: Page, timeout: int) -> None:
    """Wait until no request is in flight and every card is drawn with the page no longer moving."""
    page.wait_for_load_state("networkidle")
    assert page.evaluate(SETTLED, timeout), "the page did not settle: a card is still loading or keeps resizing"


def click_at(page: Page, x: float, y: float) -> None:
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def click_centre(page: Page, mark: Locator, timeout: int, visible: bool = True, settled: bool = False) -> None:
    """A real mouse click in the middle of `mark`, once it is shown and the page no longer moves under the mouse
    (no request in flight; with settled=True, every card drawn and the height still too)."""
    (expect(mark).to_be_visible if visible else expect(mark).to_be_attached)(timeout=timeout)
    if settled:
        settle(page, timeout)
    mark.scroll_into_view_if_needed()
    page.wait_for_load_state("networkidle")
    box = mark.bounding_box()
    click_at(page, box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def in_view(page: Page, card_id: str, timeout: int) -> None:
    """Scroll the card into view and wait until its chart is drawn (not waiting for the view any more)."""
    page.locator(f"#{card_id}").scroll_into_view_if_needed()
    expect(page.locator(f"#{card_id} .js-plotly-plot")).to_have_count(1, timeout=timeout)
    expect(page.locator(f'#{card_id} [data-draw="waiting"]')).to_have_count(0, timeout=timeout)


def click_bar(page: Page, card_id: str, index: int, timeout: int, settled: bool = False) -> None:
    """Click the index-th bar of the plotly chart in the card with this id (e.g. "repairs-by-trade")."""
    in_view(page, card_id, timeout)
    click_centre(page, page.locator(f"#{card_id} .js-plotly-plot .bars path").nth(index), timeout, settled=settled)
