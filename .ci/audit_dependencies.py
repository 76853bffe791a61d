"""Audit the installed environment with pip-audit, and say plainly what was and was not audited.

    .venv/bin/python .ci/audit_dependencies.py

Run by .ci/run after the README's test command has installed the project and its test extras
into .venv. pip-audit asks PyPI's vulnerability feed (https://pypi.org/pypi/NAME/VERSION/json)
about every installed distribution (the project itself, installed editable, is skipped).

Outcomes, each with its own exit status and message:
- 0, "no known vulnerabilities": every distribution was audited and none is affected.
- 1, "KNOWN VULNERABILITIES": a list of package, version, advisory and fixed versions; raise the
  package's minimum version in pyproject.toml (or the dependency that pulls it in) and reinstall.
- 2, "pip-audit could not run": the feed could not be reached at all (network, outage), or
  pip-audit failed; its own error is printed. Nothing was audited.
- 0 with a loud "NOT AUDITED" warning: the feed answered but had no entry for some
  distributions (a mirror that serves only the package index answers 404 for every version,
  and pip-audit then skips the package). The count is printed so that a green run never hides
  an audit that did not happen; FACILITY_AUDIT_STRICT=1 turns this case into exit 3.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "audit.json"
        command = [sys.executable, "-m", "pip_audit", "--skip-editable",
                   "--progress-spinner", "off", "--format", "json", "--output", str(report_path)]
        print("+ " + " ".join(command[2:]), flush=True)
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        if not report_path.exists() or not report_path.read_text().strip():
            print("pip-audit could not run; nothing was audited:", file=sys.stderr)
            print((completed.stderr or completed.stdout).strip()[-3000:], file=sys.stderr)
            return 2
        report = json.loads(report_path.read_text())

    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    if vulnerable:
        print(f"KNOWN VULNERABILITIES in {len(vulnerable)} installed package(s):", file=sys.stderr)
        for dep in vulnerable:
            for vuln in dep["vulns"]:
                fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed version yet"
                print(f"  {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})",
                      file=sys.stderr)
        print("Raise the minimum versions in pyproject.toml and reinstall.", file=sys.stderr)
        return 1
    if skipped:
        print(f"WARNING: pip-audit audited {audited} of {len(dependencies)} installed packages; "
              f"{len(skipped)} were NOT AUDITED because the vulnerability feed had no entry for "
              "them (first: " + skipped[0]["skip_reason"] + ").", file=sys.stderr)
        print("This is not a clean audit. Run it where pypi.org's JSON API answers for "
              "versions (or set FACILITY_AUDIT_STRICT=1 to fail here).", file=sys.stderr)
        return 3 if os.environ.get("FACILITY_AUDIT_STRICT") == "1" else 0
    print(f"pip-audit: no known vulnerabilities in {audited} installed packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
