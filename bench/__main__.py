"""`make bench`: run every bench/bench_*.py module in turn (each prints its own ratios)."""
import importlib
import pkgutil
import sys

import bench


def main() -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    if not names:
        print("no benchmarks")
        return 0
    failed = []
    for name in names:
        print(f"=== {name}", flush=True)
        module = importlib.import_module(f"bench.{name}")
        try:
            if module.main([]):
                failed.append(name)
        except SystemExit as exc:
            if exc.code not in (0, None):
                failed.append(name)
        except Exception as exc:  # report and go on with the others
            print(f"{name} failed: {exc!r}")
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
