"""Recompute the dashboard's headline figures from an open-data package alone (pandas).

Usage: python evaluation_example.py DIR   (DIR holds datapackage.json and the CSV files)
"""

import json
import sys
from pathlib import Path

import pandas as pd


def headline(folder: str) -> dict:
    d = Path(folder)
    meta = json.loads((d / "datapackage.json").read_text(encoding="utf-8"))
    households = pd.read_csv(d / "menages_inscrits.csv", dtype=str)
    left = pd.read_csv(d / "menages_sortis.csv", dtype=str)
    leases = pd.read_csv(d / "baux_signes.csv", dtype={"household_id": str})
    # A household is relocated once its lease is signed (one lease per household).
    leases = leases[leases["household_id"].isin(households["household_id"])]
    n = len(leases)

    def pct(flag: str) -> float:
        return round(100 * (leases[flag].astype(str) == "True").sum() / n, 2) if n else None

    return {
        "position": meta["position"],
        "inscrits": len(households),
        "reloges": leases["household_id"].nunique(),
        "sortis": left["household_id"].nunique(),
        "hors_qpv_taux": pct("flags_hors_qpv"),
        "inter_bailleur_taux": pct("flags_inter_bailleur"),
        "neuf_moins_5_ans_taux": pct("flags_neuf_moins_5_ans"),
        "rav_personne_hausse": int((leases["evolution_rav_person_day"] > 0).sum()),
        "rav_personne_baisse": int((leases["evolution_rav_person_day"] < 0).sum()),
        "rav_personne_evolution_moyenne": round(leases["evolution_rav_person_day"].mean(), 4),
        "taux_effort_evolution_moyenne": round(leases["evolution_taux_effort_points"].mean(), 4),
    }


if __name__ == "__main__":
    for key, value in headline(sys.argv[1]).items():
        print(f"{key:32} {value}")
