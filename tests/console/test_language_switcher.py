"""The public pages' language switcher: the flow's languages, each named in itself, and in the
chosen language (and its writing direction) how to get help in it."""

from __future__ import annotations

import re

import pytest

PAGES = ["/volunteer-signup", "/community-grants"]


@pytest.mark.parametrize("path", PAGES)
def test_every_flow_language_is_offered_by_its_own_name(client, path):
    html = client.get(path).get_data(as_text=True)
    assert '<nav class="language-switcher" aria-label="Language">' in html
    links = re.findall(r'<a href="([^"]+)" lang="(\w+)" hreflang="\w+" dir="(\w+)"', html)
    assert links == [(f"{path}?lang=en", "en", "ltr"), (f"{path}?lang=pl", "pl", "ltr"),
                     (f"{path}?lang=ur", "ur", "rtl"), (f"{path}?lang=bn", "bn", "ltr")]
    for name in ("English", "Polski", "اردو", "বাংলা"):
        assert f">{name}</a>" in html
    assert 'class="inset" lang=' not in html  # English: the page speaks for itself


@pytest.mark.parametrize(("code", "direction", "words"), [
    ("pl", "ltr", "Pomoc po polsku: zadzwoń lub napisz SMS do Here2Help 01632 960000"),
    ("ur", "rtl", "اردو میں مدد کے لیے Here2Help کو 01632 960000 پر"),
    ("bn", "ltr", "বাংলায় সাহায্যের জন্য Here2Help-কে 01632 960000 নম্বরে"),
])
@pytest.mark.parametrize("path", PAGES)
def test_a_chosen_language_says_how_to_get_help_in_it(client, path, code, direction, words):
    html = client.get(f"{path}?lang={code}").get_data(as_text=True)
    assert f'<p class="inset" lang="{code}" dir="{direction}">' in html and words in html
    assert re.search(rf'lang="{code}"[^>]*aria-current="true"', html)


@pytest.mark.parametrize("junk", ["xx", "../etc", "<script>", "", "p%00l"])
def test_an_unknown_language_is_the_plain_english_page(client, junk):
    response = client.get(f"/volunteer-signup?lang={junk}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="inset" lang=' not in html and "<script>" not in html
