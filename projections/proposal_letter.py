"""The proposal letter (courrier de proposition): one content, two files.

:func:`letter_content` writes the letter in plain French from the proposal as recorded
(its indicators, rank and legal number of offers), the household (its name and address:
identity, so only those who may see it produce the letter and the web layer logs each
one), the project's settings (deadline to answer, charter text) and the officer's
contact. :func:`render_docx` (python-docx: an editable file the officer adapts) and
:func:`render_pdf` (WeasyPrint, through ``templates/courrier_proposition.html``) both
write that content, so the two files say the same thing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from relogement.platform.values import day_fr
from relogement.projections.report_output import TEMPLATES, cents, number_fr, percent


@dataclass(frozen=True)
class Letter:
    """The letter's content, as plain text, in reading order."""

    sender: list[str]
    recipient: list[str]
    place_and_date: str
    subject: str
    opening: str
    sections: list[tuple[str, list[str]]]
    costs: list[tuple[str, str]]
    closing: list[str]
    signature: list[str]
    deadline: date
    instant: datetime
    file_stem: str
    facts: dict[str, Any] = field(default_factory=dict)


def _signed_points(value: Any) -> str:
    d = Decimal(str(value))
    if not d:
        return "sans changement"
    unit = "points" if abs(d) >= 2 else "point"  # French: "1,67 point", "2,5 points"
    return f"{'+' if d > 0 else '−'}{number_fr(abs(d))} {unit}"


def _signed_cents(value: int) -> str:
    if value > 0:
        return f"+{cents(value)}"
    if value < 0:
        return f"−{cents(-value)}"
    return "sans changement"


def _indicator_sentences(ind: dict, per_uc: bool) -> list[str]:
    before, after, evo = ind["before"], ind["after"], ind["evolution"]
    key = "rav_uc_day" if per_uc else "rav_person_day"
    unit = "par jour et par unité de consommation" if per_uc else "par jour et par personne"
    sentences = [
        f"Ce que vous paieriez chaque mois pour votre logement, une fois l'aide au logement "
        f"déduite (reste à charge), passerait de {cents(before['reste_a_charge_cents'])} à "
        f"{cents(after['reste_a_charge_cents'])} ({_signed_cents(evo['reste_a_charge_cents'])}).",
    ]
    if before["taux_effort"] is not None and after["taux_effort"] is not None:
        sentences.append(
            f"La part de vos ressources consacrée au logement (taux d'effort) passerait de "
            f"{percent(before['taux_effort'])} à {percent(after['taux_effort'])} "
            f"({_signed_points(evo['taux_effort_points'])})."
        )
    sentences.append(
        f"Ce qu'il vous resterait pour vivre une fois le logement payé (reste-à-vivre) passerait "
        f"de {number_fr(before[key])} € à {number_fr(after[key])} € {unit}."
    )
    sentences.append(
        "Ces montants sont calculés avec vos ressources actuelles et une estimation de l'aide "
        "au logement dans le nouveau logement ; l'aide définitive est fixée par la CAF ou la MSA."
    )
    return sentences


def letter_content(
    proposal: Any,
    household: Any,
    project: Any,
    settings: dict,
    officer: dict,
    instant: datetime,
    day: date,
) -> Letter:
    """The letter of ``proposal`` (a ``ProposalView`` with its offer) to ``household`` (a
    ``HouseholdFull``) of ``project``, dated ``day`` (Paris) and produced at ``instant``.
    ``settings``: the project's, completed with the defaults of settings its events may
    predate (answer days, charter text). ``officer``: ``name``, ``organisation`` and
    ``contact`` (an e-mail, or empty) of the household's officer."""
    answer_days = int(settings["answer_days"])
    deadline = day + timedelta(days=answer_days)
    d = proposal.offer.dwelling
    ind = proposal.indicators
    after = ind["after"]["inputs"]
    where = d["address"] + (f", {d['commune']}" if d.get("commune") and not d["address"].endswith(d["commune"]) else "")
    floor = "rez-de-chaussée" if int(d.get("floor", 0)) == 0 else f"{d['floor']}e étage"
    dwelling = [
        f"Logement {d['typology']} de {number_fr(d['surface_m2'], 0 if Decimal(str(d['surface_m2'])) % 1 == 0 else 1)} m², "
        f"{'maison individuelle' if d.get('individual') else 'en immeuble collectif'}, {floor}"
        f"{', avec ascenseur' if d.get('lift') else ''}{', accessible aux personnes à mobilité réduite' if d.get('accessible') else ''}.",
        f"Adresse : {where}" + (f" (quartier {d['quartier']})" if d.get("quartier") else "") + ".",
        f"Bailleur : {proposal.offer.bailleur_name} (référence du logement : {proposal.offer.reference}) ; "
        f"construit ou livré en {d['construction_year']}, financement {d['financing']}.",
    ]
    costs = [
        ("Loyer principal", cents(after["rent_cents"])),
        ("Loyers annexes (garage, parking)", cents(after["annex_rent_cents"])),
        ("Charges récupérables (provisions)", cents(after["charges_cents"])),
        ("Aide au logement estimée (APL ou AL)", f"−{cents(after['apl_cents'])}"),
        ("Reste à charge estimé", cents(ind["after"]["reste_a_charge_cents"])),
        ("Taux d'effort estimé", percent(ind["after"]["taux_effort"])),
    ]
    left = max(0, proposal.max_proposals - proposal.rank)
    rights = [
        f"Cette proposition est la n° {proposal.rank} sur les {proposal.max_proposals} propositions "
        f"prévues par la règle du projet. "
        + (
            f"Si vous la refusez, il vous restera {left} proposition{'s' if left > 1 else ''}."
            if left
            else "C'est la dernière proposition prévue : si vous la refusez, vous pourriez perdre "
            "votre droit au maintien dans les lieux (art. L442-6 du Code de la construction et "
            "de l'habitation)."
        ),
    ]
    if (household.wishes or {}).get("right_to_return"):
        rights.append(
            "Vous avez demandé à revenir dans votre quartier une fois renouvelé (droit au retour) : "
            "cette demande reste enregistrée, quelle que soit votre réponse à cette proposition."
        )
    charter = (settings.get("charter_text") or "").strip()
    if charter:
        rights.extend(p.strip() for p in charter.splitlines() if p.strip())
    contact = f"{officer['name']}, {officer['organisation']}" + (
        f" — {officer['contact']}" if officer.get("contact") else ""
    )
    sections = [
        ("Le logement proposé", dwelling),
        ("Ce que ce logement changerait pour vous", _indicator_sentences(ind, settings.get("rav_convention") == "uc")),
        ("Votre réponse", [
            f"Merci de nous faire connaître votre réponse, acceptation ou refus motivé, avant le "
            f"{day_fr(deadline)} ({answer_days} jours à compter de la date de ce courrier).",
            "Vous pouvez visiter le logement avant de répondre : prenez rendez-vous avec votre "
            "chargé(e) de relogement.",
        ]),
        ("Vos droits", rights),
        ("Votre contact", [
            f"Votre chargé(e) de relogement : {contact}.",
        ]),
    ]
    recipient = [household.name or household.reference]
    if getattr(household, "address", ""):
        recipient.append(household.address)
    return Letter(
        sender=[officer["organisation"], f"Projet de renouvellement urbain — {project.name}"],
        recipient=recipient,
        place_and_date=f"Le {day_fr(day)}",
        subject=f"Objet : proposition de relogement — logement {proposal.offer.reference} "
        f"(proposition n° {proposal.rank})",
        opening="Madame, Monsieur,",
        sections=[
            ("", [
                f"Dans le cadre du projet de renouvellement urbain « {project.name} », votre "
                "relogement est accompagné par les bailleurs et les partenaires du projet. Nous "
                "avons le plaisir de vous proposer le logement décrit ci-dessous."
            ]),
            *sections,
        ],
        costs=costs,
        closing=[
            "Nous restons à votre disposition pour toute question et vous prions d'agréer, "
            "Madame, Monsieur, l'expression de nos salutations distinguées."
        ],
        signature=[officer["name"], officer["organisation"]],
        deadline=deadline,
        instant=instant,
        file_stem=f"courrier-proposition-{household.reference}-{proposal.offer.reference}",
        facts={"answer_days": answer_days, "proposals_left": left},
    )


def render_docx(letter: Letter) -> bytes:
    """The letter as an editable Word document (python-docx), dated by its instant."""
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    for line in letter.sender:
        doc.add_paragraph(line)
    recipient = doc.add_paragraph()
    recipient.paragraph_format.left_indent = Pt(250)
    for i, line in enumerate(letter.recipient):
        if i:
            recipient.add_run().add_break()
        recipient.add_run(line)
    doc.add_paragraph(letter.place_and_date).paragraph_format.left_indent = Pt(250)
    doc.add_paragraph().add_run(letter.subject).bold = True
    doc.add_paragraph(letter.opening)
    for heading, paragraphs in letter.sections:
        if heading:
            doc.add_heading(heading, level=2)
        for text in paragraphs:
            doc.add_paragraph(text)
        if heading == "Le logement proposé":
            table = doc.add_table(rows=0, cols=2)
            table.style = "Table Grid"
            for label, value in letter.costs:
                cells = table.add_row().cells
                cells[0].text, cells[1].text = label, f"{value} par mois" if "€" in value else value
    for text in letter.closing:
        doc.add_paragraph(text)
    for line in letter.signature:
        doc.add_paragraph(line).paragraph_format.left_indent = Pt(250)
    props = doc.core_properties
    props.author = props.last_modified_by = "Relogement inter-bailleurs"
    props.title = letter.subject.removeprefix("Objet : ")
    stamp = letter.instant.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    props.created = props.modified = stamp
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render_html(letter: Letter) -> str:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return env.get_template("courrier_proposition.html").render(
        l=letter, iso_instant=letter.instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def render_pdf(letter: Letter) -> bytes:
    """The letter as a PDF (WeasyPrint), its metadata dated by the letter's instant."""
    from weasyprint import HTML

    from relogement.projections.report_output import _reproducible_font_subsets

    return HTML(string=render_html(letter), base_url=str(TEMPLATES)).write_pdf(
        full_fonts=not _reproducible_font_subsets()
    )
