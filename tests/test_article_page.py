"""The whole article: a summary-only item's page read once from a server on
127.0.0.1, its main text and images kept, boilerplate and walls left out."""

from __future__ import annotations

import pytest

from nexus_desktop.domain.content import Script
from nexus_desktop.pipeline import analyze
from nexus_desktop.pipeline.article_page import PAGE_FILE
from tests.conftest import make_article
from tests.feed_server import FeedServer, Route

STORY = [
    "A second pilot line for solid-state battery cells opened this week, doubling the number of cells the maker "
    "can put through abuse and cycle testing each month.",
    "Solid-state cells swap the liquid electrolyte for a ceramic or polymer layer. That change promises higher "
    "energy density and less fire risk, but it has been hard to manufacture at scale because the thin solid layer "
    "cracks as the cell swells and shrinks during charging.",
    "The new line uses a pressure frame that keeps the stack compressed through each cycle. Engineers say early "
    "cells kept 91 percent of their capacity after 800 full cycles, close to what carmakers ask for.",
    "Volume production is still at least two years away. The next milestone is a cell that passes "
    "nail-penetration tests without a pressure frame at all.",
]
BOILERPLATE = ["We use cookies to improve your experience", "Submitted by Mara", "Share on Facebook", "Read more",
               "Related stories", "All rights reserved", "Sign up for our newsletter"]


def page(body: str) -> bytes:
    return f"""<html><head><title>Solid-state batteries | Tech Digest</title>
<meta property="og:image" content="/img/lead.jpg"></head><body>
<nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/tech">Tech</a></nav>
<div class="cookie-banner"><p>We use cookies to improve your experience. Accept all cookies.</p></div>
{body}
<aside><h3>Related stories</h3><ul><li><a href="/a">Another battery story worth a look</a></li></ul></aside>
<div class="newsletter"><p>Sign up for our newsletter</p></div>
<footer><p>© 2026 Tech Digest. All rights reserved.</p></footer></body></html>""".encode()


ARTICLE_PAGE = page(
    "<article><h1>Solid-state batteries reach a second pilot line</h1>"
    "<p class='byline'>Submitted by Mara Lindqvist on Monday</p>"
    "<div class='share'><a>Share on Facebook</a> | <a>Share on X</a> | <a>Email</a></div>"
    f"<p>{STORY[0]}</p><figure><img src='/img/line.jpg' alt='The line'><figcaption>The line.</figcaption></figure>"
    + "".join(f"<p>{p}</p>" for p in STORY[1:]) + "<p><a href='/more'>Read more</a></p></article>"
)
PAYWALL_PAGE = page(
    f"<article><h1>Solid-state batteries</h1><p>{STORY[0]}</p>"
    "<div class='paywall'><p>Subscribe to continue reading. Already a subscriber? Log in.</p></div></article>"
)
LOGIN_PAGE = page(
    "<form action='/login'><h1>Sign in</h1><label>E-mail <input type='email' name='u'></label>"
    "<label>Password <input type='password' name='p'></label><button>Log in</button></form>"
    + "".join(f"<p>{p}</p>" for p in STORY)
)
SUMMARY = "A second pilot line for solid-state cells opened this week, doubling test output."


@pytest.fixture
def site():
    with FeedServer() as server:
        yield server


def summary_item(site: FeedServer, path: str, content: bytes, content_type: str = "text/html; charset=utf-8"):
    site.routes[path] = Route(content, content_type=content_type)
    # The stand-in site is on this computer, and so is its feed: its page may be read.
    return make_article(link=site.url(path), content_html="", summary_html=f"<p>{SUMMARY}</p>", feed_url=site.url("/feed.xml"))


def write(make_context, article) -> tuple[Script, object]:
    ctx = make_context(article=article)
    return Script.from_dict(analyze.run(ctx).results["script"]), ctx


def test_a_summary_only_item_is_narrated_from_its_page_without_boilerplate(make_context, site):
    script, ctx = write(make_context, summary_item(site, "/story", ARTICLE_PAGE))
    assert "Volume production is still at least two years away." in script.narration
    assert "Engineers say early cells kept 91 percent" in script.narration
    for junk in BOILERPLATE:
        assert junk.lower() not in script.narration.lower(), junk
    assert (ctx.job_dir / PAGE_FILE).is_file()
    # The page is read once: a re-run uses what was kept.
    analyze.run(make_context(article=summary_item(site, "/story", ARTICLE_PAGE)))
    assert site.hits["/story"] == 1


def test_the_pages_images_come_with_its_text(make_context, site):
    from nexus_desktop.pipeline.article_page import whole_article

    ctx = make_context(article=summary_item(site, "/story", ARTICLE_PAGE))
    article = whole_article(ctx)
    assert site.url("/img/line.jpg") in article.content_html
    assert article.image_url == site.url("/img/lead.jpg")


@pytest.mark.parametrize("wall", [PAYWALL_PAGE, LOGIN_PAGE], ids=["paywall", "login"])
def test_a_paywall_or_login_page_falls_back_to_the_feed_text(make_context, site, wall):
    script, _ = write(make_context, summary_item(site, "/walled", wall))
    assert SUMMARY in script.narration
    assert "Subscribe" not in script.narration and "Password" not in script.narration


def test_an_unreachable_page_falls_back_to_the_feed_text(make_context, site):
    article = make_article(link=site.url("/gone"), content_html="", summary_html=f"<p>{SUMMARY}</p>",
                           feed_url=site.url("/feed.xml"))
    script, ctx = write(make_context, article)
    assert SUMMARY in script.narration
    assert not (ctx.job_dir / PAGE_FILE).exists()  # tried again next time


def test_a_page_that_is_not_html_is_not_read(make_context, site):
    script, _ = write(make_context, summary_item(site, "/file", b"%PDF-1.7 ...", "application/pdf"))
    assert SUMMARY in script.narration


def test_a_full_feed_text_needs_no_page(make_context, site):
    site.routes["/story"] = Route(ARTICLE_PAGE, content_type="text/html")
    write(make_context, make_article(link=site.url("/story"), content_html="".join(f"<p>{p}</p>" for p in STORY * 2),
                                     feed_url=site.url("/feed.xml")))
    assert "/story" not in site.hits


def test_pages_are_not_read_when_switched_off(make_context, site, settings):
    settings.analyze.fetch_article_pages = False
    script, _ = write(make_context, summary_item(site, "/story", ARTICLE_PAGE))
    assert "/story" not in site.hits and SUMMARY in script.narration
