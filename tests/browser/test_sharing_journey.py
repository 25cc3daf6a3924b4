"""A reader shares an article by WeChat QR code and by copying its link; the counter follows."""

import pytest

from articles.models import Article
from articles.tests.factories import ArticleFactory, RegionFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture
def story(live_server):
    article = ArticleFactory(
        title="Where to watch the moon rise over the Huangpu",
        slug="moon-over-the-huangpu",
        region=RegionFactory(name="Shanghai", slug="shanghai"),
    )
    return {"pk": article.pk, "url": live_server.url + article.get_absolute_url()}


def _shares(page) -> str:
    return page.locator(".article-header [data-counter='shares']").inner_text().strip()


@pytest.mark.parametrize("width", [390, 1280])
def test_reader_shares_by_wechat_qr_and_copy_link_and_sees_the_count_rise(browser_page, story, width):
    page = browser_page(width=width, permissions=["clipboard-read", "clipboard-write"])
    page.add_init_script(CSP_LISTENER)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(story["url"])
    assert _shares(page) == "0 Shares"

    # One Share button; with no system share sheet it opens the menu of networks.
    toggle = page.locator("[data-share-toggle]")
    assert not page.locator(".share-wechat").is_visible()
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "true"

    # WeChat: a dialog with a QR code of the article's address.
    dialog = page.locator("#share-wechat-dialog")
    assert not dialog.is_visible()
    page.locator(".share-wechat").click()
    dialog.wait_for(state="visible")
    qr = dialog.locator("img.share-qr")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())
    assert "Scan" in dialog.inner_text()
    page.wait_for_function("() => document.querySelector(\".article-header [data-counter='shares']\").textContent.trim() === '1 Share'")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    # Copy link: the button replaces the read-only field; the link lands on the clipboard.
    assert not page.locator("[data-share-link-field]").is_visible()
    page.locator("[data-share-copy]").click()
    page.get_by_text("Link copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == story["url"]
    page.wait_for_function("() => document.querySelector(\".article-header [data-counter='shares']\").textContent.trim() === '2 Shares'")

    # The count is stored: a fresh visit shows it.
    page.reload()
    assert _shares(page) == "2 Shares"
    assert page.evaluate("window.__cspViolations") == []
    assert errors == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert Article.objects.get(pk=story["pk"]).share_count == 2


NATIVE_SHARE_STUB = """
window.__shared = [];
navigator.share = (data) => { window.__shared.push(data); return Promise.resolve(); };
"""


def _phone(browser_page):
    return browser_page(width=390, height=844, is_mobile=True, has_touch=True)


def test_on_a_phone_share_opens_the_system_share_sheet_and_counts(browser_page, story):
    page = _phone(browser_page)
    page.add_init_script(CSP_LISTENER)
    page.add_init_script(NATIVE_SHARE_STUB)
    page.goto(story["url"])

    page.locator("[data-share-toggle]").click()

    page.wait_for_function("() => window.__shared.length === 1")
    shared = page.evaluate("window.__shared[0]")
    assert shared["url"] == story["url"]
    assert shared["title"] == "Where to watch the moon rise over the Huangpu"
    assert shared["text"]
    assert not page.locator(".share-wechat").is_visible()  # the sheet, not the menu
    page.wait_for_function("() => document.querySelector(\".article-header [data-counter='shares']\").textContent.trim() === '1 Share'")
    assert page.evaluate("window.__cspViolations") == []
    assert Article.objects.get(pk=story["pk"]).share_count == 1


def test_a_closed_share_sheet_counts_nothing_and_opens_nothing(browser_page, story):
    page = _phone(browser_page)
    page.add_init_script(
        "navigator.share = () => Promise.reject(new DOMException('closed', 'AbortError'));"
    )
    page.goto(story["url"])
    page.locator("[data-share-toggle]").click()
    page.wait_for_timeout(300)
    assert not page.locator(".share-wechat").is_visible()
    assert _shares(page) == "0 Shares"


@pytest.mark.parametrize("device", ["phone without a share sheet", "desktop with one"])
def test_without_a_phone_share_sheet_share_opens_the_menu_with_the_wechat_qr(browser_page, story, device):
    if device == "desktop with one":
        page = browser_page(width=1280)
        page.add_init_script(NATIVE_SHARE_STUB)
    else:
        page = _phone(browser_page)
        page.add_init_script("delete Navigator.prototype.share; delete navigator.share;")
    page.goto(story["url"])

    page.locator("[data-share-toggle]").click()

    page.locator(".share-wechat").wait_for(state="visible")
    assert page.locator("[data-share-toggle]").get_attribute("aria-expanded") == "true"
    if device == "desktop with one":
        assert page.evaluate("window.__shared.length") == 0
    page.locator(".share-wechat").click()
    page.locator("#share-wechat-dialog").wait_for(state="visible")


def test_without_javascript_the_buttons_are_links_and_the_link_is_shown(browser_page, story):
    page = browser_page(width=390, java_script_enabled=False)
    page.goto(story["url"])
    field = page.locator("#share-link")
    assert field.is_visible() and field.input_value() == story["url"]
    assert field.get_attribute("readonly") is not None
    assert not page.locator("[data-share-copy]").is_visible()
    wechat = page.locator(".share-wechat")
    assert wechat.get_attribute("href") == f"/share/{story['pk']}/wechat.svg"
    assert page.locator(".share-weibo").get_attribute("target") == "_blank"
    assert wechat.is_visible()  # the networks are listed, with no Share button to open them
    assert not page.locator("[data-share-toggle]").is_visible()
