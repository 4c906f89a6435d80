"""Run the `plansearch` command line with the keyword test encoder in place of the model (the fault
suite runs it in subprocesses: killed, or inside a read-only or full filesystem).

    python tests/fault_cli.py [--stall-in segment|build] <plansearch arguments>

--stall-in prints STALLED and sleeps where a build writes a segment, or after it, before the swap, so
that a test can kill it there."""
from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fakes import KeywordEncoder  # noqa: E402


def use_keyword_encoder() -> None:
    import embeddings.encoder
    import plansearch.runtime

    embeddings.encoder.model_identity = lambda settings: (Path("."), KeywordEncoder.name)
    embeddings.encoder.model_name = lambda settings: KeywordEncoder.name
    plansearch.runtime.load_encoder = lambda settings: KeywordEncoder()


def stall(where: str) -> None:
    def wait(*args, **kwargs):
        print("STALLED", flush=True)
        time.sleep(300)

    if where == "segment":            # half-way through writing a segment's files
        import plansearch.lexical

        plansearch.lexical.TermMatrix.save = wait
    else:                             # segment written, the build's files written, not swapped in
        import plansearch.stores.folder_writer as writer

        real = writer._commit
        writer._commit = lambda root, manifest, entries, deleted, after_write=None, known=None: real(
            root, manifest, entries, deleted, wait, known)


if __name__ == "__main__":
    args = sys.argv[1:]
    use_keyword_encoder()
    if args[:1] == ["--stall-in"]:
        stall(args[1])
        args = args[2:]
    from plansearch.cli import main

    sys.exit(main(args))
