"""Summarise a py-spy ``--format raw`` (collapsed stacks) file: the share of samples in which each
function is on the stack (inclusive) and on top (self), the idle share (the eventlet hub waiting
in epoll) apart.  ``python -m bench.flame_summary FILE [TOP]``"""
import sys
from collections import Counter

IDLE_MARKERS = ("poll (eventlet/hubs/", "wait (eventlet/hubs/", "select (eventlet/hubs/")


def frame_name(frame: str) -> str:
    # "function (path/to/module.py:line)" -> "function (module.py)"
    name, _, where = frame.partition(" (")
    path = where.rsplit(":", 1)[0]
    return f"{name} ({'/'.join(path.split('/')[-2:])})"


def summarise(path: str, top: int = 25) -> str:
    inclusive, own = Counter(), Counter()
    total = idle = 0
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not stack:
                continue
            n = int(count)
            frames = [frame_name(x) for x in stack.split(";")]
            total += n
            if any(m in stack.split(";")[-1] or m in stack for m in IDLE_MARKERS) and \
                    "hubs/" in stack.split(";")[-1]:
                idle += n
                continue
            own[frames[-1]] += n
            for name in set(frames):
                inclusive[name] += n
    busy = total - idle
    lines = [f"{path}: {total} samples, idle (hub waiting) {100 * idle / max(total, 1):.1f}%, "
             f"busy {busy}"]
    lines.append("inclusive (% of all samples):")
    for name, n in inclusive.most_common(top):
        lines.append(f"  {100 * n / total:5.1f}%  {name}")
    lines.append("self (% of all samples):")
    for name, n in own.most_common(top):
        lines.append(f"  {100 * n / total:5.1f}%  {name}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summarise(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25))
