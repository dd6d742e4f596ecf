"""The command line: a thin layer over the ``QA`` front that checks input, calls it and formats the result.

Exit codes: 0 ok, 1 a user or data error (a QAError, one line on stderr with the `qa ...` command that
fixes it), 2 bad usage, 130 Ctrl-C. The front loads numpy, the model and rich only when a command
needs them, so `qa --help` and `qa info` stay fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from . import __version__
from .api import QA
from .errors import IndexMissingError, InputError, QAError, Remedy

DEFAULT_INDEX = "index"
DEFAULT_SEEDS = "seeds"
MAX_WORKERS = 64


def _allow_index(p: argparse.ArgumentParser, what: str, who: str = "") -> None:
    p.add_argument("--allow-index", action="store_true",
                   help=f"{what} (incremental rebuild from the index's own sources){who}")


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index", metavar="DIR", default=None,
                   help=f"index folder (default: $QA_INDEX or {DEFAULT_INDEX}/)")
    p.add_argument("--model", metavar="M", default=None,
                   help="embedding model: use-multilingual (default) or st:NAME_OR_PATH for a "
                        "sentence-transformers model (default: $QA_MODEL)")


def _ask_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-k", type=int, default=5, metavar="N", help="number of passages (default 5)")
    p.add_argument("--mode", choices=QA.MODES, default="hybrid",
                   help="hybrid (default) fuses meaning and words; dense: meaning only; lexical: words only")
    p.add_argument("--scores", action="store_true", help="show the scores behind each passage")
    p.add_argument("--min-confidence", type=float, default=None, metavar="P",
                   help="the first passage must be at least this sure (0-1) for the question to count as "
                        "answered (default: $QA_MIN_CONFIDENCE, else the model's calibrated threshold; "
                        "docs/confidence.md)")


def _filter_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("filters (all given must hold)")
    g.add_argument("--path", metavar="GLOB", help="only documents whose path matches GLOB, e.g. 'seeds/*' "
                   "or '*.md' (a pattern without / also matches the file name)")
    g.add_argument("--lang", choices=QA.LANGS, help="only passages mainly in this language")
    g.add_argument("--since", metavar="DATE", help="only documents dated DATE or later (YYYY-MM-DD or "
                   "'YYYY-MM-DD HH:MM'); undated documents are left out")
    g.add_argument("--until", metavar="DATE", help="only documents dated DATE or earlier (a bare day "
                   "counts whole); undated documents are left out")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="qa", description="Ask questions, in Chinese or English, of a folder of documents; "
        "get the best passages with exact citations. With no command, opens an interactive session.")
    top.add_argument("--version", action="version", version=f"qa {__version__}")
    _common(top)
    sub = top.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("ask", help="answer one question", description="Answer one question with cited "
                       "passages. Builds the index of seeds/ first if there is none.")
    p.add_argument("question", nargs="+", help="the question (quotes optional)")
    _ask_options(p)
    _filter_options(p)
    p.add_argument("--json", action="store_true", help="machine-readable JSON on stdout, no colours")
    _common(p)

    p = sub.add_parser("index", help="build or update the index", description="Build or update the "
                       "index from files and folders (default seeds/). Only changed files are re-read "
                       "and re-embedded.")
    p.add_argument("paths", nargs="*", metavar="PATH", help=f"files or folders (default {DEFAULT_SEEDS}/)")
    p.add_argument("--full", action="store_true", help="rebuild everything, reusing nothing")
    p.add_argument("--optimize", action="store_true", help="merge the index's segments into one (faiss "
                   "store; a milvus index is always rebuilt whole)")
    p.add_argument("--follow-links", action="store_true", help="follow symbolic links that lead outside "
                   "the indexed folders (not followed by default)")
    p.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="cores that embed passages (default: all of them)")
    p.add_argument("--index-type", choices=("auto", "flat", "hnsw", "ivf"), default=None,
                   help="how passage vectors are searched: exact (flat), approximate (hnsw, ivf), or auto: "
                        "exact below 200,000 passages (default: auto, or what the index was built with)")
    p.add_argument("--json", action="store_true", help="print the build report as JSON")
    p.add_argument("--store", metavar="SPEC", default=None, help="where the index data goes: faiss (files "
                   "in the index folder; the default for a new index) or milvus:URI[#NAME] (a milvus-lite "
                   "PATH.db or http://HOST:19530; docs/milvus.md); an existing index keeps its own")
    for what, default in (("text", "text,content,body"), ("title", "title,headline,name"),
                          ("date", "date,published,time,created")):
        p.add_argument(f"--json-{what}-field", metavar="NAME[,NAME...]", default=None,
                       help=f"the field of a .json/.jsonl record that holds its {what}, first found wins "
                            f"(default {default}, or what the index was built with)")
    _common(p)

    p = sub.add_parser("info", help="what the index holds", description="Show what is indexed: "
                       "documents, passages, model, size, build time.")
    p.add_argument("--json", action="store_true", help="machine-readable JSON")
    _common(p)

    p = sub.add_parser("shell", help="interactive session", description="Ask again and again without "
                       "reloading the model or index. :q, Ctrl-C or Ctrl-D to leave.")
    _ask_options(p)
    _common(p)

    p = sub.add_parser("serve", help="HTTP JSON API and a page to ask from", description="Answer over "
                       "HTTP: a page to ask from at /, POST /ask, GET /documents, GET /health, POST /index; "
                       "OpenAPI at /openapi.json. Needs the serve extra (pip install 'qa[serve]').")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine "
                   "only; anything else prints a warning)")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    _allow_index(p, "enable POST /index", " for requests carrying the token in $QA_TOKEN")
    p.add_argument("--workers", type=int, default=None, metavar="N", help="answering processes over the "
                   "one index (default: the number of cores); each follows the index's current build")
    _common(p)

    p = sub.add_parser("mcp", help="MCP server over stdio", description="Serve the index to an assistant "
                       "or agent over the Model Context Protocol (stdio): tools ask and documents, and index "
                       "with --allow-index. Needs the mcp extra (pip install 'qa[mcp]'); see docs/mcp.md.")
    _allow_index(p, "add the tool index")
    _common(p)

    p = sub.add_parser("eval", help="measure retrieval on SQuAD-format data", description="Measure how "
                       "well qa finds answers: index each paragraph of SQuAD-format JSON as one document "
                       "(in a temporary index, exactly as `qa index` would), ask every question as `qa ask` "
                       "would, and report recall@1, recall@5, mrr@10, answer@1, sentence@1, build time and "
                       "query latency. Two parallel files (same question ids, one Chinese, one English) give "
                       "five tasks: zh->zh, en->en, zh->en, en->zh, mixed.")
    p.add_argument("files", nargs="+", metavar="FILE", help="one SQuAD-format JSON file, or two parallel "
                   "translations")
    p.add_argument("--mode", choices=QA.MODES, default="hybrid", help="ranking to measure (default hybrid)")
    p.add_argument("--limit", type=int, metavar="N", default=None,
                   help="ask only the first N questions of each file (the corpus stays whole)")
    p.add_argument("--json", action="store_true", help="one JSON object on stdout, no progress bar")
    p.add_argument("--store", metavar="SPEC", default=None, help="the store of the temporary indexes: faiss "
                   "(default) or milvus:URI[#NAME], as for qa index")
    p.add_argument("--model", metavar="M", default=None,
                   help="embedding model: use-multilingual (default) or st:NAME_OR_PATH (default: $QA_MODEL)")
    return top


def _index_dir(args) -> Path:
    return Path(args.index or os.environ.get("QA_INDEX") or DEFAULT_INDEX)


def _model(args) -> str | None:
    return args.model or os.environ.get("QA_MODEL") or None


def _open(args, build_if_missing: bool = True):
    """Open the index; with none yet and a seeds/ folder here, build it first (progress on stderr)."""
    index_dir = _index_dir(args)
    try:
        return QA.open(index_dir, model=_model(args))
    except IndexMissingError:
        if not build_if_missing or not Path(DEFAULT_SEEDS).is_dir():
            raise IndexMissingError(f"no index at {index_dir}/ and no {DEFAULT_SEEDS}/ folder here to build "
                                    "one from") from None
    return _build_seeds(args, index_dir)


def _format_options(args) -> dict | None:
    """The --json-*-field flags as QA's format options, or None (then the index's own are kept)."""
    given = {what: getattr(args, f"json_{what}_field", None) for what in ("text", "title", "date")}
    if not any(given.values()):
        return None
    fields = {f"json_{what}_fields": [n.strip() for n in value.split(",") if n.strip()]
              for what, value in given.items() if value}
    if not all(fields.values()):
        raise InputError("a --json-...-field option needs a field name, e.g. --json-text-field article")
    return fields


def _build_seeds(args, index_dir: Path):
    """Build the index of seeds/ (progress on stderr; the report only if files were skipped)."""
    from .terminal import ProgressBar, render_build, stderr_console

    err = stderr_console()
    with ProgressBar(err) as bar:
        qa = QA.build([DEFAULT_SEEDS], index_dir, model=_model(args), progress=bar,
                      options=_format_options(args))
    report = qa.last_build.to_dict()
    if report["skipped"]:
        render_build(report, err, how)
    return qa


def cmd_ask(args) -> int:
    # Checked before anything loads, by the same function QA.ask uses.
    asked = QA.check(" ".join(args.question), args.k, args.mode, path=args.path, lang=args.lang,
                     since=args.since, until=args.until)
    qa = _open(args)
    answer = qa.ask(asked.text, k=asked.k, mode=asked.mode, filters=asked.filters,
                    min_confidence=args.min_confidence)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    from .terminal import render_answer, stdout_console

    render_answer(answer, stdout_console(), show_scores=args.scores)
    return 0


def _store_spec(args) -> str | None:
    """The store spec of ``qa index``: --store, with --index-type as the faiss store's target."""
    if not args.index_type:
        return args.store
    if args.store and args.store.partition(":")[0] != "faiss":
        raise InputError(f"--index-type chooses how the faiss store searches; it does not apply to "
                         f"--store {args.store}")
    return f"faiss:{args.index_type}"


def cmd_index(args) -> int:
    paths = args.paths or [DEFAULT_SEEDS]
    if not args.paths and not Path(DEFAULT_SEEDS).is_dir():
        raise InputError(f"no {DEFAULT_SEEDS}/ folder here: give the files or folders to index, "
                         "e.g. qa index ~/notes")
    # QA.build_index, not QA.build: indexing needs no opened index (and, with nothing changed, not
    # even the model).
    if args.jobs is not None and args.jobs < 1:
        raise InputError(f"--jobs must be at least 1 (got {args.jobs})")
    options = dict(model=_model(args), full=args.full, optimize=args.optimize, options=_format_options(args),
                   follow_links=args.follow_links, jobs=args.jobs, store=_store_spec(args))
    if args.json:
        report = QA.build_index(paths, _index_dir(args), **options).to_dict()
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    from .terminal import ProgressBar, render_build, stderr_console, stdout_console

    with ProgressBar(stderr_console()) as bar:
        report = QA.build_index(paths, _index_dir(args), progress=bar, **options).to_dict()
    render_build(report, stdout_console(), how)
    return 0


def cmd_info(args) -> int:
    info = QA.info(_index_dir(args))  # the manifest alone: no numpy, no model
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    from .terminal import render_info, stdout_console

    render_info(info, stdout_console())
    return 0


def cmd_serve(args) -> int:
    token = os.environ.get("QA_TOKEN") or None
    if args.allow_index and not token:
        raise InputError("--allow-index needs a token: set QA_TOKEN to a long random string, e.g. "
                         "export QA_TOKEN=$(python -c 'import secrets; print(secrets.token_urlsafe(32))'), "
                         "and send it as `Authorization: Bearer $QA_TOKEN`")
    if not 1 <= args.port <= 65535:
        raise InputError(f"--port must be between 1 and 65535 (got {args.port})")
    if args.workers is not None and not 1 <= args.workers <= MAX_WORKERS:
        raise InputError(f"--workers must be between 1 and {MAX_WORKERS} (got {args.workers})")
    try:
        from .server import check_token, is_loopback, serve
        from .workers import default_workers
    except ImportError as e:
        raise InputError(f"qa serve needs FastAPI and uvicorn ({e.name} is missing): "
                         "pip install 'qa[serve]'") from None
    check_token(token)  # before the model loads: a bad token fails at once
    QA.check_environment()  # and so does a bad $QA_MIN_CONFIDENCE, not every question
    if not is_loopback(args.host):
        print(f"qa: warning: binding {args.host}: other machines can reach this server and ask your "
              "documents anything (there is no login for /ask); use the default 127.0.0.1 unless you mean it",
              file=sys.stderr)
    # Builds seeds/ first if there is no index, like `qa ask`. The default model already runs one
    # BLAS thread a request (see qa.embedding), so requests share the cores instead of fighting.
    qa = _open(args)
    workers = args.workers or default_workers()
    if qa.index.store.single_process and workers > 1:
        if args.workers:
            raise InputError(f"{_index_dir(args)}/ is in a milvus-lite file, which one process at a time may "
                             "open: use --workers 1, or put the index on a Milvus server (docs/milvus.md)")
        workers = 1
    return serve(qa, args.host, args.port, allow_index=args.allow_index, token=token, workers=workers)


def cmd_mcp(args) -> int:
    try:
        from .mcp_server import run
    except ImportError as e:
        raise InputError(f"qa mcp needs the MCP SDK ({e.name} is missing): pip install 'qa[mcp]'") from None
    QA.check_environment()  # a bad $QA_MIN_CONFIDENCE stops the server once, not every question
    run(_index_dir(args), _model(args), allow_index=args.allow_index)
    return 0


def cmd_shell(args) -> int:
    from .terminal import interactive, stdout_console

    qa = _open(args)
    interactive(lambda q, k: qa.ask(q, k=k, mode=args.mode, min_confidence=args.min_confidence),
                stdout_console(), show_scores=args.scores, explain=explain)
    return 0


def cmd_eval(args) -> int:
    if args.json:
        result = QA.evaluate(args.files, args.mode, model=_model(args), limit=args.limit, store=args.store)
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
        return 0
    from .terminal import ProgressBar, render_eval, stderr_console, stdout_console

    with ProgressBar(stderr_console()) as bar:
        result = QA.evaluate(args.files, args.mode, model=_model(args), limit=args.limit, store=args.store,
                             progress=bar)
    render_eval(result.to_dict(), stdout_console())
    return 0


def explain(e: QAError) -> str:
    """The error in one line, its remedy as the `qa ...` command that applies it."""
    return e.problem if e.remedy is None else f"{e.problem}; {how(e.remedy, **e.context)}"


def how(remedy: Remedy | str, model: str = "M", **_) -> str:
    """A remedy (qa.errors.Remedy, or its value in a build report) as the `qa ...` command that applies it."""
    return {
        Remedy.BUILD: "build one with `qa index PATH ...` (or give `--index DIR` for an index elsewhere)",
        Remedy.REBUILD: "run `qa index --full` to rebuild it",
        Remedy.UPGRADE: "upgrade qa, or rebuild with `qa index --full`",
        Remedy.MODEL: f"ask without --model (or QA_MODEL), or rebuild with `qa index --full --model {model}`",
        Remedy.SOURCES: "give the paths, or rebuild it once with `qa index PATH ...`",
        Remedy.JSON_FIELDS: "name the field that holds the text with `qa index --json-text-field NAME`",
        Remedy.FOLLOW_LINKS: "index its target directly, or run `qa index --follow-links`",
    }[Remedy(remedy)]


COMMANDS = {"ask": cmd_ask, "index": cmd_index, "info": cmd_info, "shell": cmd_shell, "eval": cmd_eval,
            "serve": cmd_serve, "mcp": cmd_mcp}


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.command is None:
        from .terminal import is_interactive

        if not is_interactive():
            p.print_help()
            return 0
        args.command, args.k, args.mode, args.scores = "shell", 5, "hybrid", False
        args.min_confidence = None
    try:
        return COMMANDS[args.command](args)
    except QAError as e:
        from .controls import visible

        print(f"qa: error: {visible(explain(e), lines=True)}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("qa: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`qa ask ... --json | head`): not an error of ours. Point stdout at
        # /dev/null so the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
