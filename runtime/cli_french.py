"""Click in French: the command line's usage errors, help headings and prompts.

Click marks its messages for translation with the standard library's ``gettext``
(``from gettext import gettext as _`` in each of its modules), but ships no catalogue,
and ``gettext.gettext`` only reads compiled ``.mo`` files from a locale folder. Rather
than ship a compiled catalogue for one language, :func:`install` rebinds those modules'
``_`` and ``ngettext`` to a lookup in :data:`FRENCH` (click's own message templates →
French templates; the same placeholders, so click formats them as usual). A message
missing from the table stays in English: ``tests/test_cli_french.py`` runs the usual
mistakes (unknown command or option, missing or bad value) and checks none does.
"""

from __future__ import annotations

import importlib

FRENCH: dict[str, str] = {
    # exceptions.py
    "Error: {message}": "Erreur : {message}",
    "Invalid value: {message}": "valeur invalide : {message}",
    "Invalid value for {param_hint}: {message}": "valeur invalide pour {param_hint} : {message}",
    "Missing argument": "Argument obligatoire manquant :",
    "Missing option": "Option obligatoire manquante :",
    "Missing parameter": "Paramètre obligatoire manquant :",
    "Missing {param_type}": "Paramètre obligatoire manquant ({param_type}) :",
    "Missing parameter: {param_name}": "Paramètre obligatoire manquant : {param_name}",
    "No such option: {name}": "Option inconnue : {name}",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "Did you mean {possibility}?": "Vouliez-vous dire {possibility} ?",
    "(Did you mean one of: {possibilities}?)": "(Vouliez-vous dire l'une de celles-ci : {possibilities} ?)",
    "Option {name!r} requires an argument.": "L'option {name!r} attend une valeur.",
    "Option {name!r} requires {nargs} arguments.": "L'option {name!r} attend {nargs} valeurs.",
    "Option {name!r} does not take a value.": "L'option {name!r} ne prend pas de valeur.",
    "Could not open file {filename!r}: {message}": "Impossible d'ouvrir le fichier {filename!r} : {message}",
    "unknown error": "erreur inconnue",
    "Aborted!": "Interrompu.",
    "Try '{command} {option}' for help.": "Aide : « {command} {option} ».",
    "Got unexpected extra argument ({args})": "Argument en trop : {args}",
    "Got unexpected extra arguments ({args})": "Arguments en trop : {args}",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "Missing command.": "Commande manquante.",
    "Argument {name!r} takes {nargs} values.": "L'argument {name!r} attend {nargs} valeurs.",
    "Takes {nargs} values but 1 was given.": "Attend {nargs} valeurs, une seule donnée.",
    "Takes {nargs} values but {len} were given.": "Attend {nargs} valeurs, {len} données.",
    "{len_type} values are required, but {len_value} was given.":
        "{len_type} valeurs sont attendues, {len_value} donnée.",
    "{len_type} values are required, but {len_value} were given.":
        "{len_type} valeurs sont attendues, {len_value} données.",
    # help and usage (core.py, formatting.py, decorators.py)
    "Usage:": "Usage :",
    "Options": "Options",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Show this message and exit.": "Affiche cette aide et quitte.",
    "Show the version and exit.": "Affiche la version et quitte.",
    "%(prog)s, version %(version)s": "%(prog)s, version %(version)s",
    "Confirm the action without prompting.": "Confirme l'action sans la demander.",
    "Do you want to continue?": "Voulez-vous continuer ?",
    "default: {default}": "défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "required": "obligatoire",
    "(dynamic)": "(dynamique)",
    "deprecated": "obsolète",
    # prompts (termui.py)
    "Repeat for confirmation": "Confirmez en saisissant de nouveau",
    "Error: The two entered values do not match.": "Erreur : les deux saisies diffèrent.",
    "Error: invalid input": "Erreur : saisie invalide",
    "Press any key to continue...": "Appuyez sur une touche pour continuer…",
    # parameter types (types.py)
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un nombre valide.",
    "{value} is not in the range {range}.": "{value} n'est pas dans l'intervalle {range}.",
    "{value!r} is not one of {choices}.": "{value!r} ne fait pas partie des valeurs possibles : {choices}.",
    "{value!r} is not {choice}.": "{value!r} : seule valeur possible {choice}.",
    "Choose from:\n\t{choices}": "Valeurs possibles :\n\t{choices}",
    "{value!r} does not match the format {format}.": "{value!r} ne correspond pas au format {format}.",
    "{value!r} does not match the formats {formats}.": "{value!r} ne correspond à aucun des formats {formats}.",
    "{value!r} is not a valid boolean. Recognized values: {states}":
        "{value!r} n'est pas un booléen valide. Valeurs reconnues : {states}",
    "{value!r} is not a valid UUID.": "{value!r} n'est pas un identifiant (UUID) valide.",
    "file": "fichier",
    "directory": "dossier",
    "path": "chemin",
    "{name} {filename!r} does not exist.": "{name} {filename!r} introuvable.",
    "{name} {filename!r} is a file.": "{name} {filename!r} : c'est un fichier.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} : c'est un dossier.",
    "{name} {filename!r} is not readable.": "{name} {filename!r} : lecture non autorisée.",
    "{name} {filename!r} is not writable.": "{name} {filename!r} : écriture non autorisée.",
    "{name} {filename!r} is not executable.": "{name} {filename!r} : exécution non autorisée.",
}

MODULES = (
    "click.core", "click.exceptions", "click.types", "click.parser", "click.decorators",
    "click.formatting", "click.termui", "click.utils",
)


def gettext(message: str) -> str:
    return FRENCH.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)


def install() -> None:
    """Make click speak French in this process (idempotent)."""
    for name in MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]
