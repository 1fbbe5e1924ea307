"""The regeneration pipeline: stable names, deterministic output, a check mode that sees drift."""

from __future__ import annotations

import importlib
import inspect
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from scripts import naming, regenerate
from tests.conftest import OLDER_SPEC, ROOT, shared_file

GENERATED = ROOT / "generated" / "mongars_api"
ENDPOINT_FUNCTIONS = ("sync", "sync_detailed", "asyncio", "asyncio_detailed")


def generated_operations(package: Path) -> set[str]:
    """`group.name` of every endpoint module in a generated package."""
    return {
        f"{module.parent.name}.{module.stem}"
        for module in (package / "api").glob("*/*.py")
        if module.name != "__init__.py"
    }


def test_endpoint_modules_are_exactly_the_operations_of_the_spec(our_spec: dict[str, Any]) -> None:
    # The list comes from openapi.json: an added operation needs no edit here.
    expected = {n.dotted for n in naming.name_operations(our_spec)}
    assert generated_operations(GENERATED) == expected
    assert len(expected) == len(list(naming.iter_operations(our_spec)))


def test_every_operation_of_our_spec_is_named_by_the_mapping(our_spec: dict[str, Any]) -> None:
    unnamed = [n.key for n in naming.name_operations(our_spec) if not n.from_mapping]
    assert unnamed == [], (
        "pin these names before users import them: `make update-spec FROM=openapi.json` writes "
        "their fallback names into scripts/operations.toml"
    )


def test_no_generated_name_carries_fastapi_suffixes() -> None:
    for module in (GENERATED / "api").rglob("*.py"):
        assert "_api_v1_" not in module.stem
        assert not module.stem.endswith(("_get", "_post", "_put", "_delete", "_patch"))
    for module in (GENERATED / "models").glob("*.py"):
        assert "_api_v1_" not in module.stem
        assert not module.stem.startswith("body_")


SPEC_NAMES = sorted(
    n.dotted for n in naming.name_operations(json.loads((ROOT / "openapi.json").read_text()))
)


@pytest.mark.parametrize("dotted", SPEC_NAMES)
def test_each_endpoint_module_offers_the_four_functions(dotted: str) -> None:
    module = importlib.import_module(f"mongars_api.api.{dotted}")
    for function in ENDPOINT_FUNCTIONS:
        assert callable(getattr(module, function)), f"{dotted}.{function}"
    assert inspect.iscoroutinefunction(module.asyncio)


def test_inline_schemas_get_class_names_from_our_operation_names() -> None:
    from mongars_api.models import AuthLoginResponse, LoginForm, UsersRegisterResponse

    assert {AuthLoginResponse.__name__, LoginForm.__name__, UsersRegisterResponse.__name__} == {
        "AuthLoginResponse",
        "LoginForm",
        "UsersRegisterResponse",
    }


def test_both_packages_are_typed() -> None:
    assert (GENERATED / "py.typed").is_file()
    assert (ROOT / "facade" / "mongars_client" / "py.typed").is_file()


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("get", "/api/v1/peer/load", ("peer", "get_load")),
        ("post", "/api/v1/auth/login", ("auth", "post_login")),
        ("delete", "/api/v2/user/{user_id}/sessions", ("user", "delete_by_user_id_sessions")),
        ("get", "/metrics", ("metrics", "get")),
        ("post", "/rag-context/search-all", ("rag_context", "post_search_all")),
        ("get", "/", ("root", "get")),
        ("get", "/import/list", ("import_op", "get_list")),
    ],
)
def test_fallback_rule(method: str, path: str, expected: tuple[str, str]) -> None:
    assert naming.fallback_name(method, path) == expected


def test_new_operations_fall_back_and_mapped_names_stay(our_spec: dict[str, Any]) -> None:
    # Whether or not the committed mapping already names these (make update-spec pins new
    # names there), the rule is checked on a mapping without them.
    new = ("POST /api/v1/auth/login", "GET /api/v1/peer/loads", "GET /api/v1/metrics/{name}")
    mapping = {k: v for k, v in naming.load_mapping().items() if k not in new}
    for key in new:
        method, _, path = key.partition(" ")
        our_spec["paths"].setdefault(path, {})[method.lower()] = {
            "responses": {"200": {"description": "ok"}}
        }
    named = {n.key: n for n in naming.name_operations(our_spec, mapping)}
    assert named["POST /api/v1/auth/login"].dotted == "auth.post_login"
    assert not named["POST /api/v1/auth/login"].from_mapping
    # The group of the curated operations on the same path prefix (`peers.*`), not `peer`.
    assert named["GET /api/v1/peer/loads"].dotted == "peers.get_loads"
    assert named["GET /api/v1/metrics/{name}"].dotted == "metrics.get_by_name"
    assert named["POST /api/v1/conversation/chat"].dotted == "conversation.chat"


def test_colliding_names_are_refused(our_spec: dict[str, Any]) -> None:
    mapping = naming.load_mapping()
    mapping["GET /ready"] = mapping["GET /healthz"]
    with pytest.raises(ValueError, match=r"system\.healthz"):
        naming.name_operations(our_spec, mapping)


def test_python_names_are_refused_in_the_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "operations.toml"
    bad.write_text('[operations]\n"GET /api/v1/peer/list" = "peers.list"\n')
    with pytest.raises(ValueError, match="Python name"):
        naming.load_mapping(bad)


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {rel: path.read_bytes() for rel, path in regenerate.tree_files(root).items()}


@pytest.mark.slow
def test_regeneration_is_deterministic_and_matches_the_committed_package(tmp_path: Path) -> None:
    first, second = tmp_path / "a" / "mongars_api", tmp_path / "b" / "mongars_api"
    assert regenerate.main(["--output", str(first)]) == 0
    assert regenerate.main(["--output", str(second)]) == 0
    assert tree_bytes(first) == tree_bytes(second)
    assert tree_bytes(first) == tree_bytes(GENERATED)


def copy_generation_inputs(dest: Path) -> Path:
    """A minimal copy of the repository that `python -m scripts.regenerate` can run in."""
    for name in ("openapi.json", "openapi-python-client.toml"):
        shutil.copy2(ROOT / name, dest / name)
    ignore = shutil.ignore_patterns("__pycache__", ".regenerate-*")
    shutil.copytree(ROOT / "scripts", dest / "scripts", ignore=ignore)
    shutil.copytree(GENERATED, dest / "generated" / "mongars_api", ignore=ignore)
    return dest


def run_check(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.regenerate", "--check"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def test_check_mode_passes_on_a_clean_tree_and_names_what_drifted(tmp_path: Path) -> None:
    repo = copy_generation_inputs(tmp_path)
    clean = run_check(repo)
    assert clean.returncode == 0, clean.stdout + clean.stderr

    edited = repo / "generated" / "mongars_api" / "api" / "conversation" / "chat.py"
    original = edited.read_text()
    edited.write_text(original.replace('"url": "/api/v1/conversation/chat"', '"url": "/chat"'))
    after_edit = run_check(repo)
    assert after_edit.returncode == 1
    assert "generated/mongars_api/api/conversation/chat.py" in after_edit.stdout
    assert '-        "url": "/chat"' in after_edit.stdout
    edited.write_text(original)

    (repo / "generated" / "mongars_api" / "models" / "stray.py").write_text("x = 1\n")
    stray = run_check(repo)
    assert stray.returncode == 1
    assert "generated/mongars_api/models/stray.py: not produced by the spec" in stray.stdout
    (repo / "generated" / "mongars_api" / "models" / "stray.py").unlink()

    spec = json.loads((repo / "openapi.json").read_text())
    spec["components"]["schemas"]["ChatRequest"]["properties"]["message"]["maxLength"] = 2000
    spec["components"]["schemas"]["ChatRequest"]["properties"]["message"]["description"] = "Changed"
    (repo / "openapi.json").write_text(json.dumps(spec))
    after_spec_change = run_check(repo)
    assert after_spec_change.returncode == 1
    assert "generated/mongars_api/models/chat_request.py" in after_spec_change.stdout


@pytest.mark.slow
def test_an_invalid_spec_is_refused_with_a_message(tmp_path: Path) -> None:
    repo = copy_generation_inputs(tmp_path)
    (repo / "openapi.json").write_text(json.dumps({"openapi": "3.1.0", "paths": {}}))
    result = run_check(repo)
    assert result.returncode == 2
    assert "not a valid OpenAPI document" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_the_older_published_spec_keeps_every_shared_name(tmp_path: Path) -> None:
    older = shared_file(OLDER_SPEC)
    out = tmp_path / "mongars_api"
    assert regenerate.main(["--spec", str(older), "--output", str(out)]) == 0
    old_ops, new_ops = generated_operations(out), generated_operations(GENERATED)
    assert old_ops < new_ops
    assert new_ops - old_ops == {"llm.chat", "llm.health", "llm.approve"}
    for dotted in old_ops:
        group, name = dotted.split(".")
        old_source = (out / "api" / group / f"{name}.py").read_text()
        for function in ENDPOINT_FUNCTIONS:
            prefix = "async def" if function.startswith("asyncio") else "def"
            assert f"\n{prefix} {function}(" in old_source, f"{dotted}.{function}"
