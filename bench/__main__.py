"""`make bench` (see bench/suite.py); each bench/bench_*.py also runs on its own."""
import sys

from bench.suite import main

if __name__ == "__main__":
    sys.exit(main())
