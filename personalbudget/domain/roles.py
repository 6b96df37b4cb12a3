"""Who may see and do what. Enforced in the services, not only hidden in the UI."""

from __future__ import annotations

from enum import StrEnum

from personalbudget.i18n import N_, _


class Role(StrEnum):
    PRACTITIONER = "practitioner"
    APPROVER = "approver"
    BROKER = "broker"
    INDIVIDUAL = "individual"  # the person or their carer, co-producing on the practitioner's laptop
    ANALYST = "analyst"  # strategic commissioning: anonymised aggregates only

    @property
    def label(self) -> str:
        return _(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.PRACTITIONER: N_("Care practitioner"),
    Role.APPROVER: N_("Approver (team manager or funding panel)"),
    Role.BROKER: N_("Broker or managed-account provider"),
    Role.INDIVIDUAL: N_("The person or their carer"),
    Role.ANALYST: N_("Strategic analyst"),
}


class Permission(StrEnum):
    VIEW_PEOPLE = "view_people"
    EDIT_PEOPLE = "edit_people"
    ASSESS = "assess"
    AGREE_BUDGET = "agree_budget"
    EDIT_PLAN = "edit_plan"
    SUBMIT_PLAN = "submit_plan"
    DECIDE_PLAN = "decide_plan"
    MOVE_STEPS = "move_steps"
    VIEW_MONEY = "view_money"
    MANAGE_MONEY = "manage_money"
    PRINT = "print"
    EXPORT_AGGREGATES = "export_aggregates"
    EXPORT_CONTRIBUTION = "export_contribution"
    BUILD_DEMO = "build_demo"
    ALLOCATE = "allocate"


ACTIONS = {
    Permission.VIEW_PEOPLE: N_("see people's records"),
    Permission.EDIT_PEOPLE: N_("add or change people's details"),
    Permission.ASSESS: N_("answer the assessment"),
    Permission.AGREE_BUDGET: N_("agree a budget"),
    Permission.EDIT_PLAN: N_("write a support plan"),
    Permission.SUBMIT_PLAN: N_("submit a plan for agreement"),
    Permission.DECIDE_PLAN: N_("approve or return a plan"),
    Permission.MOVE_STEPS: N_("move a plan between steps"),
    Permission.VIEW_MONEY: N_("see budgets and spending"),
    Permission.MANAGE_MONEY: N_("manage payments and statements"),
    Permission.PRINT: N_("print documents"),
    Permission.EXPORT_AGGREGATES: N_("export anonymised aggregates"),
    Permission.EXPORT_CONTRIBUTION: N_("send pseudonymised records to the strategic hub"),
    Permission.BUILD_DEMO: N_("load a demo caseload"),
    Permission.ALLOCATE: N_("allocate a person to a practitioner"),
}

P = Permission
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.PRACTITIONER: frozenset(
        {
            P.VIEW_PEOPLE,
            P.EDIT_PEOPLE,
            P.ASSESS,
            P.AGREE_BUDGET,
            P.EDIT_PLAN,
            P.SUBMIT_PLAN,
            P.MOVE_STEPS,
            P.VIEW_MONEY,
            P.MANAGE_MONEY,
            P.PRINT,
            P.EXPORT_AGGREGATES,
            P.EXPORT_CONTRIBUTION,  # person-level (pseudonymised): not for the analyst role
            P.BUILD_DEMO,
            P.ALLOCATE,
        }
    ),
    Role.APPROVER: frozenset({P.VIEW_PEOPLE, P.DECIDE_PLAN, P.VIEW_MONEY, P.PRINT, P.ALLOCATE}),
    Role.BROKER: frozenset({P.VIEW_PEOPLE, P.VIEW_MONEY, P.MANAGE_MONEY, P.PRINT}),
    Role.INDIVIDUAL: frozenset({P.VIEW_PEOPLE, P.ASSESS, P.EDIT_PLAN, P.VIEW_MONEY, P.PRINT}),
    Role.ANALYST: frozenset({P.EXPORT_AGGREGATES}),
}


def allowed(role: Role, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[role]
