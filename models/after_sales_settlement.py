from collections import defaultdict

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.http import request

from ..tools import periods
from ..tools.cn_amount import amount_to_chinese
from ..tools.settlement import settle_quarter
from .after_sales_fund import ACCRUAL_KINDS

# Ledger kinds that consume the fund in a quarter (R13): parts drawn, return (R5) and old-part
# charges.
CONSUMING_KINDS = ("consumption", "return_charge", "old_part_charge")
# Fields only the settlement's own actions write (under sudo()): state, figures, documents.
PROTECTED_FIELDS = (
    "state",
    "contract_id",
    "year",
    "quarter",
    "opening_balance",
    "accrued_amount",
    "consumed_amount",
    "forfeited_amount",
    "paid_out_amount",
    "overspend_amount",
    "closing_balance",
    "reimbursed_amount",
    "amount_owed",
    "amount_credited",
    "move_ids",
    "claim_ids",
    "fund_entry_ids",
    "date_notified",
    "date_confirmed",
    "confirmed_by",
    "confirmation_attachment_id",
    "forced_post_reason",
    "dispute_reason",
    "date_posted",
    "notice_claim_amounts",
    "notice_tax_amount",
)
# Rows a settlement writes itself when posted.
SETTLEMENT_KINDS = ("forfeiture", "overspend_charge", "payout", "carry_forward", "reimbursement")


class AfterSalesSettlement(models.Model):
    """The quarterly settlement of one dealer contract (DOMAIN.md R12-R16): opening balance,
    accrued allowance, consumption, forfeiture, overspend, payout and the reimbursed claims, with
    the journal entries that carry them into the dealer's receivables.

    Created in draft by the quarterly settlement wizard (finance, hundreds of dealers at once);
    the write-off notice is sent to the dealer (notified), who confirms it (confirmed); posting
    creates the ledger rows and the invoices/credit notes and reconciles credit notes against the
    dealer's open receivables, oldest first. Cancelling reverses all of it. One settlement per
    contract and quarter (R16), enforced by a unique index and a row lock on the contract."""

    _name = "after_sales.settlement"
    _description = "Quarterly Repair Fund Settlement"
    _inherit = [
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "after_sales.computed.guard.mixin",
    ]
    _order = "year desc, quarter desc, id desc"
    _check_company_auto = True

    _once_per_quarter = models.UniqueIndex(
        "(contract_id, year, quarter) WHERE state != 'cancel'",
        "A contract is settled once per quarter.",
    )

    # ------------------------------------------------------------
    # FIELDS: identity
    # ------------------------------------------------------------
    name = fields.Char(compute="_compute_name", store=True)
    contract_id = fields.Many2one(
        "after_sales.contract",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    dealer_id = fields.Many2one(related="contract_id.dealer_id", store=True, index=True)
    company_id = fields.Many2one(related="contract_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="contract_id.currency_id", store=True)
    allowance_use = fields.Selection(related="contract_id.allowance_use")
    year = fields.Integer(required=True, readonly=True, aggregator=False)
    quarter = fields.Selection(
        [("1", "Q1"), ("2", "Q2"), ("3", "Q3"), ("4", "Q4")], required=True, readonly=True
    )
    date_from = fields.Date(compute="_compute_dates", store=True)
    date_to = fields.Date(compute="_compute_dates", store=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("notified", "Notified"),
            ("confirmed", "Confirmed by Dealer"),
            ("posted", "Posted"),
            ("cancel", "Cancelled"),
        ],
        string="Status",
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )

    # ------------------------------------------------------------
    # FIELDS: figures (frozen while draft is refreshed, kept once posted)
    # ------------------------------------------------------------
    opening_balance = fields.Monetary(readonly=True)
    accrued_amount = fields.Monetary(
        string="Accrued",
        readonly=True,
        help="The allowance of the quarter's months, and the corrections of earlier months "
        "dated in it; a correction of a forfeited quarter counts with its forfeiture, for "
        "nothing.",
    )
    consumed_amount = fields.Monetary(string="Consumed", readonly=True)
    forfeit = fields.Boolean(string="Forfeit Allowance", tracking=True)
    forfeit_reason = fields.Text(tracking=True)
    forfeited_amount = fields.Monetary(
        string="Forfeited",
        readonly=True,
        help="The allowance of the quarter's own months, when the manufacturer forfeits it "
        "(falsified cards, a breach of contract); not the corrections of earlier quarters dated "
        "in it.",
    )
    paid_out_amount = fields.Monetary(string="Allowance Paid Out", readonly=True)
    overspend_amount = fields.Monetary(string="Overspend", readonly=True)
    closing_balance = fields.Monetary(readonly=True)
    reimbursed_amount = fields.Monetary(string="Claims Reimbursed", readonly=True)
    amount_owed = fields.Monetary(
        string="Dealer Owes", compute="_compute_totals", store=True, help="Overspend invoiced."
    )
    amount_credited = fields.Monetary(
        string="Dealer Credited",
        compute="_compute_totals",
        store=True,
        help="Allowance paid out plus claims reimbursed, as credit notes.",
    )
    amount_credited_cn = fields.Char(
        string="Credited in Chinese Capitals", compute="_compute_amount_words"
    )
    amount_owed_cn = fields.Char(string="Owed in Chinese Capitals", compute="_compute_amount_words")
    amount_credited_words = fields.Char(
        string="Credited in Words",
        compute="_compute_amount_words",
        help="In the dealer's language; a Chinese dealer reads the Chinese capitals instead.",
    )
    amount_owed_words = fields.Char(string="Owed in Words", compute="_compute_amount_words")
    is_dealer_chinese = fields.Boolean(compute="_compute_amount_words")
    carried_negative_amount = fields.Monetary(
        string="Negative Allowance Carried",
        compute="_compute_totals",
        store=True,
        help="Paid-to-dealer contracts: a quarter whose allowance is negative (credit notes "
        "above sales) pays nothing; the negative is carried into the next payout.",
    )

    # ------------------------------------------------------------
    # FIELDS: documents
    # ------------------------------------------------------------
    claim_ids = fields.One2many("after_sales.claim", "settlement_id", string="Claims")
    claim_count = fields.Integer(compute="_compute_claim_count")
    fund_entry_ids = fields.One2many("after_sales.fund.entry", "settlement_id", string="Ledger")
    move_ids = fields.Many2many("account.move", string="Journal Entries", readonly=True, copy=False)
    move_count = fields.Integer(compute="_compute_move_count")
    date_notified = fields.Date(readonly=True, copy=False)
    date_confirmed = fields.Date(readonly=True, copy=False)
    confirmed_by = fields.Char(readonly=True, copy=False)
    confirmation_attachment_id = fields.Many2one(
        "ir.attachment",
        string="Signed Confirmation",
        readonly=True,
        copy=False,
        help="The dealer's signed and sealed notice, recorded by the service desk or a manager.",
    )
    dispute_reason = fields.Text(readonly=True, copy=False, tracking=True)
    notice_claim_amounts = fields.Json(
        readonly=True,
        copy=False,
        help="The claims and amounts of the notice sent to the dealer: what posting deducts.",
    )
    notice_tax_amount = fields.Monetary(
        string="Tax on Reimbursement",
        readonly=True,
        copy=False,
        help="Only when the settings say claim reimbursements are taxed.",
    )
    forced_post_reason = fields.Text(
        readonly=True,
        copy=False,
        tracking=True,
        help="Why a manager posted the write-off without the dealer's confirmation.",
    )
    date_posted = fields.Date(readonly=True, copy=False)

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("contract_id.name", "year", "quarter")
    def _compute_name(self):
        for settlement in self:
            settlement.name = (
                f"{settlement.contract_id.name or ''} {settlement.year}Q{settlement.quarter or ''}"
            )

    @api.depends("year", "quarter")
    def _compute_dates(self):
        for settlement in self:
            if settlement.year and settlement.quarter:
                settlement.date_from, settlement.date_to = periods.quarter_bounds(
                    settlement.year, int(settlement.quarter)
                )
            else:
                settlement.date_from = settlement.date_to = False

    @api.depends(
        "overspend_amount",
        "paid_out_amount",
        "reimbursed_amount",
        "notice_tax_amount",
        "closing_balance",
        "contract_id.allowance_use",
    )
    def _compute_totals(self):
        for settlement in self:
            settlement.amount_owed = settlement.overspend_amount
            settlement.amount_credited = (
                settlement.paid_out_amount
                + settlement.reimbursed_amount
                + settlement.notice_tax_amount
            )
            settlement.carried_negative_amount = (
                -settlement.closing_balance
                if settlement.contract_id.allowance_use == "payout"
                and settlement.closing_balance < 0
                else 0.0
            )

    @api.depends(
        "amount_credited",
        "amount_owed",
        "currency_id",
        "dealer_id.lang",
        "dealer_id.commercial_partner_id.lang",
    )
    def _compute_amount_words(self):
        for settlement in self:
            lang = settlement.dealer_id._after_sales_lang() or "en_US"
            chinese = lang.startswith("zh")
            settlement.is_dealer_chinese = chinese
            settlement.amount_credited_cn = settlement._amount_cn(settlement.amount_credited)
            settlement.amount_owed_cn = settlement._amount_cn(settlement.amount_owed)
            settlement.amount_credited_words = settlement._amount_in_words(
                settlement.amount_credited
            )
            settlement.amount_owed_words = settlement._amount_in_words(settlement.amount_owed)

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for settlement in self:
            settlement.access_url = f"/my/after-sales/settlements/{settlement.id}"
        return result

    @api.model
    def _mail_get_partner_fields(self, introspect_fields=False):
        """The dealer is the settlement's customer: the portal gives its mails the button to
        the notice with the access token."""
        return ["dealer_id"]

    def _compute_claim_count(self):
        counts = dict(
            self.env["after_sales.claim"]._read_group(
                [("settlement_id", "in", self.ids)], ["settlement_id"], ["__count"]
            )
        )
        for settlement in self:
            settlement.claim_count = counts.get(settlement, 0)

    def _compute_move_count(self):
        for settlement in self:
            settlement.move_count = len(settlement.move_ids)

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        """Settlements are created by the quarterly run only (``_settle_contracts``)."""
        if not self.env.su:
            raise AccessError(
                self.env._("Settlements are created by the quarterly settlement run only.")
            )
        return super().create(vals_list)

    def write(self, vals):
        """State, figures and documents change only through the actions (which check the
        group and the state, then write under ``sudo()``); a client's context opens nothing.
        The forfeiture decision stays editable while the settlement is a draft."""
        if self.env.su:
            return super().write(vals)
        protected = set(vals) & set(PROTECTED_FIELDS)
        if protected:
            raise AccessError(
                self.env._(
                    "Settlement %(settlement)s: %(fields)s change only through its buttons.",
                    settlement=self[:1].display_name,
                    fields=", ".join(
                        self._fields[name]._description_string(self.env)
                        for name in sorted(protected)
                    ),
                )
            )
        if {"forfeit", "forfeit_reason"} & set(vals):
            self._check_state("draft")
        return super().write(vals)

    def _after_sales_system_fields(self):
        return PROTECTED_FIELDS

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft_or_cancel(self):
        for settlement in self:
            if settlement.state not in ("draft", "cancel"):
                raise UserError(
                    self.env._(
                        "Settlement %(settlement)s is not a draft: cancel it instead of "
                        "deleting it.",
                        settlement=settlement.display_name,
                    )
                )
        claims = self.claim_ids.sudo()
        claims._write_settlement_columns([{"settlement_id": False}] * len(claims))

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_refresh(self):
        """Recompute a draft's figures from the ledger and the claims (after late documents)."""
        self._check_manager()
        self._check_state("draft", "notified")
        self._refresh_figures()
        return True

    def action_notify(self):
        """Send the write-off notice (《三包费用核销通知》) to each dealer by e-mail with the PDF,
        and wait for the dealer's confirmation. The notice freezes its claims and amounts:
        posting deducts exactly those, and a claim that becomes reimbursable later goes to the
        next quarter."""
        self._check_manager()
        self._check_state("draft", "notified")
        self.filtered(lambda s: s.state == "draft")._refresh_figures()
        template = self.env.ref("after_sales_service.mail_template_after_sales_writeoff_notice")
        for settlement in self:
            settlement.sudo().write(settlement._prepare_notice_vals())
            # the mail's link lets the dealer confirm or dispute without logging in
            settlement.sudo()._portal_ensure_token()
            settlement.message_post_with_source(
                template,
                subtype_xmlid="mail.mt_comment",
                message_type="comment",
                partner_ids=settlement.dealer_id.ids,
            )
        self.sudo().write(
            {
                "state": "notified",
                "date_notified": self.company_id[:1]._after_sales_today(),
                "dispute_reason": False,
            }
        )
        return True

    def action_open_record_confirmation(self):
        """Open the wizard where the service desk records the dealer's signed confirmation."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Record the Dealer's Confirmation"),
            "res_model": "after_sales.settlement.confirm",
            "view_mode": "form",
            "target": "new",
            "context": {"default_settlement_id": self.id},
        }

    def action_confirm(self, confirmed_by=None, attachment=None):
        """Record the dealer's confirmation of the write-off notice from its signed paper
        (service desk or manager, with the scan attached). The settlement stays confirmed for
        finance to post: recording a confirmation never posts.

        :param confirmed_by: who signed for the dealer.
        :param attachment: the ``ir.attachment`` of the signed scan (required).
        """
        portal_user = self.env.user if self.env.user.share else None
        if not portal_user and request and request.env.user.share:
            # the portal controller works on records it switched to the superuser
            portal_user = request.env.user
        if portal_user:
            # the dealer's own portal user: that is the portal confirmation
            for settlement in self:
                settlement._action_dealer_confirm(portal_user.partner_id)
            return True
        if not self.env.su and not self.env.user.has_group(
            "after_sales_service.after_sales_service_group_user"
        ):
            raise AccessError(
                self.env._("Only the service desk or a manager records a dealer's confirmation.")
            )
        self._check_state("notified")
        if not attachment:
            raise UserError(
                self.env._(
                    "Settlement %(settlement)s: attach the dealer's signed confirmation.",
                    settlement=", ".join(self.mapped("display_name")),
                )
            )
        for settlement in self:
            scan = (
                attachment.sudo().copy({"res_model": settlement._name, "res_id": settlement.id})
                if attachment.res_id != settlement.id
                else attachment.sudo()
            )
            settlement.sudo().write(
                {
                    "state": "confirmed",
                    "date_confirmed": settlement.company_id._after_sales_today(),
                    "confirmed_by": (confirmed_by or "").strip() or self.env.user.name,
                    "confirmation_attachment_id": scan.id,
                }
            )
            settlement.sudo().message_post(
                author_id=self.env.user.partner_id.id,
                body=self.env._(
                    "Dealer's confirmation recorded by %(user)s (signed by %(signer)s).",
                    user=self.env.user.name,
                    signer=settlement.confirmed_by,
                ),
                attachment_ids=scan.ids,
            )
        return True

    def _action_dealer_confirm(self, partner):
        """The dealer confirms the notice on the portal (called by the portal controller with
        the logged-in user's partner). The settlement is confirmed; it is posted at once only
        when finance enabled automatic posting on confirmation in the settings, the one
        automatic path to posting."""
        if not self:
            return True
        self.ensure_one()
        if isinstance(partner, int):
            partner = self.env["res.partner"].browse(partner)
        self._check_dealer_partner(partner)
        self._check_state("notified")
        settlement = self.sudo()
        settlement.write(
            {
                "state": "confirmed",
                "date_confirmed": self.company_id[:1]._after_sales_today(),
                "confirmed_by": partner.name,
            }
        )
        settlement.message_post(
            body=settlement.with_context(lang=settlement.contract_id.user_id.lang).env._(
                "Write-off notice confirmed on the portal by %(user)s.", user=partner.name
            ),
            author_id=partner.id,
        )
        if settlement.company_id.after_sales_auto_post_confirmed:
            settlement._post_on_confirmation()
        return True

    def _action_dealer_dispute(self, partner, reason):
        """The dealer disputes the notice on the portal: the settlement goes back to draft with
        the dealer's reason, for the manager to revise and notify again."""
        self.ensure_one()
        self._check_dealer_partner(partner)
        self._check_state("notified")
        if not (reason or "").strip():
            raise UserError(self.env._("Say what is wrong with the notice."))
        settlement = self.sudo()
        settlement.write(
            {
                "state": "draft",
                "dispute_reason": reason.strip(),
                "notice_claim_amounts": False,
                "notice_tax_amount": 0.0,
            }
        )
        responsible = settlement.contract_id.user_id
        lang_env = settlement.with_context(lang=responsible.lang or self.env.lang).env
        settlement.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=lang_env._("Write-off notice disputed"),
            note=lang_env._(
                "%(dealer)s disputes the notice: %(reason)s",
                dealer=partner.name,
                reason=reason.strip(),
            ),
            user_id=responsible.id or SUPERUSER_ID,
        )
        return True

    def _check_dealer_partner(self, partner):
        if not partner or partner.commercial_partner_id != self.dealer_id:
            raise AccessError(self.env._("This notice is not addressed to you."))

    def _post_on_confirmation(self):
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self.sudo().contract_id._lock_fund()
                self.sudo()._post_one()
        except UserError as error:
            self.env.invalidate_all()
            responsible = self.sudo().contract_id.user_id
            lang_env = self.with_context(lang=responsible.lang or self.env.lang).env
            self.sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                summary=lang_env._("Post the confirmed settlement"),
                note=str(error),
                user_id=responsible.id or SUPERUSER_ID,
            )

    def action_post(self, force_reason=None):
        """Post the settlement (finance): ledger rows, invoices and credit notes, reconciliation,
        claims locked. A write-off needs the dealer's confirmation; a manager may post without it,
        recording ``force_reason`` — also for a draft that picks up claims when posted. Posting
        twice does nothing the second time."""
        self._check_manager()
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._("Posting a settlement needs invoicing rights (Accounting / Invoicing).")
            )
        to_post = self.filtered(lambda s: s.state != "posted")
        to_post._check_state("draft", "notified", "confirmed")
        to_post.contract_id._lock_fund()
        # a draft takes its figures and claims now; a notified or confirmed one only its fund
        # figures (its notice is frozen)
        to_post._refresh_figures()
        for settlement in to_post:
            needs_confirmation = settlement.reimbursed_amount and settlement.state != "confirmed"
            if needs_confirmation and not (force_reason or "").strip():
                raise UserError(
                    self.env._(
                        "Settlement %(settlement)s: the dealer has not confirmed the write-off "
                        "notice. A manager may post it anyway with a reason.",
                        settlement=settlement.display_name,
                    )
                )
        to_post.sudo()._post_many(force_reason)
        return True

    def action_open_force_post(self):
        """Open the wizard asking the manager why the write-off is posted unconfirmed."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Post without Confirmation"),
            "res_model": "after_sales.settlement.force.post",
            "view_mode": "form",
            "target": "new",
            "context": {"default_settlement_ids": self.ids},
        }

    def action_cancel(self):
        """Cancel settlements: a posted one has its moves reversed (reconciliations undone
        first), its own ledger rows reversed, the quarter's rows and claims unlocked. Only the
        latest settled quarter of a contract may be cancelled."""
        self._check_manager()
        self._check_state("draft", "notified", "confirmed", "posted")
        later = self.search(
            [("contract_id", "in", self.contract_id.ids), ("state", "!=", "cancel")]
        )
        for settlement in self:
            blocking = later.filtered(
                lambda s, me=settlement: (
                    s.contract_id == me.contract_id
                    and (s.year, int(s.quarter)) > (me.year, int(me.quarter))
                    and s not in self
                )
            )
            if blocking:
                raise UserError(
                    self.env._(
                        "Settlement %(settlement)s cannot be cancelled: %(later)s comes after "
                        "it. Cancel the latest quarter first.",
                        settlement=settlement.display_name,
                        later=blocking[0].display_name,
                    )
                )
        posted = self.filtered(lambda s: s.state == "posted")
        if (
            posted
            and not self.env.su
            and not self.env.user.has_group("account.group_account_invoice")
        ):
            raise AccessError(
                self.env._(
                    "Cancelling a posted settlement reverses its invoices and credit notes: it "
                    "needs invoicing rights (Accounting / Invoicing)."
                )
            )
        self.contract_id._lock_fund()
        # cancelled first: the quarter reopens, so its reversing rows may be appended
        self.sudo().write({"state": "cancel"})
        for settlement in posted.sudo():
            settlement._unpost()
        self.claim_ids.sudo()._write_settlement_state("approved", {"settlement_id": False})
        return True

    def action_view_moves(self):
        """Smart button: the invoices and credit notes of the settlement."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", self.move_ids.ids)]
        action["context"] = {"create": False}
        return action

    def action_export_xlsx(self):
        """Download the settlement detail (one row per settlement, then its claims) as XLSX."""
        header = [
            self.env._("Settlement"),
            self.env._("Dealer"),
            self.env._("Opening"),
            self.env._("Accrued"),
            self.env._("Forfeited"),
            self.env._("Paid Out"),
            self.env._("Consumed"),
            self.env._("Overspend"),
            self.env._("Closing"),
            self.env._("Claims Reimbursed"),
            self.env._("Claim"),
            self.env._("Claim Amount"),
        ]
        rows = []
        for settlement in self:
            figures = [
                settlement.opening_balance,
                settlement.accrued_amount,
                settlement.forfeited_amount,
                settlement.paid_out_amount,
                settlement.consumed_amount,
                settlement.overspend_amount,
                settlement.closing_balance,
                settlement.reimbursed_amount,
            ]
            rows.append([settlement.name, settlement.dealer_id.display_name, *figures, "", 0.0])
            rows.extend(
                [settlement.name, settlement.dealer_id.display_name]
                + [0.0] * 8
                + [claim.name, claim.reimbursable_amount]
                for claim in settlement.claim_ids.sorted("name")
            )
        return self.env["ir.attachment"]._after_sales_xlsx_download(
            self.env._("Settlement detail"), header, rows, money_columns=(*range(2, 10), 11)
        )

    def action_view_claims(self):
        """Smart button: the claims reimbursed by this settlement."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reimbursed Claims"),
            "res_model": "after_sales.claim",
            "view_mode": "list,form",
            "domain": [("settlement_id", "=", self.id)],
        }

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    @api.model
    def _amount_cn(self, amount):
        """``amount`` in Chinese capital numerals (人民币大写, for reports and mails) when this
        settlement is in renminbi, else an empty string: the capitals count 元, 角 and 分, and
        a contract in another currency prints its amount in words instead
        (:meth:`_amount_in_words`)."""
        currency = self.currency_id or self.env.company.currency_id
        return amount_to_chinese(amount) if currency.name == "CNY" else ""

    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group(
            "after_sales_service.after_sales_service_group_manager"
        ):
            raise AccessError(self.env._("Only after-sales managers settle the repair fund."))

    def _check_state(self, *states):
        labels = dict(self._fields["state"]._description_selection(self.env))
        for settlement in self:
            if settlement.state not in states:
                raise UserError(
                    self.env._(
                        "Settlement %(settlement)s is %(state)s; this needs it to be %(expected)s.",
                        settlement=settlement.display_name,
                        state=labels[settlement.state],
                        expected=" / ".join(labels[s] for s in states),
                    )
                )

    def _amount_in_words(self, amount):
        """``amount`` in words in the dealer's language; for a Chinese dealer the Chinese
        capitals of an amount in renminbi, and the English words of another currency (the
        words of Odoo's converter are English in Chinese too, "Zero元")."""
        self.ensure_one()
        lang = self.dealer_id._after_sales_lang() or "en_US"
        if lang.startswith("zh"):
            capitals = self._amount_cn(amount)
            if capitals:
                return capitals
            lang = "en_US"
        if not self.currency_id:
            return ""
        return self.currency_id.with_context(lang=lang).amount_to_text(amount)

    def _refresh_figures(self):
        """Fill the figures of settlements from the ledger and the claims, and attach the
        claims they reimburse. Once the write-off notice is sent, its claims and amounts are
        what the dealer was asked to confirm: only the fund figures follow the ledger then."""
        released, links = self.env["after_sales.claim"], []
        for settlement, (values, claims) in self._gather_figures().items():
            if settlement.state not in ("draft", False):
                values.pop("reimbursed_amount")
                settlement.sudo().write(values)
                continue
            settlement.sudo().write(values)
            released |= settlement.claim_ids - claims
            links.append((settlement, claims - settlement.claim_ids))
        # the link is not tracked: nothing is left for the commit to log claim by claim
        released.sudo()._write_settlement_columns([{"settlement_id": False}] * len(released))
        linked = released.browse().concat(*(claims for _settlement, claims in links))
        linked.sudo()._write_settlement_columns(
            [{"settlement_id": stl.id} for stl, claims in links for _claim in claims]
        )

    def _prepare_notice_vals(self):
        """The frozen content of the write-off notice: each claim's amount, and the tax on
        them when the settings say the reimbursement is taxed."""
        self.ensure_one()
        amounts = {str(claim.id): claim.reimbursable_amount for claim in self.claim_ids}
        reimbursed = self.currency_id.round(sum(amounts.values()))
        return {
            "notice_claim_amounts": amounts,
            "notice_tax_amount": self._reimbursement_tax(reimbursed) if amounts else 0.0,
            "reimbursed_amount": reimbursed,
        }

    def _check_notice_tax_kept(self):
        """Refuse to post a notice whose tax the settings no longer give: sent untaxed once
        reimbursements are taxed, sent taxed once they are not, or taxed at a rate changed
        since. The credit note deducts exactly the notice the dealer was sent (and maybe
        confirmed). Called by posting for the notified and confirmed settlements."""
        for settlement in self.filtered("reimbursed_amount"):
            tax_now = settlement._reimbursement_tax(settlement.reimbursed_amount)
            if settlement.notice_tax_amount and tax_now != settlement.notice_tax_amount:
                # a notice frozen with its tax summed claim by claim (earlier versions) is
                # posted claim by claim; a tax rate changed since the notice matches neither
                amounts = (settlement.notice_claim_amounts or {}).values()
                tax_now = settlement.currency_id.round(
                    sum(settlement._reimbursement_tax(amount) for amount in amounts)
                )
            if settlement.currency_id.compare_amounts(tax_now, settlement.notice_tax_amount):
                raise UserError(
                    self.env._(
                        "Settlement %(settlement)s: its write-off notice was sent with a tax of "
                        "%(notice)s, but the reimbursement's tax settings now give %(now)s. The "
                        "credit note deducts exactly the notice: restore the settings, or "
                        "cancel the settlement and send a new notice.",
                        settlement=settlement.display_name,
                        notice=settlement.notice_tax_amount,
                        now=tax_now,
                    )
                )

    def _reimbursement_taxes(self):
        product = self.company_id._after_sales_product("reimbursement")
        return product.taxes_id.filtered(lambda t: t.company_id == self.company_id)

    def _reimbursement_tax(self, amount):
        """The tax on a reimbursed ``amount`` when the settings say reimbursements are taxed
        (else 0): the notice's tax, computed on its total as the credit note's one line is."""
        return self._reimbursement_tax_details(amount)[0]

    def _reimbursement_tax_details(self, amount):
        """``(tax, price unit)`` of a reimbursed ``amount`` on the write-off credit note. The
        claims' amounts are untaxed (the notice shows them, then the tax, then the total): the
        tax is added on top even when the reimbursement product's tax is price-included, and
        the credit note's line then carries the tax-included price, so that its untaxed amount
        is the claims' and its total the notice's. Not taxed by the settings: ``(0, amount)``."""
        self.ensure_one()
        if not self.company_id.after_sales_reimbursement_taxed:
            return 0.0, amount
        currency = self.currency_id
        details = self._reimbursement_taxes()._get_tax_details(
            amount,
            1.0,
            precision_rounding=currency.rounding,
            special_mode="total_excluded",
        )
        taxes_data = details["taxes_data"]
        included = sum(data["tax_amount"] for data in taxes_data if data["tax"].price_include)
        return (
            currency.round(sum(data["tax_amount"] for data in taxes_data)),
            currency.round(amount + included),
        )

    def _prepare_reimbursement_lines(self):
        """``[(label, price unit)]`` of the write-off credit note: one line for the whole
        notice (the notice lists the claims one by one), so that posting a quarter costs the
        same whatever the number of claims. A notice frozen with its tax summed claim by claim
        (as earlier versions computed it) that the tax on its total would not match keeps one
        line per claim: the credit note deducts exactly what the dealer confirmed. The price
        is the untaxed amount, or the amount with its tax when the tax is price-included (see
        :meth:`_reimbursement_tax_details`)."""
        self.ensure_one()
        if self.notice_tax_amount and (
            self._reimbursement_tax(self.reimbursed_amount) != self.notice_tax_amount
        ):
            amounts = self.notice_claim_amounts or {}
            lines = [
                (
                    self.env._("Three-guarantee claim %(claim)s", claim=claim.name),
                    amounts.get(str(claim.id), claim.reimbursable_amount),
                )
                for claim in self.claim_ids.sorted("name")
            ]
        else:
            lines = [
                (
                    self.env._(
                        "Three-guarantee claims of %(period)s: %(count)s claims on the "
                        "write-off notice",
                        period=f"{self.year} Q{self.quarter}",
                        count=len(self.claim_ids),
                    ),
                    self.reimbursed_amount,
                )
            ]
        return [(label, self._reimbursement_tax_details(amount)[1]) for label, amount in lines]

    def _preview_figures(self):
        """The figures this (possibly unsaved) settlement would have, for the wizard preview."""
        self.ensure_one()
        return self._gather_figures()[self][0]

    @api.model
    def _get_preview_figures(self, contracts, year, quarter, forfeits=()):
        """Return ``{contract: figures}``: what the settlement of each of ``contracts`` for the
        quarter would be, computed for all of them at once (the settlement wizard's preview,
        hundreds of dealers): the same few grouped queries as :meth:`_gather_figures`, no
        settlement record, nothing per contract. ``forfeits`` holds the contracts whose
        allowance is forfeited."""
        date_from, date_to = periods.quarter_bounds(year, int(quarter))
        figures = self._compute_figures_batch(
            [
                (contract, contract, date_from, date_to, contract in forfeits)
                for contract in contracts
            ],
            with_claims=False,
        )
        return {contract: values for contract, (values, _claims) in figures.items()}

    def _gather_figures(self):
        """Return ``{settlement: (figures, claims)}`` read from the ledger and the claims,
        batched over all of ``self`` (see :meth:`_compute_figures_batch`). Works on unsaved
        records too."""
        if not self:
            return {}
        saved_ids = [sid for sid in self.ids if isinstance(sid, int)]
        return self._compute_figures_batch(
            [(s, s.contract_id, s.date_from, s.date_to, s.forfeit) for s in self],
            saved_ids=saved_ids,
        )

    @api.model
    def _compute_figures_batch(self, specs, saved_ids=(), with_claims=True):
        """Return ``{key: (figures, claims)}`` for ``specs``, ``(key, contract, date_from,
        date_to, forfeit)`` tuples: each contract's quarter figures from the ledger and the
        approved claims not yet settled (or settled by one of ``saved_ids``). One grouped query
        for the openings (per distinct quarter start), one for the quarters' accruals and
        consumption, one for the claims to reimburse, whatever the number of contracts and
        claims; nothing is read record by record. Without ``with_claims`` (the preview) only
        the claims' amounts are summed and the claims returned are empty.

        The accrued allowance is that of the rows dated in the quarter, corrections of earlier
        quarters' months included (R12a); a correction of a forfeited quarter counts with the
        forfeiture row appended with it (:meth:`after_sales.fund._prepare_accrual_vals`), so
        that it is neither paid nor taken from this quarter. Forfeiting the quarter (R14) takes
        its own months' allowance only: the corrections of earlier quarters belong to them.
        The preview, the settlement's figures, its statement and its ledger rows all come from
        here."""
        if not specs:
            return {}
        Entry = self.env["after_sales.fund.entry"]
        contract_ids = list({spec[1].id for spec in specs})
        # what the figures read of the contracts, not every field of hundreds of them
        contracts = self.env["after_sales.contract"].browse(contract_ids)
        contracts.fetch(["allowance_use", "currency_id", "state", "date_end", "termination_date"])
        ended = contracts._ended()
        first_start = min(spec[2] for spec in specs)
        last_end = max(spec[3] for spec in specs)
        saved_ids = list(saved_ids)
        openings = {}
        for date_from in {spec[2] for spec in specs}:
            openings[date_from] = {
                contract.id: amount
                for contract, amount in Entry._read_group(
                    [("contract_id", "in", contract_ids), ("date", "<", date_from)],
                    ["contract_id"],
                    ["amount:sum"],
                )
            }
        # the rows and claims are grouped by month only when the specs' quarters differ: for
        # one quarter (the preview, a run), the domains' bounds are the quarter's own
        by_month = len({spec[2:4] for spec in specs}) > 1
        # {contract_id: [(month, effective kind, quarter of the accrual month, amount)]}: a
        # reversal counts as the kind of the row it reverses; the forfeiture rows read are those
        # appended with the corrections of a forfeited quarter (they name their month), not the
        # settlements' own
        moves = defaultdict(list)
        for contract, kind, reversed_kind, accrual_quarter, *month, amount in Entry._read_group(
            [
                ("contract_id", "in", contract_ids),
                ("date", ">=", first_start),
                ("date", "<=", last_end),
                "|",
                ("kind", "not in", SETTLEMENT_KINDS),
                "&",
                ("kind", "=", "forfeiture"),
                ("accrual_month", "!=", False),
                "|",
                ("settlement_id", "=", False),
                ("settlement_id", "in", saved_ids),
            ],
            [
                "contract_id",
                "kind",
                "reversed_entry_id.kind",
                "accrual_month:quarter",
                *(["date:month"] if by_month else []),
            ],
            ["amount:sum"],
        ):
            effective = reversed_kind if kind == "reversal" else kind
            moves[contract.id].append(
                (month[0] if month else first_start, effective, accrual_quarter, amount)
            )
        # {contract_id: [(month reimbursable, amount, claim ids)]}
        Claim = self.env["after_sales.claim"]
        waiting = defaultdict(list)
        for contract, *month, amount, claim_ids in Claim._read_group(
            [
                ("contract_id", "in", contract_ids),
                ("is_reimbursable", "=", True),
                ("state", "=", "approved"),
                ("date_reimbursable", "<=", last_end),
                "|",
                ("settlement_id", "=", False),
                ("settlement_id", "in", saved_ids),
            ],
            ["contract_id", *(["date_reimbursable:month"] if by_month else [])],
            ["reimbursable_amount:sum", "id:array_agg" if with_claims else "__count"],
        ):
            waiting[contract.id].append(
                (month[0] if month else last_end, amount, claim_ids if with_claims else [])
            )
        # the claims of all the contracts are read together when the callers use them
        prefetch = [cid for groups in waiting.values() for *_x, ids in groups for cid in ids]
        result = {}
        for key, contract, date_from, date_to, forfeit in specs:
            opening = openings[date_from].get(contract.id, 0.0)
            accrued = own = consumed = 0.0
            for month, kind, accrual_quarter, amount in moves[contract.id]:
                # a quarter's bounds are months' bounds
                if not date_from <= month <= date_to:
                    continue
                if kind in ACCRUAL_KINDS:
                    accrued += amount
                    # R14: the quarter's forfeiture takes its own months' allowance, not the
                    # corrections of earlier quarters dated in it (R12a)
                    if accrual_quarter == date_from:
                        own += amount
                elif kind == "forfeiture" and accrual_quarter:
                    # a correction of a forfeited quarter comes with its forfeiture: the two
                    # count together, for nothing
                    accrued += amount
                elif kind in CONSUMING_KINDS:
                    consumed -= amount
            figures = settle_quarter(
                opening,
                accrued,
                consumed,
                contract.allowance_use,
                forfeit,
                final=contract in ended and contract._get_last_day() <= date_to,
                forfeitable=own,
            )
            reimbursed, claim_ids = 0.0, []
            for month, amount, ids in waiting[contract.id]:
                if month <= date_to:
                    reimbursed += amount
                    claim_ids += ids
            result[key] = (
                {
                    "opening_balance": float(figures.opening),
                    "accrued_amount": float(figures.accrued),
                    "consumed_amount": float(figures.consumed),
                    "forfeited_amount": float(figures.forfeited),
                    "paid_out_amount": float(figures.paid_out),
                    "overspend_amount": float(figures.overspend),
                    "closing_balance": float(figures.closing),
                    "reimbursed_amount": contract.currency_id.round(reimbursed),
                },
                Claim.browse(sorted(claim_ids)).with_prefetch(prefetch),
            )
        return result

    def _post_one(self, force_reason=None):
        """Post one settlement; see :meth:`_post_many`."""
        self.ensure_one()
        self._refresh_figures()
        self._post_many(force_reason)

    def _post_many(self, force_reason=None):
        """Post settlements together (called under ``sudo()`` by the actions and the quarterly
        run, after their checks, with the contracts locked and the figures refreshed
        (:meth:`_refresh_figures`): a draft posts the figures and claims it took then; a
        notified or confirmed one posts exactly the claims and amounts of its notice. Batched
        for a quarter of many dealers: one ``create`` and one ``action_post`` for all the
        invoices and credit notes, one reconciliation plan for all the credit notes, one
        ``create`` for all the ledger rows, one write for all the claims, one insert for the
        links to the moves; nothing is queried per claim."""
        if not self:
            return
        # R14: the settlement records why the allowance is forfeited
        unexplained = self.filtered(lambda s: s.forfeit and not (s.forfeit_reason or "").strip())
        if unexplained:
            raise UserError(
                self.env._(
                    "Settlement %(settlement)s: give the reason why the allowance is forfeited.",
                    settlement=", ".join(unexplained.mapped("display_name")),
                )
            )
        drafts = self.filtered(lambda s: s.state == "draft")
        (self - drafts)._check_notice_tax_kept()
        # the amounts the notices freeze, read for all the claims in one query (a record's
        # prefetch would read every field of a thousand claims at a time)
        drafts.claim_ids.fetch(["reimbursable_amount"])
        for settlement in drafts.filtered("claim_ids"):
            settlement.write(settlement._prepare_notice_vals())
        Entry = self.env["after_sales.fund.entry"].sudo()
        # lock the quarter's rows into their settlement
        rows = Entry.search(
            [
                ("contract_id", "in", self.contract_id.ids),
                ("date", "<=", max(self.mapped("date_to"))),
                ("settlement_id", "=", False),
            ]
        )
        rows_of = defaultdict(Entry.browse)
        for row in rows:
            rows_of[row.contract_id] |= row
        means = self._get_posting_means()
        move_vals, owners = [], []
        for settlement in self:
            mine = rows_of[settlement.contract_id].filtered(
                lambda r, s=settlement: r.date <= s.date_to
            )
            if mine:
                mine.write({"settlement_id": settlement.id})
            vals_list = settlement._prepare_move_vals_list(means)
            move_vals += vals_list
            owners += [settlement] * len(vals_list)
        Move = self.env["account.move"]
        moves = Move.create(move_vals) if move_vals else Move
        moves.action_post()
        # all the credit notes of the run reconciled in one plan
        moves.filtered(lambda m: m.move_type == "out_refund")._after_sales_reconcile_oldest_first()
        moves_of = defaultdict(list)
        for move, settlement in zip(moves, owners, strict=True):
            moves_of[settlement].append(move.id)
        Entry.create([vals for stl in self for vals in stl._prepare_ledger_vals_list()])
        self.claim_ids.sudo()._write_settlement_state("settled")
        # the links to the moves in one insert (each settlement has its own moves)
        self._fields["move_ids"].write_batch(
            [(stl, [Command.link(mid) for mid in moves_of[stl]]) for stl in self if moves_of[stl]]
        )
        self.modified(["move_ids"])
        forced = self.filtered(lambda s: s.state != "confirmed") if force_reason else self.browse()
        values = {"state": "posted", "date_posted": self.company_id[:1]._after_sales_today()}
        if forced:
            forced.write(dict(values, forced_post_reason=force_reason.strip()))
        (self - forced).write(values)

    def _get_posting_means(self):
        """``{company: {"journal": journal, kind: product, "line_defaults": values}}`` for the
        companies of these settlements: the sales journal, the products their moves use and
        values every move line gets, looked up once per run (not per settlement or claim)."""
        means = {}
        for company in self.company_id:
            journal = company.after_sales_journal_id or self.env["account.journal"].search(
                [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
            )
            # Odoo looks the analytic distribution models up line by line (a query per claim
            # line); without any model for the company, every line gets none: say so at once
            models_exist = bool(
                self.env["account.analytic.distribution.model"]
                .sudo()
                .search_count([("company_id", "in", [False, company.id])], limit=1)
            )
            means[company] = {
                "journal": journal,
                "line_defaults": {} if models_exist else {"analytic_distribution": False},
                **{
                    kind: company._after_sales_product(kind)
                    for kind in ("overspend", "payout", "reimbursement")
                },
            }
        return means

    def _is_overspend_taken_back(self):
        """Whether this settlement's overspend is an allowance paid too much rather than a
        budget overspent: a payout contract's fund only goes below zero when a late document
        takes back an allowance already paid. Decides the wording of the invoice line, the
        ledger row, the statement and the portal page."""
        self.ensure_one()
        return self.contract_id.allowance_use == "payout"

    def _prepare_ledger_vals_list(self):
        """The ledger rows posting this settlement appends (forfeiture, payout, overspend, the
        carried balance and the reimbursement note), described in the dealer's language."""
        self.ensure_one()
        contract = self.contract_id
        period = f"{self.year} Q{self.quarter}"
        # ledger descriptions are read by the dealer: written in its language
        self = self.with_context(lang=self.dealer_id._after_sales_lang())  # noqa: PLW0642
        rows = []
        if self.forfeited_amount:
            rows.append(
                (
                    "forfeiture",
                    -self.forfeited_amount,
                    self.env._("Allowance forfeited for %(period)s", period=period),
                    {"note": self.forfeit_reason},
                )
            )
        if self.paid_out_amount:
            rows.append(
                (
                    "payout",
                    -self.paid_out_amount,
                    self.env._("Allowance paid out for %(period)s", period=period),
                    {},
                )
            )
        if self.overspend_amount:
            rows.append(
                (
                    "overspend_charge",
                    self.overspend_amount,
                    self.env._("Allowance paid too much, taken back in %(period)s", period=period)
                    if self._is_overspend_taken_back()
                    else self.env._(
                        "Overspend of %(period)s invoiced to the dealer", period=period
                    ),
                    {},
                )
            )
        if self.closing_balance:
            rows.append(
                (
                    "carry_forward",
                    0.0,
                    self.env._("Balance carried forward from %(period)s", period=period),
                    {"basis_amount": self.closing_balance},
                )
            )
        if self.reimbursed_amount:
            rows.append(
                (
                    "reimbursement",
                    0.0,
                    self.env._(
                        "%(count)s claims of %(period)s reimbursed by credit note",
                        count=len(self.claim_ids),
                        period=period,
                    ),
                    {"basis_amount": self.reimbursed_amount},
                )
            )
        return [
            dict(
                {
                    "contract_id": contract.id,
                    "kind": kind,
                    "amount": contract.currency_id.round(amount),
                    "date": self.date_to,
                    "name": name,
                    "source_ref": f"{self._name},{self.id}",
                    "settlement_id": self.id,
                },
                **extra,
            )
            for kind, amount, name, extra in rows
        ]

    def _prepare_move_vals_list(self, means=None):
        """The overspend invoice, the allowance credit note and the write-off credit note of
        this settlement, as ``account.move`` values (lines in the dealer's language); the
        write-off lines carry exactly the amounts of the notice the dealer confirmed.
        ``means`` is what :meth:`_get_posting_means` returns (looked up when not given)."""
        self.ensure_one()
        self = self.with_context(lang=self.dealer_id._after_sales_lang())  # noqa: PLW0642
        company = self.company_id
        means = (means or self._get_posting_means())[company]
        period = f"{self.year} Q{self.quarter}"
        specs = []
        if self.overspend_amount:
            specs.append(
                (
                    "out_invoice",
                    means["overspend"],
                    [
                        (
                            self.env._("Repair allowance paid too much %(period)s", period=period)
                            if self._is_overspend_taken_back()
                            else self.env._("Repair fund overspend %(period)s", period=period),
                            self.overspend_amount,
                        )
                    ],
                )
            )
        if self.paid_out_amount:
            specs.append(
                (
                    "out_refund",
                    means["payout"],
                    [
                        (
                            self.env._("Repair allowance %(period)s", period=period),
                            self.paid_out_amount,
                        )
                    ],
                )
            )
        if self.reimbursed_amount:
            specs.append(
                ("out_refund", means["reimbursement"], self._prepare_reimbursement_lines())
            )
        if not specs:
            return []
        journal = means["journal"]
        if not journal:
            raise UserError(
                self.env._(
                    "Settlement %(settlement)s: no sales journal for %(company)s; choose one in "
                    "After-Sales settings.",
                    settlement=self.display_name,
                    company=company.display_name,
                )
            )
        vals_list = []
        reimbursement_product = means["reimbursement"]
        for move_type, product, lines in specs:
            taxes = product.taxes_id.filtered(lambda t: t.company_id == company)
            if product == reimbursement_product and not company.after_sales_reimbursement_taxed:
                # the credit note deducts exactly the amount the dealer confirmed
                taxes = taxes.browse()
            if not product:
                raise UserError(
                    self.env._(
                        "Settlement %(settlement)s: set the products used for repair fund "
                        "invoices and credit notes in After-Sales settings.",
                        settlement=self.display_name,
                    )
                )
            vals_list.append(
                {
                    "move_type": move_type,
                    "partner_id": self.dealer_id.id,
                    "journal_id": journal.id,
                    "company_id": company.id,
                    "currency_id": self.currency_id.id,
                    "invoice_date": self.date_to,
                    "invoice_origin": self.name,
                    "ref": self.name,
                    "after_sales_kind": "settlement",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "name": name,
                                "quantity": 1,
                                "price_unit": amount,
                                "tax_ids": [Command.set(taxes.ids)],
                                **means["line_defaults"],
                            }
                        )
                        for name, amount in lines
                    ],
                }
            )
        return vals_list

    def _unpost(self):
        self.ensure_one()
        moves = self.move_ids.filtered(lambda m: m.state == "posted")
        moves.line_ids.filtered("reconciled").remove_move_reconcile()
        moves.line_ids.filtered(
            lambda line: line.matched_debit_ids or line.matched_credit_ids
        ).remove_move_reconcile()
        if moves:
            moves._reverse_moves(
                [
                    {
                        "ref": self.env._("Cancellation of %(settlement)s", settlement=self.name),
                        "invoice_date": self.company_id[:1]._after_sales_today(),
                    }
                    for _move in moves
                ],
                cancel=True,
            )
        own_rows = self.fund_entry_ids.filtered(
            lambda r: r.kind in SETTLEMENT_KINDS and not r.is_reversed and r.source_ref == self
        )
        own_rows.sudo()._reverse(
            date=self.date_to,
            reason=self.env._("Settlement %(settlement)s cancelled", settlement=self.name),
        )
        self.fund_entry_ids.sudo().write({"settlement_id": False})

    @api.model
    def _get_settleable_contracts(self, contracts, start, end):
        """The contracts of ``contracts`` to settle for [start, end]: those in force at some
        day of it, and those that ended before it but still have approved claims waiting to be
        reimbursed (claims approved while a contract ran are reimbursed after it ends) or
        unsettled ledger rows dated in it, written or still to be written by the accrual (the
        corrections of late documents, R12a)."""
        in_force = contracts._in_force_between(start, end)
        ended = contracts._ended() - in_force
        if ended:
            waiting = (
                self.env["after_sales.claim"]
                .sudo()
                ._read_group(
                    [
                        ("contract_id", "in", ended.ids),
                        ("is_reimbursable", "=", True),
                        ("state", "=", "approved"),
                        ("settlement_id", "=", False),
                        ("date_reimbursable", "<=", end),
                    ],
                    ["contract_id"],
                )
            )
            in_force |= contracts.browse([c.id for (c,) in waiting])
            # R12a: a late document of an ended contract's last posted quarter is corrected
            # in the next open quarter, after its last day: that quarter settles the row
            corrected = (
                self.env["after_sales.fund.entry"]
                .sudo()
                ._read_group(
                    [
                        ("contract_id", "in", (ended - in_force).ids),
                        ("settlement_id", "=", False),
                        ("date", ">=", start),
                        ("date", "<=", end),
                    ],
                    ["contract_id"],
                )
            )
            in_force |= contracts.browse([c.id for (c,) in corrected])
            # and the corrections settling will write first (a late document entered since
            # the last accrual): nothing is written here
            pending = {
                vals["contract_id"]
                for vals in self.env["after_sales.fund"]
                .sudo()
                ._prepare_accruals_vals_list(ended - in_force, end)
                if start <= vals["date"] <= end
            }
            in_force |= contracts.browse(sorted(pending))
        return in_force

    @api.model
    def _get_quarter_settlements(self, contracts, year, quarter):
        """The settlements (not cancelled) of ``contracts`` for a quarter: what settling again
        must neither create twice nor recompute. The one home of that question for
        :meth:`_settle_contracts`, the settlement wizard and the background run."""
        return self.search(
            [
                ("contract_id", "in", contracts.ids),
                ("year", "=", int(year)),
                ("quarter", "=", str(quarter)),
                ("state", "!=", "cancel"),
            ]
        )

    @api.model
    def _settle_contracts(  # noqa: PLR0917 (the background batch calls it positionally)
        self, contracts, year, quarter, forfeits=None, post=False, errors=None
    ):
        """Create the draft settlements of ``contracts`` for a quarter (the wizard's "Settle",
        the background batch).

        Locks the contracts' rows so that a concurrent run fails at once with a clear message,
        skips contracts already settled for the quarter (a second run creates nothing, R16),
        refuses quarters out of order or not yet ended, accrues the quarter's months (with the
        corrections late documents call for) and computes the figures. ``forfeits`` maps a
        contract to the forfeiture reason decided in the preview. With ``post``, settlements
        without claims to write off are posted at once and the others' notices are sent, each
        in its own savepoint.

        :param errors: a list to receive ``(contract, message)`` for each contract that could
            not be settled, the others going on; without it, the first refusal raises.
        :returns: the settlements created.
        """
        self._check_manager()
        forfeits = forfeits or {}
        strict = errors is None
        errors = [] if errors is None else errors
        start, end = periods.quarter_bounds(year, quarter)
        ended = contracts._ended()
        if ended:
            # the corrections late documents call for after their quarter was posted (R12a)
            ended._lock_fund()
            self.env["after_sales.fund"]._accrue(ended, end)
        contracts = self._get_settleable_contracts(contracts, start, end)
        contracts._lock_fund()
        existing = self._get_quarter_settlements(contracts, year, quarter)
        todo = contracts - existing.contract_id
        refused = self.env["after_sales.fund"]._get_quarter_order_errors(todo, year, quarter)
        if refused and strict:
            raise UserError(next(iter(refused.values())))
        errors.extend(refused.items())
        todo -= todo.browse([c.id for c in refused])
        # the ended contracts were accrued above, under their lock
        self.env["after_sales.fund"]._accrue(todo - ended, end)
        settlements = (
            self.sudo()
            .create(
                [
                    {
                        "contract_id": contract.id,
                        "year": year,
                        "quarter": str(quarter),
                        "forfeit": bool(forfeits.get(contract)),
                        "forfeit_reason": forfeits.get(contract) or False,
                    }
                    for contract in todo
                ]
            )
            .with_env(self.env)
        )
        settlements._refresh_figures()
        if post:
            settlements._post_or_notify(None if strict else errors)
        return settlements

    def _post_or_notify(self, errors=None):
        """Post these drafts that write off no claim (the whole quarter at once; should one
        dealer fail, each on its own) and send the others' write-off notices. Called by
        :meth:`_settle_contracts` with ``post``, and by a settlement run retrying a draft of
        its own whose posting failed. Without ``errors`` the first refusal is raised; with it,
        each refused contract is reported there as ``(contract, message)`` and the others go
        on."""
        to_notify = self.filtered("reimbursed_amount")
        to_post = self - to_notify
        try:
            with self.env.cr.savepoint():
                to_post.action_post()
            to_post = to_post.browse()
        except (UserError, ValidationError, AccessError):
            self.env.invalidate_all()
            if errors is None:
                raise
        for settlement in to_notify | to_post:
            try:
                with self.env.cr.savepoint():
                    if settlement.reimbursed_amount:
                        settlement.action_notify()
                    else:
                        settlement.action_post()
            except (UserError, ValidationError, AccessError) as error:
                self.env.invalidate_all()
                if errors is None:
                    raise
                errors.append((settlement.contract_id, str(error)))
