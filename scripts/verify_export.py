#!/usr/bin/env python3
"""Re-verify an export of the relocation history, anywhere, with the Python stdlib only.

Usage::

    python3 verify_export.py HISTORY.jsonl [--head HASH]

HISTORY.jsonl comes from ``relogement audit export HISTORY.jsonl``: one stored event
per line, in position order, with the exact stored bytes (``state_b64``) and the
hash sealed for it (``hash``). This script recomputes the chain from the start::

    h(0) = "0" * 64
    h(n) = sha256( h(n-1) + "\\n" + position + "\\n" + originator_id + "\\n"
                   + originator_version + "\\n" + topic + "\\n"  (UTF-8)
                   + stored state bytes )            -> lowercase hex

and checks, line by line: positions strictly increase; the readable ``state`` is the
JSON of ``state_b64``; the recomputed hash equals the sealed one. It stops at the
first break and prints its position and reason (exit code 1). With ``--head`` it
also checks that the last hash is the one you kept elsewhere (printed by
``relogement audit head`` or by the export command): without that, someone who
rewrote an event AND every later hash would go unnoticed.

Personal fields (``personal``) stay sealed (AES-GCM per household): they are
verified as bytes, never decrypted.
Exit codes: 0 intact, 1 break, 2 unreadable file / usage.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import sys

GENESIS = "0" * 64


def link(prev: str, position: int, originator_id: str, version: int, topic: str, state: bytes) -> str:
    header = f"{prev}\n{position}\n{originator_id}\n{version}\n{topic}\n".encode()
    return hashlib.sha256(header + state).hexdigest()


def verify(lines, expected_head: str | None = None) -> tuple[bool, str]:
    prev = GENESIS
    last_position = 0
    count = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            event = json.loads(line)
            position = int(event["position"])
            state = base64.b64decode(event["state_b64"], validate=True)
            originator_id = str(event["originator_id"])
            version = int(event["originator_version"])
            topic = str(event["topic"])
            sealed = event["hash"]
        except (ValueError, KeyError, TypeError, binascii.Error) as error:
            return False, f"ligne {number} illisible : {error}"
        if position <= last_position:
            return False, f"rupture à l'événement n° {position} : positions non croissantes"
        if sealed is None:
            return False, f"rupture à l'événement n° {position} : événement absent de la chaîne"
        if event.get("state") is not None:
            try:
                readable_matches = json.loads(state) == event["state"]
            except ValueError:
                readable_matches = False
            if not readable_matches:
                return False, (
                    f"rupture à l'événement n° {position} : l'état lisible ne correspond pas "
                    "aux octets exportés"
                )
        computed = link(prev, position, originator_id, version, topic, state)
        if computed != sealed:
            return False, (
                f"rupture à l'événement n° {position} : empreinte recalculée {computed} "
                f"≠ empreinte scellée {sealed}"
            )
        prev = sealed
        last_position = position
        count += 1
    if expected_head is not None and prev != expected_head.strip().lower():
        return False, (
            f"chaîne cohérente ({count} événements) mais la tête {prev} n'est pas "
            f"l'empreinte attendue {expected_head}"
        )
    return True, f"chaîne intègre : {count} événements, tête n° {last_position} = {prev}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("export", help="fichier JSON Lines produit par `relogement audit export`")
    parser.add_argument("--head", help="empreinte de tête attendue, conservée hors de la base")
    args = parser.parse_args(argv)
    try:
        with open(args.export, encoding="utf-8") as lines:
            ok, message = verify(lines, args.head)
    except OSError as error:
        print(f"fichier illisible : {error}", file=sys.stderr)
        return 2
    print(message, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
