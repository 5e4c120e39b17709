"""Audit the locked dependencies for known vulnerabilities (pip-audit against requirements.lock).

Prints every finding. Fails (exit 1) on a finding that is not triaged in
scripts/audit-accepted.txt, where each accepted id is followed by why it cannot be exploited
here: a known vulnerability is taken as exploitable until someone has shown otherwise. When the
vulnerability service cannot be reached (a machine without internet), says so in one line and
exits 0: the audit then runs wherever the service is reachable, such as CI with internet.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
ACCEPTED = ROOT / "scripts" / "audit-accepted.txt"
UNREACHABLE_SIGNS = ("connection", "resolve", "timed out", "timeout", "network", "unreachable",
                     "max retries", "temporary failure", "ssl", "proxy", "403", "503")


def accepted_ids() -> set[str]:
    if not ACCEPTED.exists():
        return set()
    lines = (line.split("#", 1)[0].strip() for line in ACCEPTED.read_text().splitlines())
    return {line.split()[0] for line in lines if line}


def main() -> int:
    pip_audit = Path(sys.executable).with_name("pip-audit")
    done = subprocess.run(
        [str(pip_audit), "-r", str(LOCK), "--no-deps", "--disable-pip", "--progress-spinner",
         "off", "--format", "json", "--timeout", "20"],
        capture_output=True, text=True, timeout=600, check=False)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        message = " ".join(done.stderr.split())[-300:]
        if any(sign in message.lower() for sign in UNREACHABLE_SIGNS):
            print("dependency audit skipped: the vulnerability service is unreachable "
                  f"({message[-120:]})")
            return 0
        print(f"dependency audit could not run: {message or 'no output'}")
        return 1
    dependencies = report.get("dependencies", [])
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    if dependencies and len(skipped) == len(dependencies):
        # Installing from the package index works but its vulnerability data does not answer.
        print("dependency audit skipped: the vulnerability service is unreachable "
              f"(none of the {len(dependencies)} locked packages could be looked up)")
        return 0
    accepted = accepted_ids()
    findings = [(dep["name"], dep["version"], vuln)
                for dep in report.get("dependencies", []) for vuln in dep.get("vulns", [])]
    blocking = 0
    for name, version, vuln in findings:
        ids = {vuln["id"], *vuln.get("aliases", [])}
        triaged = bool(ids & accepted)
        blocking += not triaged
        fixed = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
        print(f"{'accepted' if triaged else 'VULNERABLE'}: {name} {version} {vuln['id']} "
              f"(fixed in {fixed})")
    print(f"dependency audit: {len(dependencies) - len(skipped)} packages checked"
          + (f" ({len(skipped)} could not be looked up)" if skipped else "")
          + f", {len(findings)} known vulnerabilities, {blocking} not triaged")
    return 1 if blocking else 0


if __name__ == "__main__":
    sys.exit(main())
