"""The demo's catalog: function sections (2018-12-03), the directory (2018-12-06), the items the
departments file (2018-12-10), the reform office's reviews (2018-12-17, one item returned and filed
again 2018-12-19) and the DRC's fee reviews (2018-12-18)."""

from __future__ import annotations

from registry.inputs.filings import DirectoryItemIn, FeeReviewIn, FunctionSectionIn, ItemIn, ItemReviewIn
from registry.demo.plan import DRC, GOV_SERVICE, REFORM, Plan, dept_actor
from registry.seed.demo_city import (
    FEES_RETURNED,
    FEES_UNREVIEWED,
    FUNCTION_SECTIONS,
    LEGAL_BASIS,
    RETURNED_ITEM,
    DemoItem,
    sh,
)
from registry.services import catalog


def function_sections(plan: Plan) -> None:
    """Function sections, their chains by item code."""
    for code, name, lead, whole, chain in FUNCTION_SECTIONS:
        data = {
            "code": code,
            "name": name,
            "lead_department": lead,
            "whole_chain": whole,
            "chain": [plan.by_name[n].code for n in chain],
        }
        plan.file(
            f"功能板块 {code}",
            GOV_SERVICE,
            sh(2018, 12, 3),
            None,
            catalog.create_function_section,
            FunctionSectionIn(**data),
        )


def items(plan: Plan) -> list[DemoItem]:
    """The directory, the items filed and reviewed, and the fee reviews; returns the items the
    reform office returned (filed again by `refile`)."""
    for it in plan.st.items:
        d = {
            "code": it.data["directory_item"],
            "name": it.data["name"],
            "item_type": it.data["item_type"],
            "legal_basis": LEGAL_BASIS.get(it.department),
        }
        plan.file(f"目录 {it.code}", REFORM, sh(2018, 12, 6), None, catalog.create_directory_item, DirectoryItemIn(**d))
    for it in plan.st.items:
        plan.file(
            f"事项 {it.code}",
            dept_actor(it.department),
            sh(2018, 12, 10),
            "item_versions",
            catalog.file_item,
            ItemIn.model_validate(it.data),
        )

    returned: list[DemoItem] = []
    for it in plan.st.items:
        if it.data["name"] == RETURNED_ITEM["name"]:
            reasons = [RETURNED_ITEM["reason"]]
            plan.file(
                f"退回 {it.code}",
                REFORM,
                sh(2018, 12, 17),
                "items_returned",
                catalog.review_item,
                it.code,
                ItemReviewIn(result="returned", reasons=reasons),
            )
            returned.append(it)
        else:
            plan.file(
                f"审核 {it.code}",
                REFORM,
                sh(2018, 12, 17),
                None,
                catalog.review_item,
                it.code,
                ItemReviewIn(result="approved"),
            )

    # The DRC reviews fees (most, not all; one returned).
    for it in plan.st.items:
        name = it.data["name"]
        if name in FEES_UNREVIEWED:
            continue
        for fee in it.data["fees"]:
            if name in FEES_RETURNED:
                review = {
                    "fee": fee["code"],
                    "result": "returned",
                    "basis_ok": False,
                    "standard_ok": False,
                    "note": FEES_RETURNED[name],
                }
            else:
                review = {
                    "fee": fee["code"],
                    "result": "approved",
                    "basis_ok": True,
                    "standard_ok": True,
                    "note": "收费依据和标准经审查符合规定",
                }
            plan.file(
                f"收费审查 {fee['code']}",
                DRC,
                sh(2018, 12, 18),
                "fee_reviews",
                catalog.review_fee,
                it.code,
                FeeReviewIn.model_validate(review),
            )
    return returned


def refile(plan: Plan, returned: list[DemoItem]) -> None:
    """The returned items come back without the catch-all material and are published."""
    for it in returned:
        fixed = {**it.data, "materials": [m for m in it.data["materials"] if m["name"] != "其他材料"]}
        plan.file(
            f"重报 {it.code}",
            dept_actor(it.department),
            sh(2018, 12, 19),
            "item_versions",
            catalog.file_item,
            ItemIn.model_validate(fixed),
        )
        plan.file(
            f"审核 {it.code}",
            REFORM,
            sh(2018, 12, 19, 15),
            None,
            catalog.review_item,
            it.code,
            ItemReviewIn(result="approved"),
        )
        it.data = fixed
