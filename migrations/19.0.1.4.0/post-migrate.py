"""19.0.1.4.0: the write-off notice mail prints the notice's total (its claims and their tax)
in figures and, in renminbi only, in Chinese capitals. It printed the claims untaxed next to
the capitals of the whole credit (the allowance paid out and the tax included). The template is
not updated from the data file (noupdate): its body, in every language it was translated into,
gets the new amounts here, unless someone has rewritten those expressions.

The mail also links to the notice on the portal (with its access token), for the dealer to
confirm or dispute it from the mail: each language's body gets the link after its request to
confirm, or at its end, unless it links to the portal already."""

import json

from odoo import SUPERUSER_ID, api

TEMPLATE = "after_sales_service.mail_template_after_sales_writeoff_notice"
NOTICE_TOTAL = "object.reimbursed_amount + object.notice_tax_amount"
REPLACEMENTS = (
    (
        "format_amount(object.reimbursed_amount, object.currency_id)",
        f"format_amount({NOTICE_TOTAL}, object.currency_id)",
    ),
    (
        "(<t t-out=\"object.amount_credited_cn or ''\"/>)",
        f'<t t-if="object._amount_cn({NOTICE_TOTAL})">'
        f'(<t t-out="object._amount_cn({NOTICE_TOTAL})"/>)</t>',
    ),
    (
        "（<t t-out=\"object.amount_credited_cn or ''\"/>）",
        f'<t t-if="object._amount_cn({NOTICE_TOTAL})">'
        f'（<t t-out="object._amount_cn({NOTICE_TOTAL})"/>）</t>',
    ),
)

PORTAL_LINK = (
    '<a t-att-href="object.get_portal_url()" t-out="object.name or \'\'">ASS/2026/Q1</a></p>'
)
# the paragraph with the link, and the sentence of each body it follows
PORTAL_PARAGRAPHS = {
    "en": (
        "so that we can post the credit note.</p>",
        f"<p>Confirm or dispute the notice on the portal: {PORTAL_LINK}",
    ),
    "zh_CN": (
        "以便我方过账红字发票。</p>",
        f"<p>请在门户网站上确认该通知或提出异议：{PORTAL_LINK}",
    ),
}


def add_portal_link(lang, body):
    """``body`` with the paragraph linking to the notice on the portal, in the body's language
    (English but in Chinese): after the request to confirm, else before the closing tag."""
    if "get_portal_url" in body:
        return body
    paragraph = PORTAL_PARAGRAPHS["zh_CN" if lang == "zh_CN" else "en"][1]
    for anchor, _paragraph in PORTAL_PARAGRAPHS.values():
        if anchor in body:
            return body.replace(anchor, f"{anchor}\n    {paragraph}", 1)
    end = body.rfind("</div>")
    if end < 0:
        return f"{body}{paragraph}"
    return f"{body[:end]}    {paragraph}\n{body[end:]}"


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    template = env.ref(TEMPLATE, raise_if_not_found=False)
    if not template:
        return
    cr.execute("SELECT body_html FROM mail_template WHERE id = %s", [template.id])
    bodies = cr.fetchone()[0] or {}
    changed = {}
    for lang, body in bodies.items():
        new = body
        for old, replacement in REPLACEMENTS:
            new = new.replace(old, replacement)
        new = add_portal_link(lang, new)
        if new != body:
            changed[lang] = new
    if changed:
        # every language at once, as stored: writing one through the ORM would re-derive the
        # others from its terms
        cr.execute(
            "UPDATE mail_template SET body_html = body_html || %s::jsonb WHERE id = %s",
            [json.dumps(changed), template.id],
        )
        template.invalidate_recordset(["body_html"])
