"""Rich rendering for people: answers with citations and highlights, progress bars, the session.

Imported only by the CLI's human-facing paths; ``--json`` output never loads rich.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .controls import visible

if TYPE_CHECKING:  # what QA.ask returns: rendered here, never built here
    from .answer import Answer, Hit
    from .errors import QAError

HIGHLIGHT = "bold black on yellow"

def shown(text: object) -> str:
    """A value for one line of rich markup: control characters visible, markup escaped."""
    return escape(visible(str(text)))


def _meta_line(hit: Hit, show_scores: bool) -> Text:
    c = hit.citation
    lines = f"{c.line_start}" if c.line_start == c.line_end else f"{c.line_start}-{c.line_end}"
    line = Text()
    line.append(f"[{hit.rank}] ", style="bold cyan")
    line.append(visible(c.path), style="bold")
    line.append(f":{lines}", style="bold")
    line.append(f"  chars {c.char_start}-{c.char_end}", style="dim")
    if c.page is not None:
        line.append(f"  page {c.page}", style="dim")
    if hit.confidence is not None:
        line.append(f"  confidence {hit.confidence:.0%}", style="dim")
    if show_scores:
        parts = "  ".join(f"{k} {v:.3f}" for k, v in hit.scores.items())
        line.append(f"  score {hit.score:.3f}  ({parts})", style="magenta")
    return line


def _passage_text(hit: Hit, style: str = HIGHLIGHT) -> Text:
    text = Text(visible(hit.text, lines=True))
    if hit.highlight:
        lo = hit.highlight.char_start - hit.citation.char_start
        hi = hit.highlight.char_end - hit.citation.char_start
        text.stylize(style, lo, hi)
    return text


def _also_line(hit: Hit, show_scores: bool) -> Text:
    """Another span of a document already shown: where it is, then its highlighted sentence."""
    line = _meta_line(hit, show_scores)
    line.append("\n    ")
    line.append(visible(hit.highlight.text if hit.highlight else hit.text[:200]),
                style=HIGHLIGHT if hit.highlight else "")
    return line


def render_answer(answer: Answer, console: Console, show_scores: bool = False) -> None:
    """One panel per document, in the order of their best hits: the best passage in full with its
    highlighted sentence, then the document's other spans (none overlaps another), each with its
    place and highlighted sentence."""
    if not answer.hits:
        console.print("[yellow]No passage matches this question.[/] Try other words, or --mode dense.")
        return
    declined = answer.answered is False
    if declined:
        best = answer.hits[0].confidence or 0.0
        console.print(f"[bold yellow]Nothing in the index answers this question well[/] (the best passage is "
                      f"{best:.0%} sure; answers need {answer.min_confidence:.0%}). The nearest passages, "
                      "which probably do not answer it:")
    by_document: dict[object, list[Hit]] = {}
    for hit in answer.hits:
        by_document.setdefault(hit.document or hit.citation.path, []).append(hit)
    for first, *others in by_document.values():
        c = first.citation
        about = " · ".join(x for x in (c.title, c.source, c.date) if x)
        body = Text()
        if about:
            body.append(visible(about) + "\n", style="italic green")
        body.append_text(_passage_text(first, "underline" if declined else HIGHLIGHT))
        for hit in others:
            body.append("\n\n")
            body.append_text(_also_line(hit, show_scores))
        console.print(Panel(body, title=_meta_line(first, show_scores), title_align="left", expand=True,
                            style="dim" if declined else "", border_style="dim" if declined else "none"))


def render_info(info: dict, console: Console) -> None:
    table = Table(show_header=False, box=None)
    for key in ("index", "documents", "files", "passages", "model", "dim", "store", "index_type", "bytes",
                "created", "build_seconds", "qa_version", "format"):
        value = info.get(key)
        if key == "bytes" and isinstance(value, int):
            value = f"{value / 1e6:.2f} MB"
        table.add_row(f"[bold]{key}[/]", shown(value))
    console.print(table)


def render_build(report: dict, console: Console, how: Callable[[str], str] | None = None) -> None:
    """The build report; ``how`` words a skipped file's remedy (the CLI names its `qa ...` command)."""
    console.print(
        f"[green]Indexed[/] {report['documents']} documents, {report['passages']} passages "
        f"in {report['seconds']:.1f} s → {shown(report['index_dir'])}/  "
        f"(added {report['added']}, changed {report['changed']}, removed {report['removed']}, "
        f"unchanged {report['unchanged']}, skipped {len(report['skipped'])}; "
        f"{report['embedded']} texts embedded" +
        (f"; {report['merged']} segments merged" if report.get("merged") else "") + ")")
    for note in report.get("notes", []):
        console.print(f"[yellow]note[/] {shown(note)}")
    for s in report["skipped"]:
        fix = f"; {how(s['remedy'])}" if how and s.get("remedy") else ""
        console.print(f"[yellow]skipped[/] {shown(s['path'])}: {shown(s['reason'] + fix)}")
    for w in report.get("warnings", []):
        console.print(f"[yellow]warning[/] {shown(w['path'])}: {shown(w['note'])}")


class ProgressBar:
    """A rich progress bar on stderr fed by the builder's (stage, done, total) callback."""

    LABELS = {"read": "Reading documents", "embed": "Embedding passages", "write": "Writing the index",
              "merge": "Merging segments", "dictionary": "Preparing the dictionary (once)"}
    UNITS = {"read": "files", "embed": "passages"}

    def __init__(self, console: Console):
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        # The rate is in the stage's units: files read, passages embedded.
        rate = TextColumn("{task.fields[rate]}", style="cyan")
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), rate,
                                 TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
                                 console=console, transient=False)
        self.tasks: dict[str, int] = {}
        self.started = False

    def __enter__(self) -> "ProgressBar":
        return self  # shown from the first report on: a build with nothing to do prints nothing

    def __exit__(self, *exc) -> None:
        if self.started:
            self.progress.__exit__(*exc)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.started:
            self.progress.__enter__()
            self.started = True
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(self.LABELS.get(stage, stage), total=total, rate="")
        task = self.tasks[stage]
        self.progress.update(task, completed=done, total=total)
        speed = self.progress.tasks[task].speed  # rich's moving average over the last updates
        if speed and stage in self.UNITS:
            self.progress.update(task, rate=f"{speed:,.0f} {self.UNITS[stage]}/s")


def history_file() -> Path:
    base = Path(os.environ.get("XDG_STATE_HOME", Path.home() / ".local" / "state"))
    return base / "qa" / "history"


def interactive(ask: Callable[[str, int], Answer], console: Console, show_scores: bool = False,
                explain: Callable[[QAError], str] = str) -> None:
    """Ask again and again with one loaded model and index. ``:q``, Ctrl-C or Ctrl-D to leave.
    ``explain`` words an error (the CLI names the `qa ...` command that fixes it)."""
    try:
        import readline  # arrow-key editing and history for input()
    except ImportError:  # not on every platform
        readline = None  # type: ignore[assignment]
    hist = history_file()
    if readline is not None:
        try:
            hist.parent.mkdir(parents=True, exist_ok=True)
            readline.read_history_file(hist)
        except OSError:
            pass
    console.print("[bold]qa[/] — ask in Chinese or English. [dim]:q to leave, :k N for the number of "
                  "passages, :scores to toggle scores[/]")
    k = 5
    try:
        while True:
            try:
                line = input("qa> ").strip()
            except EOFError:
                console.print()
                break
            if not line:
                continue
            if line in (":q", ":quit", ":exit"):
                break
            if line.startswith(":k"):
                try:
                    k = max(1, int(line[2:].strip()))
                except ValueError:
                    console.print("[yellow]:k takes a number, e.g. :k 3[/]")
                continue
            if line == ":scores":
                show_scores = not show_scores
                continue
            from .errors import QAError

            try:
                render_answer(ask(line, k), console, show_scores)
            except QAError as e:
                console.print(f"[red]error:[/] {shown(explain(e))}")
    except KeyboardInterrupt:
        console.print()
    finally:
        if readline is not None:
            try:
                readline.write_history_file(hist)
            except OSError:
                pass


def stdout_console() -> Console:
    return Console(highlight=False)


def stderr_console() -> Console:
    return Console(stderr=True, highlight=False)


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def render_eval(result: dict, console: Console) -> None:
    """The ``qa eval`` report: one row per task, then the index and latency figures."""
    metrics = ("recall@1", "recall@5", "mrr@10", "answer@1", "sentence@1")
    settings = result["settings"]
    table = Table(title=f"qa eval · mode {settings['mode']} · model {settings['model']}", title_justify="left")
    table.add_column("task", style="bold")
    for m in metrics:
        table.add_column(m, justify="right")
    table.add_column("queries", justify="right")
    for name, row in result["tasks"].items():
        table.add_row(name, *(f"{row[m]:.3f}" for m in metrics), str(row["queries"]))
    console.print(table)
    if all("kept" in row for row in result["tasks"].values()):
        verdict = Table(title="the verdict (docs/confidence.md)", title_justify="left")
        for column in ("task", "kept", "declined"):
            verdict.add_column(column, justify="left" if column == "task" else "right",
                               style="bold" if column == "task" else None)
        for name, row in result["tasks"].items():
            verdict.add_row(name, f"{row['kept']:.3f}", f"{row['declined']:.3f}")
        console.print(verdict)
        console.print("[dim]kept: right first hits counted as answered; declined: the same questions with "
                      "their article hidden, not answered[/]")
    ix, ms = result["index"], result["query_ms"]
    rate = f", {ix['passages_per_second']:.1f} passages/s" if ix.get("passages_per_second") else ""
    console.print(f"index: {ix['documents']} documents, {ix['passages']} passages in {ix['seconds']:.1f} s"
                  f"{rate}   query: p50 {ms['p50']:.1f} ms, p95 {ms['p95']:.1f} ms")
    skipped = settings.get("skipped_questions") or []
    if skipped:
        console.print(f"[yellow]left out[/] {len(skipped)} empty question(s): {shown(', '.join(skipped[:5]))}")
