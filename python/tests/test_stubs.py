"""The type stubs describe what the package exports."""
import ast
import inspect
import os

import littoral

STUB = os.path.join(os.path.dirname(littoral.__file__), "__init__.pyi")


def stub_tree():
    with open(STUB, encoding="utf-8") as f:
        return ast.parse(f.read())


def arg_names(fn: ast.FunctionDef):
    a = fn.args
    names = [x.arg for x in a.posonlyargs + a.args]
    if a.vararg:
        names.append(a.vararg.arg)
    names += [x.arg for x in a.kwonlyargs]
    if a.kwarg:
        names.append(a.kwarg.arg)
    return names


def stub_names():
    names = set()
    for node in stub_tree().body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
    return names


def test_every_export_has_a_stub():
    """Every exported name, the classes generated from the engine's registry included (a
    class added in Rust needs its stub line), and nothing stubbed that is not exported."""
    missing = set(littoral.__all__) - stub_names()
    assert not missing, f"exported without a stub in __init__.pyi: {sorted(missing)}"
    assert set(littoral.REGISTERED) <= set(littoral.__all__)
    extra = stub_names() - set(littoral.__all__)
    assert not extra, f"stubbed but not exported: {sorted(extra)}"


def test_stubbed_methods_exist_and_take_the_stubbed_arguments():
    for node in stub_tree().body:
        if not isinstance(node, ast.ClassDef):
            continue
        cls = getattr(littoral, node.name)
        for item in node.body:
            if isinstance(item, ast.FunctionDef):
                assert hasattr(cls, item.name), f"{node.name}.{item.name}"
                fn = getattr(cls, item.name)
                if inspect.isfunction(fn):
                    stub_args = arg_names(item)
                    assert list(inspect.signature(fn).parameters) == stub_args, f"{node.name}.{item.name}"
    for node in stub_tree().body:
        if isinstance(node, ast.FunctionDef):
            fn = getattr(littoral, node.name)
            assert list(inspect.signature(fn).parameters) == arg_names(node), node.name
