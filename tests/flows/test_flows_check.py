"""`here2help flows check|graph` and the checks behind them, on the shipped flow and broken ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.domain.enums import Category, Channel, Need
from app.domain.flow_engine import menu_text
from app.domain.flow_files import load_flow
from app.domain.sms_segments import count_segments

FLOW = Path(__file__).resolve().parents[2] / "flows" / "here2help.yaml"


def test_the_shipped_flow_passes(here2help):
    code, out, err = here2help("flows", "check", str(FLOW))
    assert code == 0, err
    assert "ok (11 nodes; languages en, pl, ur, bn;" in out


def test_one_file_is_checked_whatever_the_rest_of_the_configuration(here2help, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "bogus")
    code, out, err = here2help("flows", "check", str(FLOW))
    assert code == 0, err
    assert "ok (11 nodes" in out and "recording ur/welcome.mp3" in out


def test_check_without_a_file_checks_every_flow_in_flows_dir(here2help, tmp_path, monkeypatch):
    (tmp_path / "here2help.yaml").write_text(FLOW.read_text())
    (tmp_path / "b.yml").write_text(FLOW.read_text().replace("next: privacy", "next: nowhere", 1))
    monkeypatch.setenv("FLOWS_DIR", str(tmp_path))
    code, out, err = here2help("flows", "check")
    assert code == 1
    assert f"{tmp_path / 'here2help.yaml'}: ok" in out
    assert f"{tmp_path / 'b.yml'}:language: goes to an unknown node 'nowhere'" in out
    assert err.strip() == "error: 1 problem file(s) among 2 flow file(s)"


def test_check_without_a_file_needs_the_default_flow(here2help, tmp_path, monkeypatch):
    (tmp_path / "other.yaml").write_text(FLOW.read_text())
    monkeypatch.setenv("FLOWS_DIR", str(tmp_path))
    code, out, _err = here2help("flows", "check")
    assert code == 1
    assert f"{tmp_path}:flow: no here2help.yaml: the webhooks need it" in out


def _broken(tmp_path: Path, old: str, new: str, count: int = 1) -> Path:
    text = FLOW.read_text()
    assert old in text
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new, count))
    return path


@pytest.mark.parametrize(("old", "new", "expected"), [
    ("    next: postcode\n", "    next: postkod\n", "details: goes to an unknown node 'postkod'"),
    ("    next: name\n", "    next: consent\n", "name: unreachable: no path from the start"),
    ("    next: done\n", "    next: consent\n",
     "consent: no way out: no path from here reaches a finish or hand-over"),
    ('      pl: "Jaki jest Twój kod pocztowy?"\n', "",
     "postcode: text has no 'pl' translation"),
    ("    type: ask\n    kind: text\n    field: details\n",
     "    type: ask\n    kind: text\n    field: details\n    field: name\n",
     "details: duplicate key 'field' (line"),
    ("  privacy:\n", "  details:\n", "details: duplicate key 'details' (line"),
    ("        set: {category: shielding}", "        set: {category: shielded}",
     "category: category 'shielded' is not one of shielding, self_isolation, other"),
    ("      - key: \"2\"\n        label: {en: Prescriptions",
     "      - key: \"1\"\n        label: {en: Prescriptions", "need: duplicate option key '1'"),
    ("    kind: postcode\n", "    kind: postal\n", "postcode: kind: 'postal' is not one of"),
    ("  confirm_postcode:\n", "  confirm_postcodes:\n",
     "flow: phrase 'confirm_postcode' is missing"),
])
def test_each_kind_of_mistake_is_one_line_naming_file_and_node(here2help, tmp_path, old, new,
                                                                expected):
    path = _broken(tmp_path, old, new)
    code, out, err = here2help("flows", "check", str(path))
    assert code == 1
    assert f"{path}:{expected}" in out, out
    assert err.startswith("error: 1 problem file(s) among 1 flow file(s)")
    assert "Traceback" not in out + err


def test_not_yaml_and_missing_file_are_one_line_errors(here2help, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\n")
    code, out, _err = here2help("flows", "check", str(bad))
    assert code == 1 and f"{bad}:flow: not valid YAML" in out
    code, _out, err = here2help("flows", "check", str(tmp_path / "missing.yaml"))
    assert code == 1 and err.strip().endswith("missing.yaml: no such file")


def test_graph_prints_mermaid_with_every_node_and_edge(here2help):
    code, out, _err = here2help("flows", "graph", str(FLOW))
    assert code == 0
    assert out.startswith("flowchart TD\n")
    flow = load_flow(FLOW)
    for node_id in flow.nodes:
        assert f"    {node_id}" in out
    assert 'category -- "0 Speak to a person" --> speak_to_person' in out
    assert 'need -- "5 Money worries" --> details' in out


def test_graph_refuses_a_broken_flow(here2help, tmp_path):
    path = _broken(tmp_path, "    next: postcode\n", "    next: nowhere\n")
    code, _out, err = here2help("flows", "graph", str(path))
    assert code == 1
    assert "goes to an unknown node 'nowhere'" in err


def test_default_flow_offers_every_category_and_need():
    flow = load_flow(FLOW)
    categories = {o.set.get("category") for o in flow.nodes["category"].options} - {None}
    needs = {o.set.get("need") for o in flow.nodes["need"].options}
    assert categories == {c.value for c in Category}
    assert needs == {n.value for n in Need}
    assert [o.key for o in flow.nodes["category"].options] == ["1", "2", "3", "0"]


@pytest.mark.parametrize("language", ["en", "pl", "ur", "bn"])
def test_every_sms_menu_fits_in_two_segments(language):
    flow = load_flow(FLOW)
    for node in flow.nodes.values():
        texts = [node.text[language]] if node.text else []
        if node.type == "menu":
            texts = [menu_text(flow, node, language, Channel.SMS)]
        for text in texts:
            assert count_segments(text).segments <= 2, (node.id, count_segments(text), text)
    for name in ("help", "closing_sms", "resume_sms", "handover_sms", "opted_in", "status_none",
                 "cancelled"):
        text = flow.phrase(name, language).replace("{reference}", "H2H-7K3Q")
        assert count_segments(text).segments <= 2, (name, text)


def _voiceless(tmp_path) -> Path:
    """A flow whose Polish has no Twilio voice: the phone needs recordings of every prompt."""
    path = tmp_path / "voiceless.yaml"
    path.write_text(FLOW.read_text().replace(
        "pl: {name: Polski, voice: pl-PL, tts: Polly.Ewa}", "pl: {name: Polski, voice: pl-PL}"))
    return path


def test_check_reports_every_prompt_with_neither_a_voice_nor_a_recording(here2help, tmp_path):
    from app.domain.voice_prompts import spoken_prompts

    flow = load_flow(_voiceless(tmp_path))
    prompts = tmp_path / "prompts"
    (prompts / "pl").mkdir(parents=True)
    for language in ("pl", "ur"):
        (prompts / language).mkdir(exist_ok=True)
        for _where, key in spoken_prompts(flow, language):
            if key != "need.5":  # every recording but one
                (prompts / language / f"{key}.mp3").write_bytes(b"ID3")
    code, out, err = here2help("flows", "check", str(tmp_path / "voiceless.yaml"),
                               "--prompts", str(prompts))
    assert code == 0, err
    missing = [line for line in out.splitlines() if "no recording" in line]
    assert missing == [
        f"{tmp_path / 'voiceless.yaml'}:need: no pl voice and no recording pl/need.5.mp3",
        f"{tmp_path / 'voiceless.yaml'}:need: no ur voice and no recording ur/need.5.mp3"]
    assert "2 phone prompt(s) with neither a voice nor a recording" in out
    code, out, err = here2help("flows", "check", str(tmp_path / "voiceless.yaml"),
                               "--prompts", str(prompts), "--require-voice")
    assert code == 1 and ": ok" not in out
    assert err.strip() == "error: 1 problem file(s) among 1 flow file(s)"


def test_check_counts_translations_awaiting_review(here2help, tmp_path):
    code, out, _err = here2help("flows", "check", str(FLOW), "--prompts", str(tmp_path))
    assert code == 0
    flow = load_flow(FLOW)
    unreviewed = sum(1 for (_w, lang), state in flow.reviews.items()
                     if lang == "ur" and state == "unreviewed")
    assert unreviewed > 40 and f"ur: 3 reviewed, {unreviewed} unreviewed" in out
    # Every Urdu and Bengali text in the shipped flow says whether it has been checked.
    for node in flow.nodes.values():
        for language in ("ur", "bn"):
            assert (f"node {node.id}", language) in flow.reviews, node.id
    for name in flow.phrases:
        assert (f"phrase {name}", "ur") in flow.reviews and (f"phrase {name}", "bn") in \
            flow.reviews, name


def test_check_refuses_a_change_language_target_that_is_no_language_menu(here2help, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(FLOW.read_text().replace("  target: language\n", "  target: need\n", 1))
    code, out, _err = here2help("flows", "check", str(path), "--prompts", str(tmp_path))
    assert code == 1
    assert (f"{path}:flow: change_language.target 'need' must be a menu whose options set the "
            "language") in out

