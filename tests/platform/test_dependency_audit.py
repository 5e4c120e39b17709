"""scripts/audit_dependencies.py: fails on an untriaged vulnerability, passes a triaged one,
and says in one line that it skipped when the vulnerability service cannot be reached."""

from __future__ import annotations

import importlib.util
import json
import subprocess

import pytest

from app.settings import PROJECT_ROOT


@pytest.fixture
def audit(monkeypatch, tmp_path):
    spec = importlib.util.spec_from_file_location(
        "audit_dependencies", PROJECT_ROOT / "scripts" / "audit_dependencies.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.ACCEPTED = tmp_path / "accepted.txt"

    def run(stdout: str = "", stderr: str = "", accepted: str = "") -> int:
        module.ACCEPTED.write_text(accepted)
        monkeypatch.setattr(subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(
            a, 1, stdout, stderr))
        return module.main()

    return run


VULNERABLE = json.dumps({"dependencies": [
    {"name": "requests", "version": "2.31.0", "vulns": [
        {"id": "GHSA-9hjg-9r4m-mvj7", "aliases": ["CVE-2024-47081"], "fix_versions": ["2.32.4"]}]},
    {"name": "flask", "version": "3.1.3", "vulns": []}]})


def test_an_untriaged_finding_fails(audit, capsys):
    assert audit(VULNERABLE) == 1
    out = capsys.readouterr().out
    assert "VULNERABLE: requests 2.31.0 GHSA-9hjg-9r4m-mvj7 (fixed in 2.32.4)" in out


def test_a_triaged_finding_is_reported_but_passes(audit, capsys):
    assert audit(VULNERABLE, accepted="CVE-2024-47081  # no .netrc on our hosts\n") == 0
    assert "accepted: requests" in capsys.readouterr().out


@pytest.mark.parametrize(("stdout", "stderr"), [
    ("", "requests.exceptions.ConnectionError: Failed to resolve 'api.osv.dev'"),
    (json.dumps({"dependencies": [{"name": "requests", "skip_reason": "not found on PyPI"}]}),
     ""),
])
def test_an_unreachable_service_is_one_line_and_passes(audit, capsys, stdout, stderr):
    assert audit(stdout, stderr) == 0
    out = capsys.readouterr().out
    assert out.startswith("dependency audit skipped: the vulnerability service is unreachable")
    assert out.count("\n") == 1
