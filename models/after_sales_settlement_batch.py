import logging

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command

_logger = logging.getLogger(__name__)


class AfterSalesSettlementBatch(models.Model):
    """A quarterly settlement run in the background (finance closes a quarter for hundreds of
    dealers at once, past the time an HTTP request is allowed).

    The settlement wizard creates one batch with one line per contract and triggers the
    "settle batches" cron. The cron settles the contracts chunk by chunk through
    ``after_sales.settlement._settle_contracts`` (the same code as the wizard's "Settle"),
    commits each chunk and reports its progress with ``ir.cron._commit_progress``. A contract
    that cannot be settled is rolled back on its own and reported on its line with the reason;
    the others settle. A line, once processed, is never processed again, and a contract already
    settled for the quarter is skipped: a crashed or interrupted run resumes where it stopped
    and creates nothing twice (R16)."""

    _name = "after_sales.settlement.batch"
    _description = "Quarterly Settlement Run"
    _inherit = ["mail.thread", "after_sales.computed.guard.mixin"]
    _order = "id desc"
    _check_company_auto = True

    # Contracts settled per committed chunk: small enough that a chunk stays far from any time
    # limit, large enough that the settlement's batched queries pay off.
    _chunk_size = 25

    # ------------------------------------------------------------
    # FIELDS: what to settle
    # ------------------------------------------------------------
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, default=lambda self: self.env.company
    )
    year = fields.Integer(required=True, readonly=True, aggregator=False)
    quarter = fields.Selection(
        [("1", "Q1"), ("2", "Q2"), ("3", "Q3"), ("4", "Q4")], required=True, readonly=True
    )
    contract_ids = fields.Many2many(
        "after_sales.contract",
        string="Contracts",
        readonly=True,
        check_company=True,
    )
    post = fields.Boolean(
        string="Post and Notify",
        readonly=True,
        help="Post the settlements that write off no claim, and send the write-off notice of "
        "the others to their dealers, instead of leaving drafts to review.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Requested by",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
        help="The settlement runs with this user's access rights.",
    )

    # ------------------------------------------------------------
    # FIELDS: progress and result
    # ------------------------------------------------------------
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Done with Failures"),
        ],
        string="Status",
        default="queued",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    date_started = fields.Datetime(string="Started", readonly=True, copy=False)
    date_done = fields.Datetime(string="Finished", readonly=True, copy=False)
    line_ids = fields.One2many(
        "after_sales.settlement.batch.line", "batch_id", string="Contracts Processed"
    )
    total_count = fields.Integer(string="Contract Count", compute="_compute_counts")
    pending_count = fields.Integer(string="Waiting", compute="_compute_counts")
    settled_count = fields.Integer(string="Settled", compute="_compute_counts")
    skipped_count = fields.Integer(string="Skipped", compute="_compute_counts")
    failed_count = fields.Integer(string="Failed", compute="_compute_counts")
    progress = fields.Float(compute="_compute_counts", help="Share of the contracts processed.")
    settlement_ids = fields.Many2many(
        "after_sales.settlement", string="Settlements", compute="_compute_settlement_ids"
    )

    # ------------------------------------------------------------
    # COMPUTE
    # ------------------------------------------------------------
    @api.depends("year", "quarter", "company_id")
    def _compute_display_name(self):
        for batch in self:
            batch.display_name = self.env._(
                "Settlement run %(year)s Q%(quarter)s (#%(id)s)",
                year=batch.year,
                quarter=batch.quarter or "",
                id=batch.id or "",
            )

    @api.depends("line_ids.result")
    def _compute_counts(self):
        groups = self.env["after_sales.settlement.batch.line"]._read_group(
            [("batch_id", "in", self.ids)], ["batch_id", "result"], ["__count"]
        )
        counts = {}
        for batch, result, count in groups:
            counts.setdefault(batch, {})[result] = count
        for batch in self:
            mine = counts.get(batch, {})
            batch.pending_count = mine.get("pending", 0)
            batch.settled_count = mine.get("settled", 0)
            batch.skipped_count = mine.get("skipped", 0)
            batch.failed_count = mine.get("failed", 0)
            batch.total_count = sum(mine.values())
            processed = batch.total_count - batch.pending_count
            batch.progress = 100.0 * processed / batch.total_count if batch.total_count else 0.0

    @api.depends("line_ids.settlement_id")
    def _compute_settlement_ids(self):
        for batch in self:
            batch.settlement_ids = batch.line_ids.settlement_id

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        """Managers create batches (the wizard does); one waiting line per contract is added
        here."""
        self.env["after_sales.settlement"]._check_manager()
        for vals in vals_list:
            if vals.get("post"):
                self._check_can_post()
            if vals.get("state", "queued") != "queued" and not self.env.su:
                raise AccessError(self.env._("A settlement run starts queued."))
        batches = super().create(vals_list)
        lines = []
        for batch in batches:
            if not batch.contract_ids:
                raise UserError(self.env._("Choose at least one contract to settle."))
            lines += [
                {"batch_id": batch.id, "contract_id": contract.id}
                for contract in batch.contract_ids
            ]
        self.env["after_sales.settlement.batch.line"].sudo().create(lines)
        return batches

    def write(self, vals):
        """What to settle is fixed at creation, and the progress is the cron's: only the system
        writes them (a JSON-RPC client cannot mark a run done or swap its contracts)."""
        if not self.env.su and set(vals) & self._machine_fields():
            raise AccessError(
                self.env._(
                    "A settlement run's contracts, period and progress cannot be changed by hand."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_running(self):
        if any(batch.state == "running" for batch in self):
            raise UserError(self.env._("A settlement run cannot be deleted while it is running."))

    # ------------------------------------------------------------
    # ACTION
    # ------------------------------------------------------------
    def action_retry_failed(self):
        """Queue the failed contracts of finished runs again (after fixing what their reason
        says) and wake the cron up."""
        self.env["after_sales.settlement"]._check_manager()
        failed = self.line_ids.filtered(lambda line: line.result == "failed")
        if not failed:
            raise UserError(self.env._("No contract of this run failed."))
        failed.sudo().write({"result": "pending", "reason": False})
        failed.batch_id.sudo().write({"state": "queued", "date_done": False})
        self._trigger_cron()
        return True

    def action_view_settlements(self):
        """Smart button: the settlements the run created or found."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "after_sales_service.after_sales_settlement_action"
        )
        action["domain"] = [("id", "in", self.settlement_ids.ids)]
        return action

    # ------------------------------------------------------------
    # BUSINESS
    # ------------------------------------------------------------
    @api.model
    def _machine_fields(self):
        return {
            "company_id",
            "year",
            "quarter",
            "contract_ids",
            "post",
            "user_id",
            "state",
            "date_started",
            "date_done",
            "line_ids",
        }

    @api.model
    def _check_can_post(self):
        if not self.env.su and not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._("Posting a settlement needs invoicing rights (Accounting / Invoicing).")
            )

    @api.model
    def _create_batch(self, contracts, year, quarter, *, forfeits=None, post=False, company=None):
        """Queue the settlement of ``contracts`` for a quarter and wake the cron up; return the
        batch. ``forfeits`` maps a contract to the forfeiture reason decided in the preview."""
        batch = self.create(
            {
                "company_id": (company or contracts.company_id[:1] or self.env.company).id,
                "year": year,
                "quarter": str(quarter),
                "contract_ids": [Command.set(contracts.ids)],
                "post": post,
            }
        )
        forfeits = {contract.id: reason for contract, reason in (forfeits or {}).items() if reason}
        for line in batch.line_ids:
            if line.contract_id.id in forfeits:
                line.sudo().forfeit_reason = forfeits[line.contract_id.id]
        batch._trigger_cron()
        return batch

    @api.model
    def _create_from_wizard(self, wizard):
        """The settlement wizard's "Settle in Background": the same contracts, period,
        forfeitures and post flag as its "Settle", queued as one batch."""
        wizard.ensure_one()
        self.env["after_sales.settlement"]._check_manager()
        if not wizard.contract_ids:
            raise UserError(self.env._("Choose at least one contract to settle."))
        return self._create_batch(
            wizard.contract_ids,
            wizard.year,
            int(wizard.quarter),
            forfeits=wizard._forfeits(),
            post=wizard.post_now,
            company=wizard.company_id,
        )

    def _action_open(self):
        """The form of this run (where the wizard sends the user after queuing it)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Settlement Run"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "current",
        }

    def _trigger_cron(self):
        self.env.ref("after_sales_service.ir_cron_after_sales_settlement_batch").sudo()._trigger()

    @api.model
    def _cron_process(self, chunk_size=None):
        """Cron "settle queued settlement runs": process the waiting lines of every queued or
        running batch, oldest first, one chunk at a time; each chunk is committed and counted
        with ``_commit_progress``. Stops when the cron's time is up (it is then rescheduled at
        once by Odoo and resumes with the next waiting line)."""
        chunk_size = chunk_size or self._chunk_size
        Line = self.env["after_sales.settlement.batch.line"].sudo()
        batches = self.sudo().search([("state", "in", ("queued", "running"))], order="id")
        pending_domain = [("batch_id", "in", batches.ids), ("result", "=", "pending")]
        if not self.env["ir.cron"]._commit_progress(remaining=Line.search_count(pending_domain)):
            return
        for queued in batches:
            # what the run writes (the lines' reasons, the state's tracking, the chatter) in the
            # language of the user who asked for it, not the cron's
            batch = queued.with_context(lang=queued.user_id.lang or self.env.lang)
            while True:
                lines = Line.search(
                    [("batch_id", "=", batch.id), ("result", "=", "pending")],
                    order="id",
                    limit=chunk_size,
                )
                if not lines:
                    batch._finish()
                    self.env["ir.cron"]._commit_progress(0)
                    break
                batch._process_lines(lines)
                if not self.env["ir.cron"]._commit_progress(len(lines)):
                    return

    def _process_lines(self, lines):
        """Settle the contracts of ``lines`` (one batch's, waiting) as one batched call that
        reports each refused contract with its reason (``errors``) while the others settle;
        should the call fail unexpectedly, contract by contract, each in its own savepoint."""
        self.ensure_one()
        batch = self.sudo()
        if batch.state == "queued":
            batch.write({"state": "running", "date_started": fields.Datetime.now()})
        # Settle as the user who asked for it, in the batch's company (and, as the cron gives
        # the batch, in that user's language): the same rights and rules as the wizard's
        # "Settle".
        Settlement = (
            self.env["after_sales.settlement"]
            .with_user(batch.user_id)
            .with_company(batch.company_id)
        )
        year, quarter = batch.year, int(batch.quarter)
        lines = lines.sudo()
        contracts = lines.contract_id.with_env(Settlement.env)
        # Resume: a contract settled for the quarter since the batch was queued (by this run
        # before a crash, or by hand) is not settled again.
        existing = Settlement._get_quarter_settlements(contracts, year, quarter)
        done = {settlement.contract_id.id: settlement for settlement in existing}
        results, retry_post = {}, {}
        for line in lines:
            settlement = done.get(line.contract_id.id)
            own_draft = settlement and settlement.id == line.settlement_id.id
            if batch.post and own_draft and settlement.state == "draft":
                # this run's own draft, whose posting failed: posted again, not skipped
                retry_post[line] = settlement
            elif settlement:
                results[line] = (
                    "skipped",
                    self.env._(
                        "Already settled for the quarter (%(settlement)s).",
                        settlement=done[line.contract_id.id].sudo().display_name,
                    ),
                    done[line.contract_id.id].id,
                )
        for line, settlement in retry_post.items():
            errors = []
            settlement._post_or_notify(errors)
            results[line] = (
                ("failed", "\n".join(reason for __, reason in errors), settlement.id)
                if errors
                else ("settled", False, settlement.id)
            )
        todo = lines.filtered(lambda line: line not in results)
        forfeits = {
            line.contract_id.with_env(Settlement.env): line.forfeit_reason
            for line in todo
            if line.forfeit_reason
        }
        if todo:
            try:
                # one call for the chunk: a contract the settlement refuses (quarter out of
                # order, not ended, a posting refused) is reported in ``errors``, the others
                # settle
                errors = []
                with self.env.cr.savepoint():
                    created = Settlement._settle_contracts(
                        todo.contract_id.with_env(Settlement.env),
                        year,
                        quarter,
                        forfeits,
                        batch.post,
                        errors=errors,
                    )
            except Exception:  # an unexpected error: retried contract by contract below
                _logger.info(
                    "Settlement run %s: chunk failed, settling contract by contract",
                    batch.id,
                    exc_info=True,
                )
                for line in todo:
                    results[line] = self._settle_one(Settlement, line, forfeits, batch.post)
            else:
                results.update(self._line_results(todo, created, errors))
        for line, (result, reason, settlement_id) in results.items():
            line.write(
                {
                    "result": result,
                    "reason": reason or False,
                    "settlement_id": settlement_id or False,
                    "date_done": fields.Datetime.now(),
                }
            )

    def _settle_one(self, settlement_model, line, forfeits, post):
        """Settle one line's contract in its own savepoint; return its line result."""
        contract = line.contract_id.with_env(settlement_model.env)
        errors = []
        try:
            with self.env.cr.savepoint():
                created = settlement_model._settle_contracts(
                    contract, self.year, int(self.quarter), forfeits, post, errors=errors
                )
        except (UserError, AccessError) as error:
            return "failed", str(error), False
        except Exception as error:  # one dealer never stops the others
            _logger.exception("Settlement run %s: contract %s failed", self.id, contract.id)
            return (
                "failed",
                self.env._("Unexpected error: %(error)s", error=str(error) or repr(error)),
                False,
            )
        return self._line_results(line, created, errors)[line]

    def _line_results(self, lines, created, errors):
        """``{line: (result, reason, settlement id)}`` of ``lines`` from what
        ``_settle_contracts`` created and the ``(contract, reason)`` it reported. A contract
        reported there failed; its settlement, when one was created (a posting refused), is
        kept as a draft to review and linked to its line."""
        by_contract = {settlement.contract_id.id: settlement for settlement in created}
        reasons = {}
        for contract, reason in errors:
            reasons.setdefault(contract.id, []).append(str(reason))
        results = {}
        for line in lines:
            settlement = by_contract.get(line.contract_id.id)
            if line.contract_id.id in reasons:
                results[line] = (
                    "failed",
                    "\n".join(reasons[line.contract_id.id]),
                    settlement.id if settlement else False,
                )
            else:
                results[line] = self._line_result(settlement)
        return results

    def _line_result(self, settlement):
        if settlement:
            return "settled", False, settlement.id
        return "skipped", self.env._("The contract is not in force in the quarter."), False

    def _finish(self):
        """Close a batch whose lines are all processed, and tell in its chatter how it went."""
        self.ensure_one()
        batch = self.sudo()
        if batch.state not in ("queued", "running"):
            return
        batch.write(
            {
                "state": "failed" if batch.failed_count else "done",
                "date_done": fields.Datetime.now(),
                "date_started": batch.date_started or fields.Datetime.now(),
            }
        )
        batch.message_post(
            body=batch.env._(
                "Settlement run finished: %(settled)s settled, %(skipped)s skipped, "
                "%(failed)s failed.",
                settled=batch.settled_count,
                skipped=batch.skipped_count,
                failed=batch.failed_count,
            ),
            partner_ids=batch.user_id.partner_id.ids,
            subtype_xmlid="mail.mt_comment",
        )
