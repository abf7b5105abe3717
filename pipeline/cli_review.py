"""`curate review`: record one curator decision in a document folder's `decisions.yaml`.

The main CLI wires this in as `curate review accept|reject|note|add|relation|evidence …`; errors are
raised as CurateError subclasses for it to translate. The claim must exist in the document as parsed
now, so a typo cannot create a decision that is orphaned from the start.
"""

from __future__ import annotations

import difflib
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

from pydantic import ValidationError

from pipeline.documents import parse_document
from pipeline.errors import InputError
from pipeline.linking.decisions import Decision, append_decision, decisions_path, describe_error
from pipeline.settings import Settings

log = logging.getLogger("curate")

# command-line action → action stored in the file
ACTIONS = {
    "accept": "accept",
    "reject": "reject",
    "note": "note",
    "add": "add",
    "relation": "relation",
    "evidence": "evidence_type",
}


def review_command(
    action: str,
    document: Path,
    claim_id: str,
    record_id: str | None,
    note: str | None,
    relation: str | None,
    evidence_type: str | None,
    curator: str | None,
) -> None:
    """Validate the decision against the document, append it atomically and print it as one JSON line."""
    if action not in ACTIONS:
        raise InputError(f"review action must be one of {', '.join(ACTIONS)}, not {action!r}")
    path = decisions_path(document)
    _check_claim(document, claim_id)
    fields = {
        "action": ACTIONS[action],
        "claim_id": claim_id,
        "record_id": record_id,
        "relation": relation,
        "evidence_type": evidence_type,
        "note": note,
        "curator": curator,
        "decided_at": datetime.now(UTC).replace(microsecond=0),
    }
    try:
        decision = Decision.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as e:
        raise InputError(f"{action} {claim_id}: {describe_error(e)}") from e
    stored = append_decision(path, decision)
    sys.stdout.write(json.dumps(stored.model_dump(mode="json", exclude_none=True), ensure_ascii=False) + "\n")
    sys.stdout.flush()
    log.info("recorded %s in %s", stored.id, path)


def _check_claim(folder: Path, claim_id: str) -> None:
    """InputError naming the closest claim IDs when the document has no claim `claim_id`."""
    parsed = parse_document(folder, max_bytes=Settings().max_document_bytes)
    ids = [claim.claim_id for claim in parsed.claims]
    if claim_id in ids:
        return
    closest = difflib.get_close_matches(claim_id, ids, n=5, cutoff=0.5)
    hint = (
        f"; closest: {', '.join(closest)}" if closest else f"; it has {len(ids)} claims (see `curate claims`)"
    )
    raise InputError(f"no claim {claim_id!r} in {folder}{hint}")
