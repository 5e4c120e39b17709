"""here2help flows check [FILE] | flows graph FILE.

`check` prints one line per problem as `file:node: reason` and exits 1 when there is any, so it
can run in CI or a pre-commit hook before a changed flow reaches residents.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

from app.cli.common import CliError, settings_or_exit
from app.domain.flow_checks import review_counts
from app.domain.flow_files import check_flow_text
from app.domain.flow_graph import to_mermaid
from app.domain.flows import Flow, Problem
from app.domain.voice_prompts import unvoiced
from app.services.conversations.state import DEFAULT_FLOW_FILE


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CliError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"{path}: cannot read it ({type(exc).__name__})") from None


def _check(path: Path) -> tuple[Flow | None, list[Problem]]:
    return check_flow_text(_read(path))


def _flow_files(directory: Path) -> list[Path]:
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        raise CliError(f"no flow files (*.yaml) in {directory}")
    return files


@click.group("flows")
def flows() -> None:
    """Conversation flows (flows/*.yaml): check them, draw them."""


@flows.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--prompts", "prompts_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Recorded prompts directory (default: VOICE_PROMPTS_DIR, else "
                   "recordings/ beside the flow file, or FLOWS_DIR/recordings).")
@click.option("--require-voice", is_flag=True,
              help="Fail when a prompt has neither a voice nor a recording.")
def check(file: Path | None, prompts_dir: Path | None, require_voice: bool) -> None:
    """Validate a flow file (default: every flow in FLOWS_DIR, normally flows/).

    Also lists every phone prompt in a language with no Twilio voice that has no recording
    (the phone hands such callers to a person), and how many translations await review.
    """
    if file is not None:  # one file: checked offline, whatever the rest of the configuration
        files = [file]
        configured = os.environ.get("VOICE_PROMPTS_DIR", "").strip()
        prompts = prompts_dir or (Path(configured) if configured else file.parent / "recordings")
    else:
        settings = settings_or_exit()
        files = _flow_files(settings.flows_dir)
        prompts = prompts_dir or settings.prompts_dir
    failed = 0
    if file is None and not any(p.name == DEFAULT_FLOW_FILE for p in files):
        click.echo(f"{files[0].parent}:flow: no {DEFAULT_FLOW_FILE}: the webhooks need it")
        failed += 1
    for path in files:
        flow, problems = _check(path)
        for problem in problems:
            click.echo(problem.line(str(path)))
        if flow is None:
            failed += 1
            continue
        silent = unvoiced(flow, prompts)
        for problem in silent:
            click.echo(problem.line(str(path)))
        languages = ", ".join(lang.code for lang in flow.languages)
        notes = [f"{len(silent)} phone prompt(s) with neither a voice nor a recording"] \
            if silent else []
        notes += [f"{code}: {', '.join(f'{n} {state}' for state, n in sorted(per.items()))}"
                  for code, per in review_counts(flow).items()]
        extra = f"; {'; '.join(notes)}" if notes else ""
        if silent and require_voice:
            failed += 1
            continue
        click.echo(f"{path}: ok ({len(flow.nodes)} nodes; languages {languages}{extra})")
    if failed:
        raise CliError(f"{failed} problem file(s) among {len(files)} flow file(s)")


@flows.command("graph")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def graph(file: Path) -> None:
    """Print a flow as a Mermaid flowchart (paste into a ```mermaid block)."""
    flow, problems = _check(file)
    if flow is None:
        for problem in problems:
            click.echo(problem.line(str(file)), err=True)
        raise CliError(f"{file}: fix the problems above first (here2help flows check)")
    click.echo(to_mermaid(flow), nl=False)


def register(cli: click.Group) -> None:
    cli.add_command(flows)
