"""`here2help directory import|export|pdf` end to end on a scratch SQLite database, and the PDF."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from app import migrate
from app.cli import _register, cli
from app.services.directory.pdf import build_directory_pdf, correct_on

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hsds"


@pytest.fixture
def run(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    migrate.upgrade(url)
    env = {"DATABASE_URL": url, "HERE2HELP_INSTANCE": str(tmp_path), "SECRET_KEY": "x",
           "TWILIO_AUTH_TOKEN": "", "TWILIO_ACCOUNT_SID": "", "SMS_BACKEND": "record"}
    _register()

    def invoke(*args: str, **extra_env: str):
        return CliRunner(env=env | extra_env).invoke(cli, list(args))

    return invoke


def test_import_reports_progress_bad_records_and_summary(run):
    result = run("directory", "import", str(FIXTURES / "council_feed.json"))
    assert result.exit_code == 0, result.output
    assert "checked 8/8 records" in result.stderr
    # A service with no name takes its organisation's; one with no organisation stands alone.
    assert "(id bad-1)" not in result.stderr and "(id bad-3)" not in result.stderr
    assert "record 6 (id missing): not a JSON object" in result.stderr
    assert result.stdout.strip() == "6 imported (6 new, 0 updated), 2 rejected"
    again = run("directory", "import", str(FIXTURES / "council_feed.json"))
    assert again.stdout.strip() == "6 imported (0 new, 6 updated), 2 rejected"


def test_import_nothing_good_exits_1(run, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": "1"}, 7]))
    result = run("directory", "import", str(bad))
    assert result.exit_code == 1
    assert "error: nothing was imported" in result.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{")
    result = run("directory", "import", str(broken))
    assert result.exit_code == 1 and "is not JSON" in result.stderr
    assert "Traceback" not in result.output


def test_export_and_pdf_commands(run, tmp_path):
    run("directory", "import", str(FIXTURES / "council_feed.json"))
    out = tmp_path / "export.json"
    result = run("directory", "export", str(out))
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["total_items"] == 6
    pdf = tmp_path / "dir.pdf"
    result = run("directory", "pdf", str(pdf))
    assert result.exit_code == 0, result.output
    assert "Community Services Directory" in pypdf.PdfReader(pdf).pages[0].extract_text()


def test_pdf_has_contents_page_footer_everywhere_and_flags(db_session, directory):
    today = date(2026, 11, 23)
    reader = pypdf.PdfReader(io.BytesIO(build_directory_pdf(db_session, today=today,
                                                            review_months=12)))
    texts = [page.extract_text() for page in reader.pages]
    assert len(texts) >= 4
    assert "Contents" in texts[0]
    for heading in ("Food", "Befriending", "Wellbeing", "Food: Worcester", "Food: Redditch"):
        assert heading in texts[0]
    for text in texts:
        assert "Correct on 23 November 2026" in text
    body = "\n".join(texts[1:])
    assert "Worcester Foodbank" in body and "Phone: 01632 960001" in body
    assert "NEEDS REVIEW: last checked 1 March 2024" in body
    assert body.count("NEEDS REVIEW") == 1
    assert correct_on(date(2026, 1, 5)) == "Correct on 5 January 2026"


def test_pdf_of_empty_directory(db_session):
    reader = pypdf.PdfReader(io.BytesIO(build_directory_pdf(db_session, today=date(2026, 1, 1),
                                                            review_months=12)))
    assert "The directory is empty." in "".join(p.extract_text() for p in reader.pages)


def test_markup_in_directory_text_is_printed_not_obeyed(db_session):
    """A district or name with reportlab markup: no fetch (SSRF), no broken PDF, shown as typed."""
    import http.server
    import threading

    from app.services.directory.entries import ServiceInput, create_service

    fetched: list[str] = []

    class Recorder(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            fetched.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            return None

    server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        evil = f'<img src="http://127.0.0.1:{server.server_port}/ssrf" width="1" height="1"/>'
        create_service(db_session, ServiceInput(
            organisation_name="Trust <b", name="Pantry <b", needs=("food",), districts=(evil,),
            last_reviewed_on=date(2026, 9, 1)))
        pdf = build_directory_pdf(db_session, today=date(2026, 11, 23), review_months=12)
    finally:
        server.shutdown()
        server.server_close()
    assert fetched == []
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Pantry <b" in text and "/ssrf" in text


def test_import_area_applies_to_services_without_locations_and_export(run, tmp_path):
    feed = tmp_path / "oruk.json"
    feed.write_text(json.dumps({"total_items": 1, "contents": [{
        "id": "7", "name": "Debt Help", "description": "<p>Debt advice&nbsp;</p><p><br></p>",
        "organization": {"id": "o7", "name": "Advice Trust"}}]}))
    result = run("directory", "import", str(feed), "--area", "Redditch", "--area", "Wychavon")
    assert result.exit_code == 0, result.output
    out = tmp_path / "export.json"
    assert run("directory", "export", str(out)).exit_code == 0
    [service] = json.loads(out.read_text())["contents"]
    assert [(a["taxonomy_term"]["taxonomy"], a["taxonomy_term"]["name"])
            for a in service["attributes"]] == [("here2help-needs", "money")]
    assert service["description"] == "Debt advice"
    bad = run("directory", "import", str(feed), "--area", "x" * 81)
    assert bad.exit_code == 2


def test_sync_without_feeds_and_with_a_dead_feed(run):
    result = run("directory", "sync")
    assert (result.exit_code, result.output.strip()) == (
        1, "error: DIRECTORY_FEEDS is not set: nothing to sync")
    dead = run("directory", "sync", DIRECTORY_FEEDS="http://127.0.0.1:9/api=Worcester")
    assert dead.exit_code == 1
    assert "http://127.0.0.1:9/api: FAILED, entries kept" in dead.output
