"""The layering rules, checked on the imports the code really makes (parsed, not run).

- a service imports another service only through its ``contract`` package;
- ``services.common`` imports no service;
- ``domain/`` code is pure: nothing it imports, directly or through other modules of the
  platform (package ``__init__`` modules included), reaches nameko, pymongo, kombu or eventlet;
- ``contract/`` imports only its own contract, ``services.common`` and libraries;
- the operator CLI (``services.regionctl``) reaches the services through their ``cli`` modules;
- no import cycle between modules.

Every import statement counts, also those inside functions: a deferred import hides a cycle from
Python, not from the reader.
"""
import ast
import os
from collections import defaultdict

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SERVICES = os.path.join(ROOT, "services")
INFRASTRUCTURE = {"nameko", "pymongo", "bson", "kombu", "amqp", "eventlet", "werkzeug"}


def _module_name(path: str) -> str:
    rel = os.path.relpath(path, ROOT)[:-3].replace(os.sep, ".")
    return rel.removesuffix(".__init__")


def _discover() -> dict[str, str]:
    modules = {}
    for folder, _dirs, files in os.walk(SERVICES):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                modules[_module_name(path)] = path
    return modules


MODULES = _discover()


def _is_package(module: str) -> bool:
    return MODULES.get(module, "").endswith("__init__.py")


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if _is_package(module) else module.split(".")[:-1]
    base = base[:len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _imports(module: str) -> set[str]:
    """Every module name this module imports (platform modules resolved to the deepest one that
    exists; libraries by their full dotted name)."""
    with open(MODULES[module], encoding="utf-8") as source:
        tree = ast.parse(source.read(), MODULES[module])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(module, node)
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def _service_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and module.startswith("services.") else None


def _platform_targets(module: str) -> set[str]:
    return {t for t in GRAPH[module] if t in MODULES}


def _parents(module: str) -> list[str]:
    parts = module.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]) in MODULES]


def test_the_walk_sees_the_platform():
    # a broken walk would pass every rule below: make sure it found the services and their edges
    assert {"services.common.errors", "services.regionctl"} <= set(MODULES)
    assert len(MODULES) > 100
    assert sum(len(_platform_targets(m)) for m in MODULES) > 300


def test_services_import_other_services_only_through_their_contract():
    offences = []
    for module, targets in GRAPH.items():
        own = _service_of(module)
        if own in (None, "common", "regionctl"):
            continue
        for target in targets:
            other = _service_of(target)
            if other in (None, own, "common") or not target.startswith("services."):
                continue
            if not (target == f"services.{other}.contract"
                    or target.startswith(f"services.{other}.contract.")):
                offences.append(f"{module} -> {target}")
    assert offences == []


def test_common_imports_no_service():
    offences = [f"{m} -> {t}" for m, targets in GRAPH.items() if _service_of(m) == "common"
                for t in targets if t.startswith("services.")
                and _service_of(t) not in ("common", None)]
    assert offences == []


def test_the_cli_reaches_services_through_their_cli_modules():
    offences = [t for t in GRAPH["services.regionctl"] if t.startswith("services.")
                and _service_of(t) != "common" and not t.endswith(".cli")]
    assert offences == []


def _reaches_infrastructure(module: str) -> list[str]:
    """A path from ``module`` to an infrastructure library, through platform modules and the
    package ``__init__`` modules Python runs on the way, or [] when there is none."""
    seen, stack = {module}, [(module, [module])]
    while stack:
        current, path = stack.pop()
        for target in sorted(GRAPH[current]):
            if target.split(".")[0] in INFRASTRUCTURE:
                return path + [target]
        for target in sorted(_platform_targets(current) | set(_parents(current))):
            if target not in seen:
                seen.add(target)
                stack.append((target, path + [target]))
    return []


DOMAIN_MODULES = sorted(m for m in MODULES if ".domain." in m or m.endswith(".domain"))


def test_there_is_domain_code_to_check():
    assert {_service_of(m) for m in DOMAIN_MODULES} >= {"investments", "budgets", "personnel"}


@pytest.mark.parametrize("module", DOMAIN_MODULES)
def test_domain_code_is_pure(module):
    assert _reaches_infrastructure(module) == []


CONTRACT_MODULES = sorted(m for m in MODULES if ".contract." in m or m.endswith(".contract"))


@pytest.mark.parametrize("module", CONTRACT_MODULES)
def test_a_contract_imports_only_its_own_contract_and_common(module):
    own = module.split(".contract")[0] + ".contract"
    offences = [t for t in _platform_targets(module)
                if not (t == own or t.startswith(own + ".") or _service_of(t) == "common")]
    assert offences == []


def _cycles() -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, found = {}, {}, set(), [], []
    counter = [0]
    for start in sorted(MODULES):
        if start in index:
            continue
        work = [(start, iter(sorted(_platform_targets(start))))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(_platform_targets(child)))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles():
    assert _cycles() == []


def test_the_cycle_finder_finds_a_cycle():
    GRAPH["services.common.errors"].add("services.common.regions")
    GRAPH["services.common.regions"].add("services.common.errors")
    try:
        assert ["services.common.errors", "services.common.regions"] in _cycles()
    finally:
        GRAPH["services.common.errors"] = _imports("services.common.errors")
        GRAPH["services.common.regions"] = _imports("services.common.regions")
