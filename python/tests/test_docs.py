"""The Python examples of docs/python.md run, in order, as written."""
import os
import re

import pytest

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "python.md")


def test_docs_python_examples_run(tmp_path, monkeypatch):
    if not os.path.exists(DOC):
        pytest.skip("docs/python.md is not beside this package")
    with open(DOC, encoding="utf-8") as f:
        blocks = re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)
    assert len(blocks) >= 6
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    for i, code in enumerate(blocks):
        try:
            exec(compile(code, f"docs/python.md block {i}", "exec"), namespace)
        except Exception as e:  # noqa: BLE001
            raise AssertionError(f"docs/python.md block {i} fails: {e!r}\n{code}") from e
    assert namespace["output"].shape == (1, 100, 1)
