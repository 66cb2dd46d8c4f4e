#!/usr/bin/env python3
"""Summarises schemathesis ndjson reports (scripts/schemathesis.sh writes one per role under
target/schemathesis/report-ROLE): per phase the scenarios, cases and failed checks, the run's time,
and each failure with its operation, check, status and request, for docs/hardening.md.
With --verdict it exits 1 when any check failed or schemathesis met an error other than the known
one of its own under Python 3.11 (a SystemError in hypothesis' printing, docs/hardening.md): the
service's answers decide, not the tool's crashes, and any other error still fails.
Usage: bench/st_summary.py [--verdict] REPORT.ndjson [...]"""
import collections
import json
import sys


def summarise(path):
    scenarios, cases, failed = collections.Counter(), collections.Counter(), collections.Counter()
    failures, errors, start, end = [], [], None, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                event = json.loads(line)
            except ValueError:
                continue  # a run cut off mid-line
            kind, body = next(iter(event.items()))
            stamp = body.get("timestamp") if isinstance(body, dict) else None
            if stamp:
                start = start or stamp
                end = stamp
            if kind == "NonFatalError":
                errors.append((body.get("label"), body.get("value", {}).get("type"), body.get("value", {}).get("message")))
            if kind != "ScenarioFinished":
                continue
            phase, recorder = body["phase"], body["recorder"]
            scenarios[phase] += 1
            cases[phase] += len(recorder.get("cases") or {})
            for case_id, checks in (recorder.get("checks") or {}).items():
                for check in checks:
                    if check.get("status") != "failure":
                        continue
                    failed[phase] += 1
                    case = (recorder.get("cases") or {}).get(case_id, {}).get("value", {})
                    interaction = (recorder.get("interactions") or {}).get(case_id) or {}
                    response = interaction.get("response") or {}
                    failures.append((phase, recorder["label"], check.get("name"), response.get("status_code"),
                                     case.get("path_parameters"), case.get("query"), case.get("body")))
    return scenarios, cases, failed, failures, errors, (end - start) if start and end else 0


def tool_error(error):
    """The CPython 3.11 AST recursion check tripping inside hypothesis (not an answer of ours)."""
    return error[1] == "SystemError" and "AST constructor recursion depth mismatch" in (error[2] or "")


def main():
    args = sys.argv[1:]
    verdict = "--verdict" in args
    paths = [a for a in args if a != "--verdict"]
    bad = not paths
    for path in paths:
        scenarios, cases, failed, failures, errors, seconds = summarise(path)
        print(f"{path}: {seconds:.0f} s, {sum(cases.values())} cases, {sum(failed.values())} failed checks, "
              f"{len(errors)} errors")
        for error in errors:
            print("  ERROR" + (" (the tool's own, ignored)" if tool_error(error) else ""), *error)
        bad = bad or bool(failures) or any(not tool_error(e) for e in errors) or not scenarios
        for phase in sorted(scenarios):
            print(f"  {phase:9} {scenarios[phase]:6} scenarios {cases[phase]:8} cases {failed[phase]:5} failed")
        seen = set()
        for failure in failures:
            key = failure[:4]
            if key in seen:
                continue
            seen.add(key)
            print("  FAIL", *failure)
    if verdict and bad:
        sys.exit(1)


if __name__ == "__main__":
    main()
