"""The command line end to end in a temporary folder."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from qa.cli import main, parser

from ..conftest import DATA, ROOT, subprocess_env


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    shutil.copytree(DATA, tmp_path / "docs")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_index_ask_json_info(workdir, capsys):
    code, out, err = run(capsys, "index", "docs", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["added"] == 7 and report["documents"] == 7 and report["skipped"] == []
    assert (workdir / "index" / "manifest.json").exists()

    code, out, _ = run(capsys, "ask", "冰岛火山爆发对欧洲航空旅行有什么影响？", "--json", "-k", "2")
    assert code == 0
    answer = json.loads(out)
    assert len(answer["hits"]) == 2 and answer["mode"] == "hybrid"
    assert answer["hits"][0]["citation"]["path"] == os.path.join("docs", "volcano_en.md")
    assert set(answer["hits"][0]["citation"]) >= {"path", "title", "source", "date", "line_start",
                                                  "line_end", "char_start", "char_end"}
    assert answer["answered"] is True and 0.0 <= answer["hits"][0]["confidence"] <= 1.0

    # The verdict's threshold moves the verdict, never the hits.
    code, out, _ = run(capsys, "ask", "冰岛火山爆发对欧洲航空旅行有什么影响？", "--json", "-k", "2",
                       "--min-confidence", "1")
    strict = json.loads(out)
    assert code == 0 and strict["answered"] is False and strict["min_confidence"] == 1.0
    assert strict["hits"] == answer["hits"]
    code, _, err = run(capsys, "ask", "volcano", "--min-confidence", "7")
    assert code != 0 and "between 0 and 1" in err

    code, out, _ = run(capsys, "ask", "What is the capital of France?", "-k", "2")
    assert code == 0 and "Nothing in the index answers this question well" in out
    assert out.count("confidence") >= 2  # the nearest passages are still shown

    code, out, _ = run(capsys, "ask", "--mode", "lexical", "--json", "football", "match")
    assert json.loads(out)["hits"][0]["citation"]["path"].endswith("football_en.txt")

    code, out, _ = run(capsys, "info", "--json")
    info = json.loads(out)
    assert code == 0 and info["documents"] == 7 and info["model"] == "use-multilingual" and info["bytes"] > 0

    # The scores end each hit's header line, which the terminal cuts at its width: a wide one shows them.
    with pytest.MonkeyPatch.context() as wide:
        wide.setenv("COLUMNS", "200")
        code, out, _ = run(capsys, "ask", "Longjing tea", "--scores")
    assert code == 0 and "longjing_zh.txt" in out and "dense" in out

    code, out, _ = run(capsys, "index", "docs")
    assert code == 0 and "unchanged 7" in out


def test_index_jobs(workdir, capsys):
    code, _, err = run(capsys, "index", "docs", "--jobs", "0")
    assert code == 1 and "--jobs must be at least 1" in err and not (workdir / "index").exists()
    code, out, _ = run(capsys, "index", "docs", "--jobs", "1", "--json")
    assert code == 0 and json.loads(out)["documents"] == 7 and json.loads(out)["embedded"] > 7


def test_index_type_is_recorded_kept_and_changed(workdir, capsys):
    code, _, _ = run(capsys, "index", "docs", "--index-type", "ivf", "--json")
    assert code == 0
    code, out, _ = run(capsys, "info", "--json")
    assert json.loads(out)["index_type"].startswith("IVF") and json.loads(out)["index_type"].endswith(",SQ8")
    code, out, _ = run(capsys, "ask", "冰岛火山爆发对欧洲航空旅行有什么影响？", "--json", "-k", "1")
    assert json.loads(out)["hits"][0]["citation"]["path"] == os.path.join("docs", "volcano_en.md")
    code, out, _ = run(capsys, "index", "docs", "--json")  # nothing changed: the index type stays
    assert json.loads(out)["unchanged"] == 7
    code, out, _ = run(capsys, "info", "--json")
    assert json.loads(out)["index_type"].startswith("IVF")
    code, out, _ = run(capsys, "index", "docs", "--index-type", "flat", "--json")  # rewritten, nothing embedded
    assert code == 0 and json.loads(out)["embedded"] == 0
    code, out, _ = run(capsys, "info", "--json")
    assert json.loads(out)["index_type"] == "IndexFlatIP"


def test_index_dir_from_environment(workdir, capsys, monkeypatch):
    monkeypatch.setenv("QA_INDEX", str(workdir / "elsewhere"))
    assert run(capsys, "index", "docs/rail_zh.txt")[0] == 0
    assert (workdir / "elsewhere" / "manifest.json").exists()
    code, out, _ = run(capsys, "info", "--json")
    assert json.loads(out)["documents"] == 1


def test_errors_are_one_line_messages(workdir, capsys):
    code, out, err = run(capsys, "ask", "anything")
    assert code == 1 and "no index at index/" in err and "qa index" in err and "Traceback" not in err
    code, _, err = run(capsys, "index", "no/such/folder")
    assert code == 1 and "no such file or folder" in err
    code, _, err = run(capsys, "ask", "  ")
    assert code == 1 and "empty" in err
    code, _, err = run(capsys, "info")
    assert code == 1 and "no index" in err
    assert run(capsys, "ask", "x", "--model", "nonsense")[0] == 1


def test_ask_builds_seeds_index_when_missing(workdir, capsys):
    shutil.copytree(ROOT / "seeds", workdir / "seeds")
    code, out, _ = run(capsys, "ask", "What does South Korea aim to achieve in AI by 2030?", "--json", "-k", "1")
    assert code == 0 and (workdir / "index" / "manifest.json").exists()
    assert json.loads(out)["hits"][0]["citation"]["path"].startswith("seeds/")


def test_every_command_has_help():
    sub = next(a for a in parser()._actions if a.dest == "command")
    for name, p in sub.choices.items():
        assert p.description, f"qa {name} has no description"
        assert all(a.help for a in p._actions), f"an option of qa {name} has no help"


def test_console_script_exit_code_and_message(tmp_path):
    # qa from this checkout, whether or not it is installed (the run starts in another folder)
    env = subprocess_env(QA_INDEX=str(tmp_path / "none"))
    proc = subprocess.run([sys.executable, "-m", "qa.cli", "info"], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.startswith("qa: error: no index at") and "Traceback" not in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "qa.cli", "ask", "--bogus"], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 2


def test_output_into_a_closed_pipe_is_not_an_error(built, tmp_path):
    """`qa ask --json | head`: the reader may leave before qa writes; no traceback, exit 0."""
    _, index_dir = built
    env = subprocess_env(QA_INDEX=str(index_dir))
    read_end, write_end = os.pipe()
    os.close(read_end)  # every write now fails with EPIPE
    proc = subprocess.run([sys.executable, "-m", "qa.cli", "ask", "Longjing tea", "--json"], cwd=tmp_path,
                          env=env, stdout=write_end, stderr=subprocess.PIPE, text=True)
    os.close(write_end)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
