#!/usr/bin/env python3
"""Summarises schemathesis ndjson reports (scripts/schemathesis.sh writes one per role under
target/schemathesis/report-ROLE): per phase the scenarios, cases and failed checks, the run's time,
and each failure with its operation, check, status and request, for docs/hardening.md.
Usage: bench/st_summary.py REPORT.ndjson [...]"""
import collections
import json
import sys


def summarise(path):
    scenarios, cases, failed = collections.Counter(), collections.Counter(), collections.Counter()
    failures, start, end = [], None, None
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
    return scenarios, cases, failed, failures, (end - start) if start and end else 0


def main():
    for path in sys.argv[1:]:
        scenarios, cases, failed, failures, seconds = summarise(path)
        print(f"{path}: {seconds:.0f} s, {sum(cases.values())} cases, {sum(failed.values())} failed checks")
        for phase in sorted(scenarios):
            print(f"  {phase:9} {scenarios[phase]:6} scenarios {cases[phase]:8} cases {failed[phase]:5} failed")
        seen = set()
        for failure in failures:
            key = failure[:4]
            if key in seen:
                continue
            seen.add(key)
            print("  FAIL", *failure)


if __name__ == "__main__":
    main()
