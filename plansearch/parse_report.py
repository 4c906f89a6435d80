"""How a file is understood, before anything is indexed: the `plansearch parse --json` contract, also
the report an upload answers with. Tools outside the repo read it: add fields, never rename them."""
from __future__ import annotations

from indexer.corpus import ParsedFile
from indexer.readers.base import tables_of
from plansearch.records import ParsedPlan


def _counts(plan: ParsedPlan) -> dict[str, dict[str, int]]:
    """Targets and measures per domain, in the plan's order (a domain's own summary is not counted)."""
    counts: dict[str, dict[str, int]] = {d: {"target": 0, "measure": 0} for d in plan.domains}
    for p in plan.passages:
        if p.domain and p.kind.value in ("target", "measure"):
            counts.setdefault(p.domain, {"target": 0, "measure": 0})[p.kind.value] += 1
    return counts


def _kinds(plan: ParsedPlan) -> dict[str, int]:
    out: dict[str, int] = {}
    for p in plan.passages:
        out[p.kind.value] = out.get(p.kind.value, 0) + 1
    return out


def plan_report(parsed: ParsedFile, plan: ParsedPlan) -> dict:
    meta = plan.meta
    lines = parsed.lines.get(meta.id, [])
    return {
        "id": meta.id,
        "title": meta.title,
        "region": meta.region,
        "province": meta.province,
        "city": meta.city,
        "county": meta.county,
        "period": meta.period,
        "subject": meta.subject,
        "status": meta.status,
        "doc_number": getattr(meta, "doc_number", ""),
        "issuer": getattr(meta, "issuer", ""),
        "date": getattr(meta, "date", ""),
        "source": {"file": parsed.file, "format": parsed.format},
        "tables": [rows for rows in tables_of([ln.at for ln in lines if ln.at is not None])],
        "passages": [{
            "id": p.id, "domain": p.domain, "kind": p.kind.value, "number": p.number, "title": p.title,
            "text": p.text, "section": list(getattr(p, "section", []) or []),
            "source": p.source.model_dump(mode="json"),
        } for p in plan.passages],
        "counts": _counts(plan),
        "kinds": _kinds(plan),
        "warnings": list(getattr(meta, "warnings", []) or []) + list(plan.warnings),
    }


def file_report(parsed: ParsedFile) -> dict:
    return {"file": parsed.file, "format": parsed.format,
            "plans": [plan_report(parsed, plan) for plan in parsed.plans]}


def text_report(parsed: ParsedFile) -> str:
    """The same, for a person: one block per plan."""
    out = []
    for plan in parsed.plans:
        r = plan_report(parsed, plan)
        out.append(f"{r['title']}  [{r['id']}]  {parsed.file} ({parsed.format})")
        details = [("地区", r["region"]), ("时期", r["period"]), ("对象", r["subject"]), ("状态", r["status"]),
                   ("文号", r["doc_number"]), ("发文机关", r["issuer"]), ("日期", r["date"])]
        out.append("  " + "　".join(f"{k}：{v}" for k, v in details if v))
        for domain, kinds in r["counts"].items():
            out.append(f"  {domain}：目标 {kinds['target']}，措施 {kinds['measure']}")
        out.append(f"  {len(r['passages'])} passages (" + "，".join(f"{k} {n}" for k, n in r["kinds"].items())
                   + f"), {len(r['tables'])} table(s)")
        out += [f"  warning: {w}" for w in r["warnings"]]
    return "\n".join(out)
