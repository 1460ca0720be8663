"""Run the float-stage conformance checks for one or more models.

    /usr/bin/python3 run_conformance.py --qfx-opt build/bin/qfx-opt \\
        --workdir /tmp/qfx-conf resnet18 lstm

Prints one summary line per model; exits non-zero on any difference (and
when torch is missing: that is a failure, never a skip).
"""

import argparse
import json
import os
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, _HERE)

import harness  # noqa: E402  (fails loudly without torch)
import models  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("models", nargs="*", help="model names (default: quick tier)")
    p.add_argument("--qfx-opt")
    p.add_argument("--qfx-run", help="also compare outputs numerically "
                                     "(models in eval mode)")
    p.add_argument("--workdir", default=os.path.join(os.getcwd(), "conformance-work"))
    p.add_argument("--tier", choices=["quick", "full", "all"], default="quick")
    p.add_argument("--bytecode", action="store_true", help="export .mlirbc")
    p.add_argument("--json", help="write the reports to this file")
    args = p.parse_args(argv)
    names = args.models or [n for n, c in models.MODELS.items()
                            if args.tier == "all" or c.tier == args.tier]
    reports, failed = [], []
    for name in names:
        start = time.time()
        model, inputs, case = models.build(name)
        try:
            report = harness.check_float_stage(
                name, model, inputs, args.workdir, args.qfx_opt,
                concrete_args=case.concrete_args, leaf_modules=case.leaf_modules,
                suffix=".mlirbc" if args.bytecode else ".mlir",
                qfx_run=args.qfx_run)
            unexpected = sorted(set(report["generic_calls"]) - case.generic)
            if unexpected:
                raise harness.ConformanceError(
                    "%s: unexpected qfx.call (a typed lowering fell back): %s"
                    % (name, ", ".join(unexpected)))
            stale = sorted(case.generic - set(report["generic_calls"]))
            if stale:
                raise harness.ConformanceError(
                    "%s: expected qfx.call never emitted (now typed? update "
                    "models.py): %s" % (name, ", ".join(stale)))
        except harness.ConformanceError as e:
            print("FAIL %s\n%s" % (name, e))
            failed.append(name)
            continue
        report["seconds"] = round(time.time() - start, 2)
        numerics = "" if report["max_abs_error"] is None else \
            ", outputs match (max abs err %.2g)" % report["max_abs_error"]
        reports.append(report)
        print("PASS %-24s fx nodes %4d (+%d elided getitem), qfx ops %5d "
              "(%d typed), params %d (%d bytes) bit-exact%s, %.1fs%s" % (
                  name, report["fx_nodes"], report["elided_getitems"],
                  report["qfx_ops"], report["typed_ops"],
                  report["parameters_checked"], report["parameter_bytes"],
                  numerics, report["seconds"],
                  ", generic: " + ", ".join("%s x%d" % kv for kv in sorted(
                      report["generic_calls"].items())) if report["generic_calls"] else ""))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(reports, f, indent=2)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
