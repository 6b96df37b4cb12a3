"""The server's own security for a team caseload (PostgreSQL): login roles, row-level security and
the audit trail written by the server.

Everything here is one set of SQL statements, made from the tables below, that ``team setup``
applies after the migrations (``storage.server.apply_server_security``) and that can be applied
again at any time (each statement replaces what it made before). The services keep their own
checks and messages; this is what stops a modified client, or ``psql``, that connects as an
account.

**Roles.** Each app account is a PostgreSQL login role of the same name (NOLOGIN while the account
is disabled), a member of ``pb_account`` and of the group of its app role (``pb_practitioner``,
``pb_approver``, ``pb_broker``, ``pb_individual`` for the person or their carer, ``pb_analyst``), and
of ``pb_manager`` when it manages accounts. Accounts never hold CREATEROLE or ADMIN OPTION: the
login roles are made and changed only by :func:`sync_account` (a function owned by the role that
ran the setup), which checks that its caller is an active account manager. Passwords reach the
server only as SCRAM-SHA-256 verifiers made by libpq on the client (:func:`set_password`), so no
password is in a statement, a log or the app's tables.

**Row-level security on current_user.** Every table has RLS enabled and forced. The person-scoped
tables (``SCOPES``) show and take only rows of the people the account reaches, by the same
relationships as ``services/access.py``; ``pb_security.may_see_person`` is that rule in SQL, asked of
each row (a few indexed look-ups for the one person a row names). The others
(``SHARED``) say per table who reads and who writes. Members of ``pb_reporting`` (granted by the
DBA) read, never write, every person's rows: the aggregate export and the hub contribution cover
the whole caseload, and are refused to anyone else on a team caseload. The role that ran the setup (the DBA's) keeps
a policy of its own, so migrations and ``team upload`` work; a superuser is never bound by RLS.

**The audit trail.** A trigger on every audited table writes the audit event in the same
transaction as the change, with the actor taken from the session (never from the client), the
fields described as ``storage/audit.py`` describes them, and the event chained exactly as
``audit.event_hash`` chains it, so ``audit verify`` checks a server's trail as it checks a laptop's.
The app's ORM listener does not write on a team caseload (no double events); the events the app
writes in words of its own (break-glass with its reason, a contribution, a release) go through
``pb_security.record_event`` (``audit.SERVER_RECORD_EVENT``), the same chain. Events are appended under a transaction-level lock, so
two people saving at once get consecutive numbers in the order their transactions commit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from personalbudget.domain.lifecycle import Step
from personalbudget.domain.plan import PlanStatus
from personalbudget.domain.roles import Role
from personalbudget.storage import audit

SCHEMA = "pb_security"
ACCOUNT_GROUP = "pb_account"
MANAGER_GROUP = "pb_manager"
AUDITOR_GROUP = "pb_auditor"  # reads the whole trail (audit verify); granted by the DBA
# Reads (never writes) every person's records, for the work that covers the whole caseload: the
# aggregate export and the hub contribution. Granted by the DBA to the accounts that do the team's
# returns; without it an export on a team caseload is refused (it would cover only the people the
# account reaches, and say nothing).
REPORTING_GROUP = "pb_reporting"
ROLE_GROUPS: dict[Role, str] = {role: f"pb_{role.value}" for role in Role}
ALL_GROUPS = (ACCOUNT_GROUP, MANAGER_GROUP, AUDITOR_GROUP, REPORTING_GROUP, *ROLE_GROUPS.values())
BREAK_GLASS_HOURS = 12  # as services/access.py: a break-glass opening lasts the working day
TEAM_VISIBILITY_KEY = "access.team_visibility"
# Settings no account may write (the trail's head is the trigger's) and those only managers may.
# Who writes which settings, by the key's first word: as the services allow (the settings service,
# accounts, the export's ledger salt). The trail's head is the server's alone; any other key is a
# practitioner's (reviews, the app's lock-out, ...).
SETTING_WRITERS: dict[str, tuple[str, ...]] = {
    "audit.%": (),
    "access.%": ("manager",),
    "accounts.%": ("manager",),
    "export.%": ("practitioner", "analyst"),
    "money.%": ("practitioner", "broker"),
}
SETTING_WRITERS_OTHERWISE = ("practitioner",)
SECRET_SETTINGS = {"export.ledger_salt": ("practitioner", "analyst")}  # read only by these
AUDIT_LOCK = 0x50424155  # "PBAU": the advisory lock that serialises appending to the trail
# What the server says when an account's name is a role of its own already, or reserved (pg_...).
NAME_TAKEN = ("42710", "42939")
_VERIFIER = r"^SCRAM-SHA-256\$[0-9]+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$"

# How each person-scoped table names its person: directly (person_id), or through the record it
# belongs to. The first word is the kind of parent, the second the column that points at it.
SCOPES: dict[str, tuple[str, str]] = {
    "person": ("self", "id"),
    "representative": ("person", "person_id"),
    "plan_cycle": ("person", "person_id"),
    "support_plan": ("person", "person_id"),
    "employer_checklist": ("person", "person_id"),
    "pa_employment": ("person", "person_id"),
    "statement_import": ("person", "person_id"),
    "ledger_transaction": ("person", "person_id"),
    "categorisation_rule": ("person", "person_id"),
    "person_contribution": ("person", "person_id"),
    "contribution_payment": ("person", "person_id"),
    "surplus_decision": ("person", "person_id"),
    "budget_uplift_change": ("person", "person_id"),
    "allocation": ("person", "person_id"),
    "cycle_step": ("cycle", "cycle_id"),
    "step_transition": ("cycle", "cycle_id"),
    "budget_assessment": ("cycle", "cycle_id"),
    "agreed_budget": ("cycle", "cycle_id"),
    "budget_management": ("cycle", "cycle_id"),
    "support_arrangement": ("cycle", "cycle_id"),
    "review": ("cycle", "cycle_id"),
    "plan_outcome": ("plan", "plan_id"),
    "plan_support_item": ("plan", "plan_id"),
    "plan_informal_support": ("plan", "plan_id"),
    "plan_risk": ("plan", "plan_id"),
    "plan_decision": ("plan", "plan_id"),
    "budget_stream": ("agreed_budget", "agreed_budget_id"),
    "management_share": ("management", "management_id"),
    "payment_schedule": ("management", "management_id"),
    "review_outcome": ("review", "review_id"),
    "market_gap": ("review", "review_id"),
}
# Figures kept from a person's rows by triggers (storage/ledger_totals.py): scoped by person as the
# rows they are kept from, but no records of their own, so not in SCOPES (nothing copies, syncs or
# audits them; the triggers keep them wherever the rows are written).
KEPT: dict[str, tuple[str, str]] = {"ledger_spend_total": ("person", "person_id")}
# The parents: the function that says whether the account reaches the parent with this id (a
# look-up per row), and the set of the parent's ids the account reaches (one set per statement).
_PARENT_CHECKS = {
    "self": "may_see_person",
    "person": "may_see_person",
    "cycle": "may_see_cycle",
    "plan": "may_see_plan",
    "agreed_budget": "may_see_agreed_budget",
    "management": "may_see_management",
    "review": "may_see_review",
}
_PARENT_SETS = {
    "self": "visible_people",
    "person": "visible_people",
    "cycle": "visible_cycles",
    "plan": "visible_plans",
    "agreed_budget": "visible_agreed_budgets",
    "management": "visible_managements",
    "review": "visible_reviews",
}
# A statement that reads many people's rows (the caseload list) is cheaper checked against the set
# of people the account reaches, built once, than person by person; the app says so by turning
# this setting on in its transaction (reading_many). Either way the rule is the same: the setting
# chooses only how the server works it out, so an account gains nothing by setting it.
READING_MANY = "pb.reading_many"
# The app roles that reach people (the analyst reaches no one: no look-up per row for them).
REACHING = ("practitioner", "approver", "broker", "individual")
# The person of a parent record (for the audit event's person).
_PERSON_OF = {
    "cycle": "SELECT person_id FROM public.plan_cycle WHERE id = $1",
    "plan": "SELECT person_id FROM public.support_plan WHERE id = $1",
    "agreed_budget": "SELECT c.person_id FROM public.agreed_budget b "
    "JOIN public.plan_cycle c ON c.id = b.cycle_id WHERE b.id = $1",
    "management": "SELECT c.person_id FROM public.budget_management m "
    "JOIN public.plan_cycle c ON c.id = m.cycle_id WHERE m.id = $1",
    "review": "SELECT c.person_id FROM public.review r JOIN public.plan_cycle c ON c.id = r.cycle_id WHERE r.id = $1",
}
STAFF = ("practitioner", "approver", "broker")  # who works with records (not the person, not the analyst)
# Tables that are not about one person: who may read them and who may write them (app roles;
# "manager" is an account that manages accounts). Special rules are written out below.
SHARED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "provider": ((*STAFF, "individual"), STAFF),
    "statement_mapping": ((*STAFF, "individual"), ("practitioner", "broker")),
    "budget_uplift": ((*STAFF, "individual"), ("practitioner",)),
    "export_release": (("practitioner", "analyst"), ("practitioner", "analyst")),
}
SPECIAL = (
    "app_user",
    "account_person",
    "break_glass",
    "setting",
    "audit_event",
    "offline_hold",
    "offline_sync",
)
# A laptop's own tables (what it took offline: storage/offline_models.py): on a server, no account
# reads or writes them (row-level security on, no policy).
LAPTOP_ONLY = ("offline_original", "offline_server_event")
# Set in the holder's sync transaction ("<laptop id>:<person id>"): with the hold it names, it lets
# that person's rows be written (the guard) and the laptop's events be appended (storage/offline_copy.py).
OFFLINE_SYNC = "pb.offline_sync"
HELD_OFFLINE = "PBH01"


@dataclass(frozen=True)
class HeldWrite:
    """A write the guard lets through to a held person's rows, for one app role and one table:
    which operations; for an UPDATE, which columns may change (None: any); and ``when``, an SQL
    condition on ``o`` and ``n`` (the old and new row as jsonb; NULL for an INSERT's old row) and
    ``here`` (this transaction's id), or "" for none."""

    operations: tuple[str, ...]
    columns: tuple[str, ...] | None = None
    when: str = ""


# A plan waiting for a decision in this cycle, or decided in this very transaction (whichever
# order the decision's rows are written in).
_DECIDING = (
    "EXISTS (SELECT 1 FROM public.support_plan sp WHERE {plan} AND (sp.status = "
    f"'{PlanStatus.SUBMITTED}' OR (sp.status IN ('{PlanStatus.AGREED}', '{PlanStatus.RETURNED}') "
    "AND sp.xmin = here)))"
)
# The steps a decision moves: agreeing the plan, and on to managing the budget or back to planning.
_DECIDED_STEPS = f"{int(Step.PLAN_SUPPORT)}, {int(Step.AGREE_PLAN)}, {int(Step.MANAGE_BUDGET)}"
# A broker's money work on a held person: their statement imports and payments go on (a statement
# covers many people's accounts, and cannot wait for one laptop). The tables it writes, in one list.
# The ledger's kept totals (KEPT: ledger_spend_total) follow each payment by their own trigger, as
# the session's account: guarded like the person's rows (else any account reaching a held person
# could rewrite their totals), and so named here, to stay the broker's.
BROKER_HELD_TABLES = ("statement_import", "ledger_transaction", "ledger_spend_total")
# The writes that still reach a person held offline, by the writer's app role (the session's own
# account, never the client's word): an approver's decision on a plan submitted before the visit,
# and a broker's money work. Each comes back to the laptop at sync: a row the laptop changed too
# is a conflict, field by field; any other is the server's (storage/offline_copy.py). Everything
# else (other practitioners, carers, the holder outside the sync) is refused, as held offline.
HELD_WRITERS: dict[str, dict[str, HeldWrite]] = {
    "approver": {
        # The decision: the plan's status and nothing else of it, from submitted to agreed or returned.
        "support_plan": HeldWrite(
            ("UPDATE",),
            ("status", "row_version"),
            f"o->>'status' = '{PlanStatus.SUBMITTED}' AND n->>'status' IN ('{PlanStatus.AGREED}', "
            f"'{PlanStatus.RETURNED}')",
        ),
        # Its record, for a plan waiting for a decision (or decided in this transaction).
        "plan_decision": HeldWrite(
            ("INSERT",), None, _DECIDING.format(plan="sp.id = (n->>'plan_id')::integer")
        ),
        # The cycle moving on (approved) or back (returned) from agreeing the plan, and its steps.
        "plan_cycle": HeldWrite(
            ("UPDATE",),
            ("current_step", "plan_submitted_at", "plan_agreed_at", "next_review_due"),
            f"(o->>'current_step')::integer = {int(Step.AGREE_PLAN)} AND (n->>'current_step')::integer IN "
            f"({int(Step.AGREE_PLAN)}, {int(Step.PLAN_SUPPORT)}, {int(Step.MANAGE_BUDGET)}) AND "
            + _DECIDING.format(plan="sp.cycle_id = (o->>'id')::integer"),
        ),
        # (Only the steps a decision moves, and only the moves it makes: the cycle's other steps and
        # its history are not the approver's.)
        "cycle_step": HeldWrite(
            ("UPDATE",),
            ("status", "started_at", "completed_at"),
            f"(o->>'step')::integer IN ({_DECIDED_STEPS}) AND "
            + _DECIDING.format(plan="sp.cycle_id = (o->>'cycle_id')::integer"),
        ),
        "step_transition": HeldWrite(
            ("INSERT",),
            None,
            f"(n->>'from_step')::integer = {int(Step.AGREE_PLAN)} AND (n->>'to_step')::integer IN "
            f"({int(Step.PLAN_SUPPORT)}, {int(Step.MANAGE_BUDGET)}) AND "
            + _DECIDING.format(plan="sp.cycle_id = (n->>'cycle_id')::integer"),
        ),
    },
    "broker": {table: HeldWrite(("INSERT", "UPDATE", "DELETE")) for table in BROKER_HELD_TABLES},
}


def _held_write_sql(definer: str) -> str:
    """``pb_security.held_write(table, op, old, new)``: whether the session's account may make this
    write to a held person's row (HELD_WRITERS, as SQL)."""
    branches = []
    for role, tables in HELD_WRITERS.items():
        checks = []
        for table, rule in tables.items():
            test = "true"
            if rule.columns is not None:
                kept = _array(rule.columns)
                test = f"(p_op <> 'UPDATE' OR (o - {kept}) = (n - {kept}))"
            if rule.when:
                test += f" AND ({rule.when})"
            checks.append(
                f"                IF p_table = {_lit(table)} AND p_op = ANY ({_array(rule.operations)}) THEN\n"
                f"                    RETURN coalesce({test}, false);\n                END IF;"
            )
        branches.append(
            f"            IF r = {_lit(role)} THEN\n" + "\n".join(checks) + "\n            END IF;"
        )
    body = "\n".join(branches)
    return f"""CREATE OR REPLACE FUNCTION {SCHEMA}.held_write(p_table text, p_op text, o jsonb, n jsonb)
        RETURNS boolean LANGUAGE plpgsql STABLE {definer} AS $$
        DECLARE r text := {SCHEMA}.my_role(session_user); here xid := xid(pg_current_xact_id_if_assigned());
        BEGIN
{body}
            RETURN false;
        END $$"""


# Tables not scoped by the person's rules that still name a person (for their audit events).
PERSON_NAMED = {
    "offline_hold": ("person", "person_id"),
    "offline_sync": ("person", "person_id"),
}  # the SQLSTATE of a write refused because the person is held offline
NOT_SECURED = ("alembic_version",)  # read-only to accounts (the app checks the schema's version)


class UnknownTableError(RuntimeError):
    """A table the security rules do not know: a new table must be given a rule here first."""


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _array(values: Iterable[str]) -> str:
    return "ARRAY[" + ", ".join(_lit(v) for v in values) + "]::text[]"


def _roles_in(roles: Iterable[str]) -> str:
    # A scalar subquery: worked out once per statement, not once per row.
    return f"(SELECT {SCHEMA}.my_role(current_user)) = ANY ({_array(roles)})"


# -- the functions -------------------------------------------------------------------------------
# SECURITY DEFINER functions run as the role that ran the setup, with a fixed search_path that
# names pg_temp last: left out, the session's temporary schema is searched *first*, so an account
# could shadow app_user, account_person or audit_event with a temporary table of its own and have
# these functions read or write that instead (PostgreSQL's "Writing SECURITY DEFINER Functions
# Safely"). Accounts are not granted TEMPORARY either (security_sql). Those
# that answer for an account are given current_user by the policy and answer only when it is the
# session's own role (so no account can ask what another reaches).


SYNC_SKIP = """            IF TG_TABLE_NAME::text <> 'offline_hold' AND TG_TABLE_NAME::text <> 'offline_sync'
               AND {schema}.syncing(v_person) THEN
                RETURN NULL;  -- the holder's sync: the laptop's own events (real times) are appended instead
            END IF;
"""


def _functions_sql(offline: bool = True) -> list[str]:
    definer = "SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp"
    since = f"now() - interval '{BREAK_GLASS_HOURS} hours'"
    safe = _array(sorted(audit.SAFE_FIELDS))
    suffixes = "(" + "|".join(re.escape(s) for s in audit.SAFE_SUFFIXES) + ")$"
    # (On a caseload with the offline tables: the holder's sync writes no trigger events, the
    # laptop's own events, with their real times, are appended instead.)
    sync_skip = SYNC_SKIP.format(schema=SCHEMA) if offline else ""
    person_of_cases = "\n".join(
        f"      WHEN {_lit(kind)} THEN EXECUTE {_lit(sql)} INTO v_person USING v_parent;"
        for kind, sql in _PERSON_OF.items()
    )
    return [
        f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}",
        f"REVOKE ALL ON SCHEMA {SCHEMA} FROM PUBLIC",
        # Direct membership (pg_has_role counts a superuser as a member of everything). The
        # functions a policy calls for every statement (or every row) are PL/pgSQL: its plans are
        # kept for the session, where an SQL function's body is planned again in each statement.
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.in_group(who name, grp name) RETURNS boolean
        LANGUAGE plpgsql STABLE {definer} AS $$
        BEGIN
            RETURN EXISTS (
                SELECT 1 FROM pg_auth_members m
                JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid
                WHERE r.rolname = who AND g.rolname = grp);
        END $$""",
        # The account of the session's role: active, and its app role agreeing with its group.
        # (Every policy asks this once per statement: the role's direct groups are read once, in
        # the same query, not by three calls of in_group, each a query of its own.)
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.my_account(who name)
        RETURNS TABLE (id integer, username text, role text, team text, manages boolean)
        LANGUAGE plpgsql STABLE {definer} AS $$
        BEGIN
            RETURN QUERY
            SELECT u.id, u.username::text, u.role::text, coalesce(u.team, '')::text,
                   u.can_manage_users AND {_lit(MANAGER_GROUP)} = ANY (g.groups)
            FROM app_user u
            CROSS JOIN LATERAL (
                SELECT array_agg(gr.rolname::text) AS groups
                FROM pg_auth_members m
                JOIN pg_roles r ON r.oid = m.member JOIN pg_roles gr ON gr.oid = m.roleid
                WHERE r.rolname = who) g
            WHERE who = session_user AND u.username = who AND u.active
              AND {_lit(ACCOUNT_GROUP)} = ANY (g.groups)
              AND ('pb_' || u.role) = ANY (g.groups);
        END $$""",
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.my_role(who name) RETURNS text
        LANGUAGE plpgsql STABLE {definer} AS $$
        BEGIN RETURN (SELECT a.role FROM {SCHEMA}.my_account(who) a); END $$""",
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.i_manage(who name) RETURNS boolean
        LANGUAGE plpgsql STABLE {definer} AS $$
        BEGIN RETURN coalesce((SELECT a.manages FROM {SCHEMA}.my_account(who) a), false); END $$""",
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.i_report(who name) RETURNS boolean
        LANGUAGE plpgsql STABLE {definer} AS $$
        BEGIN
            RETURN EXISTS (SELECT 1 FROM {SCHEMA}.my_account(who))
               AND {SCHEMA}.in_group(who, {_lit(REPORTING_GROUP)});
        END $$""",
        # Whether the session may do the whole caseload's work: an account in pb_reporting, or a
        # session that is no account at all (the DBA's, which no rule binds).
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.whole_caseload_readable() RETURNS boolean
        LANGUAGE plpgsql STABLE {definer} AS $$
        BEGIN
            RETURN NOT {SCHEMA}.in_group(session_user, {_lit(ACCOUNT_GROUP)}) OR {SCHEMA}.i_report(session_user);
        END $$""",
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.i_audit(who name) RETURNS boolean
        LANGUAGE plpgsql STABLE {definer} AS $$
        BEGIN RETURN who = session_user AND {SCHEMA}.in_group(who, {_lit(AUDITOR_GROUP)}); END $$""",
        # Whether the session's account reaches this person: services/access.py's rules, in SQL,
        # answered for one person by indexed look-ups (a policy asks it of each row it reads, so a
        # statement about one person's records costs a few look-ups, not the whole set of people
        # the account reaches). The policies call it only for an account whose role and groups
        # agree (my_role, once per statement); asked directly, it answers only for one's own account.
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.may_see_person(pid integer) RETURNS boolean
        LANGUAGE plpgsql STABLE {definer} AS $$
        DECLARE me record;
        BEGIN
            SELECT u.id, u.username, u.role, coalesce(u.team, '') AS team INTO me
            FROM app_user u WHERE u.username = session_user AND u.active;
            IF NOT FOUND THEN RETURN false; END IF;
            IF me.role = 'practitioner' THEN
                RETURN (NOT EXISTS (SELECT 1 FROM allocation a WHERE a.person_id = pid AND a.ended_at IS NULL)
                        AND EXISTS (SELECT 1 FROM person p WHERE p.id = pid))  -- the waiting list
                    OR EXISTS (SELECT 1 FROM allocation a WHERE a.person_id = pid AND a.ended_at IS NULL AND (
                        a.worker = me.username
                        OR (me.team <> ''
                            AND EXISTS (SELECT 1 FROM app_user w WHERE w.username = a.worker AND w.team = me.team)
                            AND coalesce((SELECT s.value IN ('1', 'true', '"1"', 'True') FROM setting s
                                          WHERE s.key = {_lit(TEAM_VISIBILITY_KEY)}), false))))
                    OR EXISTS (SELECT 1 FROM break_glass b WHERE b.person_id = pid
                               AND b.username = me.username AND b.opened_at >= {since});
            ELSIF me.role = 'approver' THEN
                -- A plan this transaction has just decided stays reachable until it ends (the
                -- decision is written after the plan's new status).
                RETURN EXISTS (SELECT 1 FROM support_plan sp WHERE sp.person_id = pid
                               AND (sp.status = 'submitted' OR sp.xmin = xid(pg_current_xact_id_if_assigned())))
                    OR EXISTS (SELECT 1 FROM support_plan sp JOIN plan_decision d ON d.plan_id = sp.id
                               WHERE sp.person_id = pid AND d.decided_by = me.username)
                    OR EXISTS (SELECT 1 FROM break_glass b WHERE b.person_id = pid
                               AND b.username = me.username AND b.opened_at >= {since});
            ELSIF me.role IN ('broker', 'individual') THEN
                RETURN EXISTS (SELECT 1 FROM account_person ap WHERE ap.user_id = me.id AND ap.person_id = pid);
            END IF;
            RETURN false;  -- the analyst reaches no one
        END $$""",
        # The same rule as a set: the people the account reaches (for reading many, READING_MANY).
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.visible_people(who name) RETURNS SETOF integer
        LANGUAGE plpgsql STABLE {definer} AS $$
        DECLARE me record; team_on boolean;
        BEGIN
            SELECT * INTO me FROM {SCHEMA}.my_account(who);
            IF NOT FOUND THEN RETURN; END IF;
            IF me.role = 'practitioner' THEN
                team_on := coalesce((SELECT value IN ('1', 'true', '"1"', 'True') FROM setting
                                     WHERE key = {_lit(TEAM_VISIBILITY_KEY)}), false);
                RETURN QUERY  -- (as sets: a hash join each, not a look-up per person)
                    SELECT p.id FROM person p WHERE NOT EXISTS (
                        SELECT 1 FROM allocation a WHERE a.person_id = p.id AND a.ended_at IS NULL)
                    UNION
                    SELECT a.person_id FROM allocation a WHERE a.ended_at IS NULL AND (
                        a.worker = me.username
                        OR (team_on AND me.team <> ''
                            AND a.worker IN (SELECT u.username FROM app_user u WHERE u.team = me.team)))
                    UNION
                    SELECT b.person_id FROM break_glass b WHERE b.username = me.username AND b.opened_at >= {since};
            ELSIF me.role = 'approver' THEN
                -- A plan this transaction has just decided stays reachable until it ends (the
                -- decision is written after the plan's new status).
                RETURN QUERY SELECT p.id FROM person p WHERE
                    p.id IN (SELECT sp.person_id FROM support_plan sp WHERE sp.status = 'submitted'
                             OR sp.xmin = xid(pg_current_xact_id_if_assigned()))
                    OR p.id IN (SELECT sp.person_id FROM support_plan sp
                                JOIN plan_decision d ON d.plan_id = sp.id WHERE d.decided_by = me.username)
                    OR EXISTS (SELECT 1 FROM break_glass b WHERE b.person_id = p.id
                               AND b.username = me.username AND b.opened_at >= {since});
            ELSIF me.role IN ('broker', 'individual') THEN
                RETURN QUERY SELECT ap.person_id FROM account_person ap WHERE ap.user_id = me.id;
            END IF;  -- the analyst reaches no one
        END $$""",
        # A person with no current allocation (the waiting list), for the row a practitioner has
        # just added: RLS checks INSERT ... RETURNING against the read policy, and the statement's
        # snapshot does not yet hold the new row (may_see_person looks for the person).
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.unallocated(pid integer) RETURNS boolean
        LANGUAGE sql STABLE {definer} AS $$
            SELECT NOT EXISTS (SELECT 1 FROM allocation a WHERE a.person_id = pid AND a.ended_at IS NULL)
        $$""",
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.last_person_id() RETURNS integer
        LANGUAGE sql STABLE {definer} AS $$ SELECT coalesce(max(id), 0) FROM person $$""",
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.visible_cycles(who name) RETURNS SETOF integer
        LANGUAGE sql STABLE {definer} AS $$
            SELECT c.id FROM plan_cycle c WHERE c.person_id IN (SELECT {SCHEMA}.visible_people(who))
        $$""",
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.visible_plans(who name) RETURNS SETOF integer
        LANGUAGE sql STABLE {definer} AS $$
            SELECT s.id FROM support_plan s WHERE s.person_id IN (SELECT {SCHEMA}.visible_people(who))
        $$""",
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.visible_agreed_budgets(who name) RETURNS SETOF integer
        LANGUAGE sql STABLE {definer} AS $$
            SELECT b.id FROM agreed_budget b WHERE b.cycle_id IN (SELECT {SCHEMA}.visible_cycles(who))
        $$""",
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.visible_managements(who name) RETURNS SETOF integer
        LANGUAGE sql STABLE {definer} AS $$
            SELECT m.id FROM budget_management m WHERE m.cycle_id IN (SELECT {SCHEMA}.visible_cycles(who))
        $$""",
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.visible_reviews(who name) RETURNS SETOF integer
        LANGUAGE sql STABLE {definer} AS $$
            SELECT r.id FROM review r WHERE r.cycle_id IN (SELECT {SCHEMA}.visible_cycles(who))
        $$""",
        # The records that name their person through a parent: the parent's person, by its key.
        *(
            f"""CREATE OR REPLACE FUNCTION {SCHEMA}.{function}(parent integer) RETURNS boolean
        LANGUAGE plpgsql STABLE {definer} AS $$
        DECLARE v_person integer;
        BEGIN
            v_person := ({_PERSON_OF[kind].replace("$1", "parent")});
            RETURN v_person IS NOT NULL AND {SCHEMA}.may_see_person(v_person);
        END $$"""
            for kind, function in _PARENT_CHECKS.items()
            if kind not in ("self", "person")
        ),
        # Whether a person exists at all (the services' "no such person" and break-glass), and the
        # id behind an NHS number (break-glass), for the roles that may break the glass.
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.person_exists(pid integer) RETURNS boolean
        LANGUAGE sql STABLE {definer} AS $$
            SELECT EXISTS (SELECT 1 FROM person WHERE id = pid)
               AND ({SCHEMA}.my_role(session_user) IS NOT NULL OR {SCHEMA}.in_group(session_user, 'pb_account') = false)
        $$""",
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.person_by_nhs_number(digits text) RETURNS integer
        LANGUAGE sql STABLE {definer} AS $$
            SELECT p.id FROM person p WHERE p.nhs_number = digits
               AND {SCHEMA}.my_role(session_user) IN ('practitioner', 'approver')
        $$""",
        # How long the whole trail is (audit verify says when its role sees only part of it).
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.trail_length() RETURNS integer
        LANGUAGE sql STABLE {definer} AS $$ SELECT count(*)::integer FROM audit_event $$""",
        # Appending one event to the chain (audit.event_hash, byte for byte).
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.append_event(
            p_actor text, p_action text, p_table text, p_row_id text, p_summary text, p_person integer)
        RETURNS integer LANGUAGE plpgsql VOLATILE {definer} AS $$
        BEGIN
            RETURN {SCHEMA}.append_event_at(p_actor, p_action, p_table, p_row_id, p_summary, p_person, NULL);
        END $$""",
        # (With the time an event happened, when it is not now: a laptop's, synced.)
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.append_event_at(
            p_actor text, p_action text, p_table text, p_row_id text, p_summary text, p_person integer,
            p_at text)
        RETURNS integer LANGUAGE plpgsql VOLATILE {definer} AS $$
        DECLARE last_id integer; last_hash text; v_number integer; v_at text; v_digest text; v_payload text;
        BEGIN
            PERFORM pg_advisory_xact_lock({AUDIT_LOCK});
            SELECT e.id, e.hash INTO last_id, last_hash FROM audit_event e ORDER BY e.id DESC LIMIT 1;
            v_number := coalesce(last_id, 0) + 1;
            last_hash := coalesce(last_hash, {_lit(audit.GENESIS)});
            v_at := to_char(coalesce(p_at::timestamptz, clock_timestamp()) AT TIME ZONE 'UTC',
                            'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00';
            v_payload := '[' || to_json(last_hash)::text || ', ' || v_number::text || ', '
                || to_json(v_at)::text || ', ' || to_json(p_actor)::text || ', ' || to_json(p_action)::text
                || ', ' || to_json(p_table)::text || ', ' || to_json(p_row_id)::text || ', '
                || to_json(p_summary)::text || ']';
            v_digest := encode(sha256(convert_to(v_payload, 'UTF8')), 'hex');
            INSERT INTO audit_event (id, at, actor, action, table_name, row_id, summary, prev_hash, hash, person_id)
            VALUES (v_number, v_at::timestamptz, p_actor, p_action, p_table, p_row_id, p_summary, last_hash,
                    v_digest, p_person);
            INSERT INTO setting (key, value) VALUES ({_lit(audit.HEAD_KEY)}, v_number::text || ':' || v_digest)
            ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
            RETURN v_number;
        END $$""",
        # Who an event is by: the session's login role; only a session that is not an account
        # (the DBA's tools) may name another actor (pb.actor), as the app's 'system' jobs do.
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.actor() RETURNS text
        LANGUAGE sql STABLE {definer} AS $$
            SELECT CASE WHEN {SCHEMA}.in_group(session_user, {_lit(ACCOUNT_GROUP)}) THEN session_user::text
                        ELSE coalesce(nullif(current_setting('pb.actor', true), ''), session_user::text) END
        $$""",
        # The app's own events in words (break-glass with its reason, a release): any account may
        # append one, as itself; it cannot change or remove any.
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.record_event(
            p_action text, p_table text, p_row_id text, p_summary text, p_person integer)
        RETURNS integer LANGUAGE plpgsql VOLATILE {definer} AS $$
        BEGIN
            IF p_action IN ('insert', 'update', 'delete') THEN
                RAISE EXCEPTION 'the server writes the insert, update and delete events itself'
                    USING ERRCODE = '42501';
            END IF;
            RETURN {SCHEMA}.append_event({SCHEMA}.actor(), p_action, p_table, p_row_id, p_summary, p_person);
        END $$""",
        # The trigger: one event per changed row, described as storage/audit.py describes it.
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.audit_row() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $$
        DECLARE
            pk text[] := string_to_array(TG_ARGV[0], ',');
            v_kind text := TG_ARGV[1];
            v_col text := TG_ARGV[2];
            old_j jsonb; new_j jsonb; row_j jsonb;
            summary jsonb := '{{}}'::jsonb;
            k text; before jsonb; after jsonb; shown jsonb;
            v_row_id text; v_parent integer; v_person integer;
        BEGIN
            IF TG_OP <> 'INSERT' THEN old_j := to_jsonb(OLD); END IF;
            IF TG_OP <> 'DELETE' THEN new_j := to_jsonb(NEW); END IF;
            row_j := coalesce(new_j, old_j);
            IF TG_TABLE_NAME = 'setting' AND row_j->>'key' = {_lit(audit.HEAD_KEY)} THEN RETURN NULL; END IF;
            IF current_setting('pb.audit_bulk', true) = 'on'
               AND NOT {SCHEMA}.in_group(session_user, {_lit(ACCOUNT_GROUP)}) THEN
                RETURN NULL;  -- the DBA's team upload copies a laptop's trail as it is
            END IF;
            FOR k IN SELECT jsonb_object_keys(row_j) ORDER BY 1 LOOP
                before := CASE WHEN old_j IS NULL THEN 'null'::jsonb ELSE old_j -> k END;
                after := CASE WHEN new_j IS NULL THEN 'null'::jsonb ELSE new_j -> k END;
                IF TG_OP = 'UPDATE' AND (before = after OR k = 'row_version') THEN
                    CONTINUE;  -- the version a save checks moves with the save: not a field (as on a laptop)
                END IF;
                IF TG_OP = 'INSERT' AND after = 'null'::jsonb THEN CONTINUE; END IF;
                IF k = ANY ({safe}) OR k ~ {_lit(suffixes)} THEN
                    summary := summary || jsonb_build_object(k, jsonb_build_array(before, after));
                ELSIF TG_OP = 'UPDATE' THEN
                    summary := summary || jsonb_build_object(k, 'changed');
                ELSE
                    shown := CASE WHEN TG_OP = 'DELETE' THEN before ELSE after END;
                    IF shown NOT IN ('null'::jsonb, '""'::jsonb) THEN
                        summary := summary || jsonb_build_object(k, 'set');
                    END IF;
                END IF;
            END LOOP;
            IF TG_OP = 'UPDATE' AND summary = '{{}}'::jsonb THEN RETURN NULL; END IF;
            v_row_id := array_to_string(ARRAY(SELECT row_j ->> c FROM unnest(pk) AS c), ',');
            IF v_kind IN ('self', 'person') THEN
                v_person := (row_j ->> v_col)::integer;
            ELSIF v_kind <> '' THEN
                v_parent := (row_j ->> v_col)::integer;
                CASE v_kind
{person_of_cases}
                    ELSE v_person := NULL;
                END CASE;
            END IF;
{sync_skip}            PERFORM {SCHEMA}.append_event({SCHEMA}.actor(), lower(TG_OP), TG_TABLE_NAME::text, v_row_id,
                                          summary::text, v_person);
            RETURN NULL;
        END $$""",
        # A break-glass opening lasts BREAK_GLASS_HOURS from when the server took it: an account's
        # row gets the server's clock (a client's opened_at in the future would open the person for
        # ever), and afterwards only seen_at changes (when the allocated worker saw it, by the server).
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.break_glass_clock() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $$
        BEGIN
            IF NOT {SCHEMA}.in_group(session_user, {_lit(ACCOUNT_GROUP)}) THEN
                RETURN NEW;  -- the DBA's team upload copies a laptop's openings as they were
            END IF;
            IF TG_OP = 'INSERT' THEN
                NEW.opened_at := now();
                NEW.seen_at := NULL;
            ELSE
                NEW.id := OLD.id; NEW.person_id := OLD.person_id; NEW.username := OLD.username;
                NEW.opened_at := OLD.opened_at; NEW.reason := OLD.reason;
                NEW.allocated_worker := OLD.allocated_worker;
                NEW.seen_at := CASE WHEN NEW.seen_at IS NULL THEN NULL
                                    WHEN OLD.seen_at IS NOT NULL THEN OLD.seen_at ELSE now() END;
            END IF;
            RETURN NEW;
        END $$""",
        # The trail stays append-only (migration r0004's guard), with one exception: the DBA's
        # upload (pb.audit_bulk, not an account's session) may record the person of a copied event
        # that has none, changing nothing else (the person is not part of the hash).
        f"""CREATE OR REPLACE FUNCTION public.audit_event_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'UPDATE' AND current_setting('pb.audit_bulk', true) = 'on'
               AND NOT {SCHEMA}.in_group(session_user, {_lit(ACCOUNT_GROUP)})
               AND OLD.person_id IS NULL AND (to_jsonb(NEW) - 'person_id') = (to_jsonb(OLD) - 'person_id') THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION 'the audit trail is append-only';
        END $$""",
        # Accounts: the login role made to match its app_user row (existing, enabled, role, manager).
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.sync_account(p_username text) RETURNS void
        LANGUAGE plpgsql VOLATILE {definer} AS $$
        DECLARE u record; grp text; wanted text[];
        BEGIN
            IF {SCHEMA}.in_group(session_user, {_lit(ACCOUNT_GROUP)})
               AND NOT {SCHEMA}.i_manage(session_user) THEN
                RAISE EXCEPTION 'only an active account manager can change accounts' USING ERRCODE = '42501';
            END IF;
            SELECT * INTO u FROM app_user WHERE username = p_username;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'there is no account % on this caseload', p_username USING ERRCODE = '42704';
            END IF;
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = p_username) THEN
                IF NOT {SCHEMA}.in_group(p_username, {_lit(ACCOUNT_GROUP)}) THEN
                    RAISE EXCEPTION 'the server already has a role % that is not an account of a caseload',
                        p_username USING ERRCODE = '42710';
                END IF;
            ELSE
                EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION '
                               'NOBYPASSRLS INHERIT', p_username);
                EXECUTE format('GRANT %I TO %I', {_lit(ACCOUNT_GROUP)}, p_username);
            END IF;
            EXECUTE format('ALTER ROLE %I %s', p_username, CASE WHEN u.active THEN 'LOGIN' ELSE 'NOLOGIN' END);
            wanted := ARRAY['pb_' || u.role];
            IF u.can_manage_users THEN wanted := array_append(wanted, {_lit(MANAGER_GROUP)}::text); END IF;
            FOREACH grp IN ARRAY {_array([MANAGER_GROUP, *ROLE_GROUPS.values()])} LOOP
                IF grp = ANY (wanted) THEN
                    IF NOT {SCHEMA}.in_group(p_username, grp) THEN
                        EXECUTE format('GRANT %I TO %I', grp, p_username);
                    END IF;
                ELSIF {SCHEMA}.in_group(p_username, grp) THEN
                    EXECUTE format('REVOKE %I FROM %I', grp, p_username);
                END IF;
            END LOOP;
        END $$""",
        # A password, as a SCRAM verifier made by libpq: for one's own role, or by a manager.
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.set_password(p_username text, p_verifier text) RETURNS void
        LANGUAGE plpgsql VOLATILE {definer} AS $$
        BEGIN
            IF p_verifier !~ {_lit(_VERIFIER)} THEN
                RAISE EXCEPTION 'a password is given to the server only as a SCRAM-SHA-256 verifier'
                    USING ERRCODE = '22023';
            END IF;
            IF NOT {SCHEMA}.in_group(p_username, {_lit(ACCOUNT_GROUP)}) THEN
                RAISE EXCEPTION 'there is no account % on this caseload', p_username USING ERRCODE = '42704';
            END IF;
            IF {SCHEMA}.in_group(session_user, {_lit(ACCOUNT_GROUP)}) AND session_user <> p_username
               AND NOT {SCHEMA}.i_manage(session_user) THEN
                RAISE EXCEPTION 'only an active account manager can set another account''s password'
                    USING ERRCODE = '42501';
            END IF;
            EXECUTE format('ALTER ROLE %I PASSWORD %L', p_username, p_verifier);
        END $$""",
        *(_offline_functions_sql(definer, person_of_cases) if offline else []),
    ]


def _offline_functions_sql(definer: str, person_of_cases: str) -> list[str]:
    """Offline visits (issue 22): the hold a person is under, the holder's sync, the guard on a held
    person's rows, the hold's own rules and the laptop's events appended (storage/offline_copy.py)."""
    return [
        # Offline visits (issue 22). The hold a person is under (not revoked, not released), read
        # past row-level security: whoever may not see the person still learns only that it is held.
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.hold_of(pid integer) RETURNS public.offline_hold
        LANGUAGE sql STABLE {definer} AS $$
            SELECT h FROM public.offline_hold h
            WHERE h.person_id = pid AND h.revoked_at IS NULL AND h.released_at IS NULL
        $$""",
        # Whether this transaction is the holder's sync of this person: the session's role holds
        # (or held, before a manager revoked it) the person on the laptop the transaction names.
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.syncing(pid integer) RETURNS boolean
        LANGUAGE plpgsql STABLE {definer} AS $$
        BEGIN
            IF pid IS NULL OR coalesce(current_setting({_lit(OFFLINE_SYNC)}, true), '') = '' THEN
                RETURN false;
            END IF;
            RETURN EXISTS (SELECT 1 FROM public.offline_hold h WHERE h.person_id = pid
                AND h.released_at IS NULL AND h.held_by = session_user::text
                AND h.laptop_id || ':' || pid::text = current_setting({_lit(OFFLINE_SYNC)}, true));
        END $$""",
        _held_write_sql(definer),
        # The guard on every person-scoped table: a held person's rows are not written by any
        # account but through the holder's sync and the few writes of HELD_WRITERS (an approver's
        # decision, a broker's money work); the DBA's own session is not bound, as by RLS.
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.offline_guard() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $$
        DECLARE
            v_kind text := TG_ARGV[0]; v_col text := TG_ARGV[1];
            row_j jsonb; v_parent integer; v_person integer; h public.offline_hold; pass integer;
            old_j jsonb; new_j jsonb;
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM public.offline_hold WHERE revoked_at IS NULL AND released_at IS NULL)
               OR NOT {SCHEMA}.in_group(session_user, {_lit(ACCOUNT_GROUP)}) THEN
                RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
            END IF;
            IF TG_OP <> 'INSERT' THEN old_j := to_jsonb(OLD); END IF;
            IF TG_OP <> 'DELETE' THEN new_j := to_jsonb(NEW); END IF;
            FOR pass IN 1..2 LOOP
                IF pass = 1 AND TG_OP <> 'INSERT' THEN row_j := old_j;
                ELSIF pass = 2 AND TG_OP <> 'DELETE' THEN row_j := new_j;
                ELSE CONTINUE; END IF;
                IF v_kind IN ('self', 'person') THEN
                    v_person := (row_j ->> v_col)::integer;
                ELSE
                    v_parent := (row_j ->> v_col)::integer;
                    CASE v_kind
{person_of_cases}
                        ELSE v_person := NULL;
                    END CASE;
                END IF;
                h := {SCHEMA}.hold_of(v_person);
                IF h.id IS NOT NULL AND NOT {SCHEMA}.syncing(v_person)
                   AND NOT {SCHEMA}.held_write(TG_TABLE_NAME::text, TG_OP, old_j, new_j) THEN
                    RAISE EXCEPTION 'person % is held offline', v_person USING ERRCODE = {_lit(HELD_OFFLINE)},
                        DETAIL = json_build_object('person', v_person, 'by', h.held_by,
                            'name', coalesce((SELECT u.display_name FROM public.app_user u
                                              WHERE u.username = h.held_by), h.held_by),
                            'laptop', h.laptop_name,
                            'since', to_char(h.held_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00')::text;
                END IF;
            END LOOP;
            RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
        END $$""",
        # A hold's own rules: the server stamps the times and who; a hold is taken by a practitioner
        # as themselves, for no one else, from nothing; only a manager revokes (once); only the
        # holder's sync releases; nothing else of it changes.
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.offline_hold_rules() RETURNS trigger
        LANGUAGE plpgsql {definer} AS $$
        BEGIN
            IF NOT {SCHEMA}.in_group(session_user, {_lit(ACCOUNT_GROUP)}) THEN RETURN NEW; END IF;
            IF TG_OP = 'INSERT' THEN
                IF NEW.held_by <> session_user::text OR {SCHEMA}.my_role(session_user) IS DISTINCT FROM 'practitioner' THEN
                    RAISE EXCEPTION 'a practitioner takes people offline as themselves' USING ERRCODE = '42501';
                END IF;
                NEW.held_since := now(); NEW.revoked_at := NULL; NEW.revoked_by := '';
                NEW.released_at := NULL; NEW.server := '';
                RETURN NEW;
            END IF;
            NEW.id := OLD.id; NEW.person_id := OLD.person_id; NEW.held_by := OLD.held_by;
            NEW.laptop_id := OLD.laptop_id; NEW.laptop_name := OLD.laptop_name;
            NEW.held_since := OLD.held_since; NEW.sync_id := OLD.sync_id; NEW.server := OLD.server;
            IF OLD.revoked_at IS NOT NULL OR NEW.revoked_at IS NULL THEN
                NEW.revoked_at := OLD.revoked_at; NEW.revoked_by := OLD.revoked_by;
            ELSIF {SCHEMA}.i_manage(session_user) THEN
                NEW.revoked_at := now(); NEW.revoked_by := session_user::text;
            ELSE
                RAISE EXCEPTION 'only a manager revokes a hold' USING ERRCODE = '42501';
            END IF;
            IF OLD.released_at IS NOT NULL OR NEW.released_at IS NULL THEN
                NEW.released_at := OLD.released_at;
            ELSIF {SCHEMA}.syncing(OLD.person_id) THEN
                NEW.released_at := now();
            ELSE
                RAISE EXCEPTION 'a hold is released by its sync' USING ERRCODE = '42501';
            END IF;
            RETURN NEW;
        END $$""",
        # The laptop's events about a person it held, appended to the chain in the holder's sync with
        # their real times (within the hold, give or take a laptop clock's 10 minutes) and author (the
        # holder: an account names no one else).
        f"""CREATE OR REPLACE FUNCTION {SCHEMA}.append_offline_event(
            p_at text, p_action text, p_table text, p_row_id text, p_summary text, p_person integer)
        RETURNS integer LANGUAGE plpgsql VOLATILE {definer} AS $$
        DECLARE since timestamptz;
        BEGIN
            IF NOT {SCHEMA}.syncing(p_person) THEN
                RAISE EXCEPTION 'only the holder''s sync appends a laptop''s events' USING ERRCODE = '42501';
            END IF;
            SELECT h.held_since INTO since FROM public.offline_hold h WHERE h.person_id = p_person
                AND h.released_at IS NULL AND h.held_by = session_user::text ORDER BY h.id DESC LIMIT 1;
            IF p_at::timestamptz < since - interval '10 minutes' OR p_at::timestamptz > now() + interval '10 minutes' THEN
                RAISE EXCEPTION 'a laptop event at % is outside its hold (since %)', p_at, since
                    USING ERRCODE = '22007';
            END IF;
            RETURN {SCHEMA}.append_event_at(session_user::text, p_action, p_table, p_row_id, p_summary,
                                            p_person, p_at);
        END $$""",
    ]


# -- the policies ----------------------------------------------------------------------------------


def _scoped_policy(table: str, kind: str, column: str) -> list[str]:
    parents = _reaches(kind, column)
    if table == "person":
        return [
            f"CREATE POLICY pb_read ON person FOR SELECT TO {ACCOUNT_GROUP} USING ({parents} "
            # (only a row newer than any the statement saw: cheap for the rest)
            f"OR ({_roles_in(['practitioner'])} AND id > (SELECT {SCHEMA}.last_person_id()) "
            f"AND {SCHEMA}.unallocated(id)))",
            # A person is added by a practitioner (and is then theirs, or the team's waiting list).
            f"CREATE POLICY pb_add ON person FOR INSERT TO {ACCOUNT_GROUP} WITH CHECK ({_roles_in(['practitioner'])})",
            f"CREATE POLICY pb_change ON person FOR UPDATE TO {ACCOUNT_GROUP} USING ({parents}) WITH CHECK (true)",
            f"CREATE POLICY pb_remove ON person FOR DELETE TO {ACCOUNT_GROUP} USING "
            f"({parents} AND {_roles_in(['practitioner'])})",
        ]
    if table == "allocation":
        writers = _roles_in(["practitioner", "approver"])
        return [
            f"CREATE POLICY pb_read ON allocation FOR SELECT TO {ACCOUNT_GROUP} "
            f"USING ({parents} OR worker = current_user::text)",
            f"CREATE POLICY pb_add ON allocation FOR INSERT TO {ACCOUNT_GROUP} WITH CHECK ({parents} AND {writers})",
            f"CREATE POLICY pb_change ON allocation FOR UPDATE TO {ACCOUNT_GROUP} "
            f"USING ({parents} AND {writers}) WITH CHECK ({writers})",
        ]
    return [
        f"CREATE POLICY pb_rows ON {table} FOR ALL TO {ACCOUNT_GROUP} USING ({parents}) WITH CHECK ({parents})"
    ]


def _reaches(kind: str, column: str) -> str:
    # Reading many: the set, hashed once per statement. Otherwise the account's role and groups
    # once per statement (an initplan), then a look-up per row.
    return (
        f"(CASE WHEN (SELECT current_setting({_lit(READING_MANY)}, true)) = 'on' "
        f"THEN {column} IN (SELECT {SCHEMA}.{_PARENT_SETS[kind]}(current_user)) "
        f"ELSE ({_roles_in(REACHING)} AND {SCHEMA}.{_PARENT_CHECKS[kind]}({column})) END)"
    )


def _shared_policy(table: str, readers: tuple[str, ...], writers: tuple[str, ...]) -> list[str]:
    return [
        f"CREATE POLICY pb_read ON {table} FOR SELECT TO {ACCOUNT_GROUP} USING ({_roles_in(readers)})",
        f"CREATE POLICY pb_add ON {table} FOR INSERT TO {ACCOUNT_GROUP} WITH CHECK ({_roles_in(writers)})",
        f"CREATE POLICY pb_change ON {table} FOR UPDATE TO {ACCOUNT_GROUP} "
        f"USING ({_roles_in(writers)}) WITH CHECK ({_roles_in(writers)})",
    ]


def _special_policies() -> list[str]:
    me = f"{SCHEMA}.my_account(current_user)"
    manager = f"(SELECT {SCHEMA}.i_manage(current_user))"
    people = _reaches("person", "person_id")

    def writers(roles: tuple[str, ...]) -> str:
        if not roles:
            return "false"
        return manager if roles == ("manager",) else _roles_in(roles)

    setting_write = (
        "CASE "
        + " ".join(f"WHEN key LIKE {_lit(k)} THEN {writers(r)}" for k, r in SETTING_WRITERS.items())
        + f" ELSE {writers(SETTING_WRITERS_OTHERWISE)} END"
    )
    setting_read = " AND ".join(
        [f"(SELECT {SCHEMA}.my_role(current_user)) IS NOT NULL"]
        + [f"(key <> {_lit(k)} OR {_roles_in(r)})" for k, r in SECRET_SETTINGS.items()]
    )
    return [
        # Accounts: one's own row; staff see their colleagues (to allocate, to name who did what);
        # only managers add or change accounts (and the columns others may touch are granted below).
        f"CREATE POLICY pb_read ON app_user FOR SELECT TO {ACCOUNT_GROUP} USING (username = current_user::text "
        f"OR {_roles_in(['practitioner', 'approver'])} OR {manager})",
        f"CREATE POLICY pb_add ON app_user FOR INSERT TO {ACCOUNT_GROUP} WITH CHECK ({manager})",
        f"CREATE POLICY pb_change ON app_user FOR UPDATE TO {ACCOUNT_GROUP} "
        f"USING (username = current_user::text OR {manager}) WITH CHECK (username = current_user::text OR {manager})",
        f"CREATE POLICY pb_remove ON app_user FOR DELETE TO {ACCOUNT_GROUP} USING ({manager})",
        # Links of person, carer and broker accounts to people.
        f"CREATE POLICY pb_read ON account_person FOR SELECT TO {ACCOUNT_GROUP} "
        f"USING (user_id = (SELECT id FROM {me}) OR {manager} OR {people})",
        f"CREATE POLICY pb_add ON account_person FOR INSERT TO {ACCOUNT_GROUP} WITH CHECK ({manager})",
        f"CREATE POLICY pb_remove ON account_person FOR DELETE TO {ACCOUNT_GROUP} USING ({manager})",
        # Break-glass: opened by a practitioner or approver as themselves, for anyone; seen by them,
        # by the worker told of it, and with the person's records.
        f"CREATE POLICY pb_read ON break_glass FOR SELECT TO {ACCOUNT_GROUP} USING (username = current_user::text "
        f"OR allocated_worker = current_user::text OR {people})",
        f"CREATE POLICY pb_add ON break_glass FOR INSERT TO {ACCOUNT_GROUP} WITH CHECK (username = current_user::text "
        f"AND {_roles_in(['practitioner', 'approver'])})",
        f"CREATE POLICY pb_change ON break_glass FOR UPDATE TO {ACCOUNT_GROUP} "
        f"USING (allocated_worker = current_user::text) WITH CHECK (allocated_worker = current_user::text)",
        # Settings: every account reads them (but the release ledger's salt); each is written by the
        # roles the services let write it (SETTING_WRITERS); the trail's head by the server only.
        f"CREATE POLICY pb_read ON setting FOR SELECT TO {ACCOUNT_GROUP} USING ({setting_read})",
        f"CREATE POLICY pb_add ON setting FOR INSERT TO {ACCOUNT_GROUP} WITH CHECK ({setting_write})",
        f"CREATE POLICY pb_change ON setting FOR UPDATE TO {ACCOUNT_GROUP} USING ({setting_write}) "
        f"WITH CHECK ({setting_write})",
        f"CREATE POLICY pb_remove ON setting FOR DELETE TO {ACCOUNT_GROUP} USING ({setting_write})",
        # Holds (offline visits): seen with the person's records, by the holder and by managers (who
        # revoke them); taken by a practitioner who reaches the person; the changes a hold may have
        # are the server's rules (offline_hold_rules). Receipts of syncs: written by the holder's sync.
        f"CREATE POLICY pb_read ON offline_hold FOR SELECT TO {ACCOUNT_GROUP} "
        f"USING (held_by = current_user::text OR {manager} OR {people})",
        f"CREATE POLICY pb_add ON offline_hold FOR INSERT TO {ACCOUNT_GROUP} "
        f"WITH CHECK (held_by = current_user::text AND {people})",
        f"CREATE POLICY pb_change ON offline_hold FOR UPDATE TO {ACCOUNT_GROUP} "
        f"USING (held_by = current_user::text OR {manager}) WITH CHECK (held_by = current_user::text OR {manager})",
        f"CREATE POLICY pb_read ON offline_sync FOR SELECT TO {ACCOUNT_GROUP} "
        f"USING (synced_by = current_user::text OR {manager} OR {people})",
        f"CREATE POLICY pb_add ON offline_sync FOR INSERT TO {ACCOUNT_GROUP} "
        f"WITH CHECK (synced_by = current_user::text AND {SCHEMA}.syncing(person_id))",
        # The trail: events about a person go with the person's records; the rest to managers, and
        # the releases to those who export; the whole trail to auditors (audit verify). Nobody
        # writes it but the server (no INSERT, UPDATE or DELETE is granted).
        f"CREATE POLICY pb_read ON audit_event FOR SELECT TO {ACCOUNT_GROUP}, {AUDITOR_GROUP} USING ("
        f"(SELECT {SCHEMA}.i_audit(current_user)) OR (person_id IS NOT NULL AND {people}) OR (person_id IS NULL AND ("
        f"{manager} OR (table_name = 'export_release' AND {_roles_in(['practitioner', 'analyst'])}))))",
    ]


def _table_kinds(tables: Iterable[str]) -> dict[str, str]:
    kinds = {}
    for table in tables:
        if table in SCOPES or table in KEPT:
            kinds[table] = "scoped"
        elif table in SHARED:
            kinds[table] = "shared"
        elif table in SPECIAL:
            kinds[table] = "special"
        elif table in LAPTOP_ONLY:
            kinds[table] = "laptop"
        elif table in NOT_SECURED:
            kinds[table] = "none"
        else:
            raise UnknownTableError(
                f"The table {table} has no row-level security rule: add it to storage/postgres_security.py."
            )
    return kinds


def security_sql(tables: Iterable[str], primary_keys: dict[str, list[str]], setup_role: str) -> list[str]:
    """Every statement of the server's security, for these tables (all of the caseload's)."""
    kinds = _table_kinds(tables)
    secured = sorted(t for t, k in kinds.items() if k != "none")
    statements = [
        # The groups: each a NOLOGIN role (an account is a member of pb_account and of one of these).
        *(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {_lit(g)}) THEN "
            f"CREATE ROLE {g} NOLOGIN; END IF; END $$"
            for g in ALL_GROUPS
        ),
        # CONNECT only: no temporary tables for accounts (a caseload made before this granted it).
        "DO $$ BEGIN EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database()); "
        f"EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM {ACCOUNT_GROUP}, {AUDITOR_GROUP}', "
        "current_database()); "
        f"EXECUTE format('GRANT CONNECT ON DATABASE %I TO {ACCOUNT_GROUP}, {AUDITOR_GROUP}', "
        "current_database()); END $$",
        "REVOKE ALL ON SCHEMA public FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA public TO {ACCOUNT_GROUP}, {AUDITOR_GROUP}",
        *_functions_sql(offline="offline_hold" in kinds),
        f"REVOKE ALL ON ALL FUNCTIONS IN SCHEMA {SCHEMA} FROM PUBLIC",
        f"GRANT USAGE ON SCHEMA {SCHEMA} TO {ACCOUNT_GROUP}, {AUDITOR_GROUP}",
        f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA {SCHEMA} TO {ACCOUNT_GROUP}, {AUDITOR_GROUP}",
        f"REVOKE EXECUTE ON FUNCTION {SCHEMA}.append_event(text, text, text, text, text, integer), "
        f"{SCHEMA}.append_event_at(text, text, text, text, text, integer, text), "
        f"{SCHEMA}.audit_row(), {SCHEMA}.break_glass_clock() FROM {ACCOUNT_GROUP}, {AUDITOR_GROUP}",
        *(
            [
                f"REVOKE EXECUTE ON FUNCTION {SCHEMA}.offline_guard(), {SCHEMA}.offline_hold_rules() "
                f"FROM {ACCOUNT_GROUP}, {AUDITOR_GROUP}"
            ]
            if "offline_hold" in kinds
            else []
        ),
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC, {ACCOUNT_GROUP}, {MANAGER_GROUP}, {AUDITOR_GROUP}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ACCOUNT_GROUP}",
        f"GRANT SELECT ON audit_event, setting TO {AUDITOR_GROUP}",
        *(
            f"GRANT SELECT ON {t} TO {ACCOUNT_GROUP}, {AUDITOR_GROUP}"
            for t in sorted(kinds)
            if kinds[t] == "none"
        ),
    ]
    for table in secured:
        if table == "audit_event":
            statements.append(f"GRANT SELECT ON audit_event TO {ACCOUNT_GROUP}")
        elif table == "app_user":
            statements += [
                f"GRANT SELECT ON app_user TO {ACCOUNT_GROUP}",
                # Signing in writes one's own counters; nothing else of one's own row.
                f"GRANT UPDATE (failed_sign_ins, locked_until, last_sign_in_at, must_change_password, "
                f"password_hash) ON app_user TO {ACCOUNT_GROUP}",
                f"GRANT INSERT, UPDATE, DELETE ON app_user TO {MANAGER_GROUP}",
            ]
        elif table == "offline_hold":  # never removed: released or revoked (the columns the rules let change)
            statements.append(f"GRANT SELECT, INSERT, UPDATE ON offline_hold TO {ACCOUNT_GROUP}")
        elif table == "offline_sync":  # a receipt, written once
            statements.append(f"GRANT SELECT, INSERT ON offline_sync TO {ACCOUNT_GROUP}")
        elif kinds[table] != "laptop":
            statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {ACCOUNT_GROUP}")
        statements += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        ]
        statements += _drop_policies(table)
        # The role that ran the setup (the DBA's: migrations, team upload) is not bound by the rules.
        statements.append(
            f"CREATE POLICY pb_setup ON {table} TO {_ident(setup_role)} USING (true) WITH CHECK (true)"
        )
        if kinds[table] == "scoped":
            statements += _scoped_policy(table, *(SCOPES.get(table) or KEPT[table]))
            # pb_reporting reads every person's rows (for SELECT only: it adds no write).
            statements.append(
                f"CREATE POLICY pb_reporting ON {table} FOR SELECT TO {ACCOUNT_GROUP} "
                f"USING ((SELECT {SCHEMA}.i_report(current_user)))"
            )
        elif kinds[table] == "shared":
            statements += _shared_policy(table, *SHARED[table])
    statements += [p for p in _special_policies() if _policy_table(p) in kinds]
    if "break_glass" in kinds:
        statements += [
            "DROP TRIGGER IF EXISTS pb_break_glass_clock ON break_glass",
            "CREATE TRIGGER pb_break_glass_clock BEFORE INSERT OR UPDATE ON break_glass "
            f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.break_glass_clock()",
        ]
    if "offline_hold" in kinds:
        statements += [
            "DROP TRIGGER IF EXISTS pb_offline_hold_rules ON offline_hold",
            "CREATE TRIGGER pb_offline_hold_rules BEFORE INSERT OR UPDATE ON offline_hold "
            f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.offline_hold_rules()",
        ]
    # A person held offline: their rows (and the totals kept from them) are read-only to every
    # account but the holder's sync (and the writes of HELD_WRITERS).
    for table in secured:
        statements.append(f"DROP TRIGGER IF EXISTS pb_offline_guard ON {table}")
        if (table in SCOPES or table in KEPT) and "offline_hold" in kinds:
            kind, column = SCOPES.get(table) or KEPT[table]
            statements.append(
                f"CREATE TRIGGER pb_offline_guard BEFORE INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.offline_guard({_lit(kind)}, {_lit(column)})"
            )
    # The audit trigger on every audited table.
    for table in secured:
        statements.append(f"DROP TRIGGER IF EXISTS pb_audit ON {table}")
        if table in audit.NOT_AUDITED:
            continue
        kind, column = SCOPES.get(table, PERSON_NAMED.get(table, ("", "")))
        args = ", ".join(_lit(a) for a in (",".join(primary_keys[table]), kind, column))
        statements.append(
            f"CREATE TRIGGER pb_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.audit_row({args})"
        )
    return statements


def _policy_table(statement: str) -> str:
    return statement.split(" ON ", 1)[1].split(" ", 1)[0]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _drop_policies(table: str) -> list[str]:
    return [
        f"DO $$ DECLARE p record; BEGIN FOR p IN SELECT policyname FROM pg_policies "
        f"WHERE schemaname = 'public' AND tablename = {_lit(table)} LOOP "
        f"EXECUTE format('DROP POLICY %I ON public.%I', p.policyname, {_lit(table)}); END LOOP; END $$"
    ]


def apply(connection: Connection) -> None:
    """Apply (or apply again) the server's security to the caseload's database, in the connection's
    transaction. Run by the role that set the caseload up (it must be able to create roles)."""
    from sqlalchemy import inspect as sa_inspect

    inspector = sa_inspect(connection)
    tables = [t for t in inspector.get_table_names()]
    keys = {t: list(inspector.get_pk_constraint(t)["constrained_columns"]) for t in tables}
    setup_role = connection.execute(text("SELECT current_user")).scalar_one()
    raw: Any = connection.connection.dbapi_connection
    cursor = raw.cursor()  # plain statements: no placeholders
    try:
        for statement in security_sql(tables, keys, setup_role):
            cursor.execute(statement)
    finally:
        cursor.close()


# -- what the app calls on a team caseload ---------------------------------------------------------


def is_server(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


@contextmanager
def reading_many(connection: Connection) -> Iterator[None]:
    """Within this block, the server checks the rows the connection reads against the set of people
    the account reaches, built once per statement (``READING_MANY``), rather than person by person:
    for a statement that reads everyone's rows, as the caseload list does. Nothing on SQLite.
    A block inside another on the same connection (the list's scope, read within the list's own
    block) changes nothing: the outer one turns it on and off."""
    if not is_server(connection) or connection.info.get(_IN_READING_MANY):
        yield
        return
    connection.info[_IN_READING_MANY] = True
    try:
        connection.exec_driver_sql(f"SELECT set_config({_lit(READING_MANY)}, 'on', true)")
        yield
        # (Not after an error: a failed statement's rollback undoes the setting with it.)
        connection.exec_driver_sql(f"SELECT set_config({_lit(READING_MANY)}, '', true)")
    finally:
        connection.info.pop(_IN_READING_MANY, None)


_IN_READING_MANY = "pb.in_reading_many"  # (in the connection's info, for the block's length only)


_SECURED = "pb.secured"  # kept in the connection's own info (it lasts as long as the connection)


def secured(connection: Connection) -> bool:
    """Whether this server caseload has the security applied (the functions exist).

    Once known to be so, it is not asked again on the same connection: the security is only ever
    applied (``team setup``, the migrations), never taken away from a caseload in use."""
    if connection.info.get(_SECURED):
        return True
    found = bool(
        connection.execute(
            text("SELECT to_regprocedure('pb_security.sync_account(text)') IS NOT NULL")
        ).scalar()
    )
    if found:
        connection.info[_SECURED] = True
    return found


def whole_caseload_readable(connection: Connection) -> bool:
    """Whether this session reads every person's records: always on a laptop; on a team caseload, an
    account the DBA has put in ``pb_reporting``, or the DBA's own session."""
    if not (is_server(connection) and secured(connection)):
        return True
    return bool(connection.execute(text(f"SELECT {SCHEMA}.whole_caseload_readable()")).scalar())


def sync_account(connection: Connection, username: str) -> None:
    """Make the account's login role match its app_user row (made, enabled or disabled, its group)."""
    connection.execute(text(f"SELECT {SCHEMA}.sync_account(:u)"), {"u": username})


def scram_verifier(connection: Connection, username: str, password: str) -> str:
    """The SCRAM-SHA-256 verifier of a password, made here by libpq (the password is never sent)."""
    driver: Any = connection.connection.driver_connection
    verifier: bytes = driver.pgconn.encrypt_password(
        password.encode("utf-8"), username.encode("utf-8"), b"scram-sha-256"
    )
    return verifier.decode("ascii")


def set_password(connection: Connection, username: str, password: str) -> None:
    """Give the account's login role this password (as a verifier: see :func:`scram_verifier`)."""
    verifier = scram_verifier(connection, username, password)
    connection.execute(text(f"SELECT {SCHEMA}.set_password(:u, :v)"), {"u": username, "v": verifier})


def fill_event_people(connection: Connection) -> None:
    """Record the person of each event that has none (a laptop's trail copied by ``team upload``),
    from the record it names or from its summary; run in the upload's transaction, with
    ``pb.audit_bulk`` on."""
    statements = [
        "UPDATE audit_event SET person_id = row_id::integer WHERE person_id IS NULL "
        "AND table_name = 'person' AND row_id ~ '^[0-9]+$'"
    ]
    for table, (kind, column) in sorted(SCOPES.items()):
        if kind == "self":
            continue
        person = (
            f"t.{column}" if kind == "person" else "(" + _PERSON_OF[kind].replace("$1", f"t.{column}") + ")"
        )
        statements.append(
            f"UPDATE audit_event e SET person_id = {person} FROM {table} t WHERE e.person_id IS NULL "
            f"AND e.table_name = {_lit(table)} AND e.row_id = t.id::text"
        )
    statements.append(  # a removed record, or one of the app's own events, that names its person
        "UPDATE audit_event SET person_id = CASE jsonb_typeof(summary::jsonb -> 'person_id') "
        "WHEN 'number' THEN (summary::jsonb ->> 'person_id')::integer "
        "ELSE coalesce((summary::jsonb -> 'person_id' ->> 1)::integer, (summary::jsonb -> 'person_id' ->> 0)::integer) END "
        "WHERE person_id IS NULL AND summary LIKE '%\"person_id\"%'"
    )
    for statement in statements:
        connection.exec_driver_sql(statement.replace("%", "%%"))


def password_accepted(connection: Connection, username: str, password: str) -> bool:
    """Whether the server takes this password for the account's login role: a connection of its
    own, to the same server and database with the same TLS settings, is tried and closed at once."""
    import psycopg

    driver: Any = connection.connection.driver_connection
    params = driver.info.get_parameters()  # host, port, dbname, sslmode, ... (libpq never gives a password)
    params.update(user=username, password=password, connect_timeout="10")
    try:
        psycopg.connect(**params).close()
    except psycopg.OperationalError as problem:
        words = str(problem)
        if "password authentication failed" in words or "not permitted to log in" in words:
            return False
        raise
    return True


def person_exists(connection: Connection, person_id: int) -> bool:
    """Whether the person is on the caseload at all, even where the account may not see them."""
    if is_server(connection) and secured(connection):
        return bool(connection.execute(text(f"SELECT {SCHEMA}.person_exists(:p)"), {"p": person_id}).scalar())
    return (
        connection.execute(text("SELECT 1 FROM person WHERE id = :p"), {"p": person_id}).first() is not None
    )


def person_exists_sql(connection: Connection) -> str:
    """An SQL expression that is true when the person ``:pid`` is on the caseload at all (as
    :func:`person_exists`), to be asked in the same statement as something else."""
    if is_server(connection) and secured(connection):
        return f"{SCHEMA}.person_exists(:pid)"
    return "EXISTS (SELECT 1 FROM person WHERE id = :pid)"


def person_by_nhs_number(connection: Connection, digits: str) -> int | None:
    """The id behind an NHS number, for opening a record with a reason (break-glass)."""
    if is_server(connection) and secured(connection):
        value = connection.execute(text(f"SELECT {SCHEMA}.person_by_nhs_number(:d)"), {"d": digits}).scalar()
    else:
        value = connection.execute(
            text("SELECT id FROM person WHERE nhs_number = :d"), {"d": digits}
        ).scalar()
    return None if value is None else int(value)
