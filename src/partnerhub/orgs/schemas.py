"""Request and answer bodies of the organizations API: a customer's users and license
assignment (`/customers/{id}/org/…`), and the partner's own organization (`/org…`)."""

from __future__ import annotations

import datetime as dt

from ninja import Schema


class UserLicenseOut(Schema):
    item_id: str
    product: str


class CustomerUserOut(Schema):
    """A user of a customer's organization with the licenses assigned today."""

    id: str
    email: str
    name: str
    active: bool
    licenses: list[UserLicenseOut]


class CustomerUserIn(Schema):
    email: str
    name: str = ""


class CustomerUserPage(Schema):
    count: int
    items: list[CustomerUserOut]


class LicenseLineOut(Schema):
    product: str
    licenses: int
    assigned: int
    available: int
    overage: int
    used7: int


class ServiceOut(Schema):
    """A subscription or trial of the organization with its license figures."""

    id: str
    is_trial: bool
    state: str
    start: dt.date
    end: dt.date
    in_force: bool
    assignable: bool
    lines: list[LicenseLineOut]


class ServicesOut(Schema):
    customer_id: str
    as_of: dt.date
    items: list[ServiceOut]


class AssignmentIn(Schema):
    """Assign one product on one subscription or trial to one or more users (by user id)."""

    item_id: str
    product: str
    user_ids: list[str]
    confirm_overage: bool = False


class AssignmentOut(Schema):
    """What changed, who was skipped (already so), and the product's figures afterwards."""

    item_id: str
    product: str
    changed: list[str]
    skipped: list[str]
    licenses: int
    assigned: int
    overage: int


class OwnOrgOut(Schema):
    """The partner's own organization: whether it is set up, and who accepted the terms."""

    id: str
    name: str
    set_up: bool
    org_setup_at: dt.datetime | None
    terms_accepted_at: dt.datetime | None
    terms_accepted_by: str | None
    people_active: int
    people_total: int


class OwnOrgSetupIn(Schema):
    accept_terms: bool = False


class OrgPersonOut(Schema):
    email: str
    name: str
    role: str
    active: bool


class PersonPage(Schema):
    count: int
    items: list[OrgPersonOut]
