#!/usr/bin/env python3
"""Offline checks of the shipped seed (api/seed/seed.json), without building Lotse.

Usage:
    python3 api/seed/check_seed.py [seed.json] [--reference path/to/reference-dataset.json]

Checks what `lotse import` checks before writing (slug form and uniqueness, a source on
every record, references between records, date order, closed vocabularies read from
api/src/vocab.rs) plus the seed's own conventions:

- every offer has German title and summary, regions and target groups, and topics from
  the seed's `topics` array;
- an offer with an `application_deadline` in the past but no `valid_until` is reported
  as a warning (an ended offer needs `valid_until` so that `open_on` leaves it out);
- with `--reference`, every partner (`short_name`), project (`name`) and offer (`title`)
  of the reference dataset must have a counterpart in the seed (partners by short name
  or name, projects by name, offers by `provider_note` + `description_en`, which the
  seed carries over verbatim).

Exits 1 if there is any error; prints warnings without failing.
"""
import json
import re
import sys
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
VOCAB_RS = HERE.parent / "src" / "vocab.rs"
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def vocabularies():
    """{EnumName: {values}} from the `vocabulary!` blocks of vocab.rs."""
    text = VOCAB_RS.read_text(encoding="utf-8")
    out = {}
    for name, body in re.findall(r"vocabulary!\s*\{.*?\b(\w+)\s*\{(.*?)\n    \}\n\}", text, re.S):
        out[name] = set(re.findall(r'=\s*"([a-z_]+)"', body))
    return out


def main(argv):
    args = [a for a in argv if not a.startswith("--")]
    seed_path = Path(args[0]) if args else HERE / "seed.json"
    ref_path = None
    if "--reference" in argv:
        ref_path = Path(argv[argv.index("--reference") + 1])
        args = [a for a in args if Path(a) != ref_path]
        seed_path = Path(args[0]) if args else HERE / "seed.json"
    seed = json.loads(seed_path.read_text(encoding="utf-8"))
    voc = vocabularies()
    errors, warnings = [], []

    def err(msg):
        errors.append(msg)

    slugs = {}
    for coll in ["topics", "regions", "partners", "contacts", "people", "projects", "offers", "meetings"]:
        seen = set()
        for rec in seed.get(coll, []):
            s = rec["slug"]
            if not SLUG.match(s):
                err(f"{coll}/{s}: slug form")
            if s in seen:
                err(f"{coll}/{s}: slug appears twice")
            seen.add(s)
            if not str(rec.get("source", "")).strip():
                err(f"{coll}/{s}: no source")
        slugs[coll] = seen

    def ref(coll, s, target, value):
        if value is not None and value not in slugs[target]:
            err(f"{coll}/{s}: unknown {target[:-1]} `{value}`")

    def enum(coll, s, name, value):
        if value is not None and value not in voc[name]:
            err(f"{coll}/{s}: `{value}` is not a {name} ({', '.join(sorted(voc[name]))})")

    for t in seed["topics"]:
        ref("topics", t["slug"], "topics", t["parent"])
    for r in seed["regions"]:
        ref("regions", r["slug"], "regions", r["parent"])
        enum("regions", r["slug"], "RegionKind", r["kind"])
        for m in r["members"]:
            ref("regions", r["slug"], "regions", m)
    for p in seed["partners"]:
        ref("partners", p["slug"], "regions", p["region"])
        enum("partners", p["slug"], "PartnerKind", p["kind"])
        enum("partners", p["slug"], "AllianceGroup", p["alliance_group"])
    for c in seed["contacts"]:
        ref("contacts", c["slug"], "partners", c["partner"])
        enum("contacts", c["slug"], "ContactKind", c["kind"])
    for p in seed["people"]:
        ref("people", p["slug"], "partners", p["partner"])
    for p in seed["projects"]:
        s = p["slug"]
        ref("projects", s, "regions", p["region"])
        enum("projects", s, "ProjectKind", p["kind"])
        enum("projects", s, "ProjectStatus", p["status"])
        for part in p["participants"]:
            ref("projects", s, "partners", part["partner"])
            enum("projects", s, "ParticipantRole", part["role"])
        if p["start_date"] and p["end_date"] and p["end_date"] < p["start_date"]:
            err(f"projects/{s}: end_date before start_date")
        if not p["summary_de"].strip():
            err(f"projects/{s}: no summary_de")
    today = date.today().isoformat()
    for o in seed["offers"]:
        s = o["slug"]
        ref("offers", s, "partners", o["provider"])
        ref("offers", s, "projects", o["project"])
        enum("offers", s, "OfferKind", o["kind"])
        enum("offers", s, "Cost", o["cost"])
        for g in o["target_groups"]:
            enum("offers", s, "TargetGroup", g)
        for t in o["topics"]:
            ref("offers", s, "topics", t)
        for r in o["regions"]:
            ref("offers", s, "regions", r)
        if not o["target_groups"] or not o["regions"]:
            err(f"offers/{s}: needs target groups and regions")
        if not o["title_de"].strip() or not o["summary_de"].strip():
            err(f"offers/{s}: needs title_de and summary_de")
        if o["valid_from"] and o["valid_until"] and o["valid_until"] < o["valid_from"]:
            err(f"offers/{s}: valid_until before valid_from")
        if len(set(o["topics"])) != len(o["topics"]):
            err(f"offers/{s}: a topic twice")
        if o["application_deadline"] and o["application_deadline"] < today and not o["valid_until"]:
            warnings.append(f"offers/{s}: application_deadline {o['application_deadline']} has passed, valid_until is null")
    for m in seed["meetings"]:
        for part in m["participants"]:
            ref("meetings", m["slug"], "partners", part["partner"])
            ref("meetings", m["slug"], "people", part["person"])
            enum("meetings", m["slug"], "MeetingRole", part["role"])

    if ref_path:
        ref_data = json.loads(ref_path.read_text(encoding="utf-8"))
        names = {p["short_name"] for p in seed["partners"]} | {p["name"] for p in seed["partners"]}
        notes = " ".join(p["note"] or "" for p in seed["partners"])
        for p in ref_data["partners"]:
            if p["short_name"] not in names and p["name"] not in names and f"'{p['short_name']}'" not in notes:
                err(f"reference partner {p['short_name']!r} has no counterpart")
        pnames = {p["name"] for p in seed["projects"]}
        for p in ref_data["projects"]:
            if p["name"] not in pnames:
                err(f"reference project {p['name']!r} has no counterpart")
        offers = {(o["provider_note"], o["description_en"]) for o in seed["offers"]}
        for o in ref_data["offers"]:
            if (o["provider"], o["description"]) not in offers:
                err(f"reference offer {o['title']!r} has no counterpart")

    for w in warnings:
        print("warning:", w)
    for e in errors:
        print("error:", e)
    counts = ", ".join(f"{len(seed[c])} {c}" for c in ["topics", "regions", "partners", "contacts", "people", "projects", "offers", "meetings"])
    print(f"{seed_path}: version {seed['meta']['version']}: {counts}; {len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
