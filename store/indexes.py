"""Every index Roster relies on, declared in one place and ensured at start-up.

Uniqueness lives here, not in read-then-write code. Partial unique indexes enforce
uniqueness of optional fields; a plain index on the same keys serves lookups because
the embedded database's planner does not use partial indexes.
"""

from __future__ import annotations

from functools import partial

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from store.migrations import run_once
from store.prefix import backfill_prefixes
from store.reference import key_names
from store.types import Document

_STRING = {"$type": "string"}

INDEXES: dict[str, list[IndexModel]] = {
    "organizations": [
        IndexModel([("slug", ASCENDING)], unique=True, name="slug_unique"),
    ],
    "users": [
        IndexModel(
            [("org_id", ASCENDING), ("email", ASCENDING)],
            unique=True,
            partialFilterExpression={"email": _STRING},
            name="org_email_unique",
        ),
        IndexModel([("org_id", ASCENDING), ("email", ASCENDING)], name="org_email_lookup"),
        IndexModel(
            [("org_id", ASCENDING), ("username_key", ASCENDING)],
            unique=True,
            partialFilterExpression={"username_key": _STRING},
            name="org_username_unique",
        ),
        IndexModel(
            [("org_id", ASCENDING), ("username_key", ASCENDING)], name="org_username_lookup"
        ),
        # A search is an equality on one prefix (store/prefix.py), then the page order.
        IndexModel(
            [("org_id", ASCENDING), ("search_prefixes", ASCENDING), ("_id", ASCENDING)],
            name="org_search_prefixes",
        ),
        # The Users page's tabs (a seat, a status, or both) without a search, in page order.
        IndexModel(
            [("org_id", ASCENDING), ("seat", ASCENDING), ("_id", ASCENDING)], name="org_seat"
        ),
        IndexModel(
            [("org_id", ASCENDING), ("status", ASCENDING), ("_id", ASCENDING)], name="org_status"
        ),
        IndexModel(
            [("org_id", ASCENDING), ("status", ASCENDING), ("seat", ASCENDING), ("_id", ASCENDING)],
            name="org_status_seat",
        ),
        IndexModel([("org_id", ASCENDING), ("_id", ASCENDING)], name="org_id_order"),
        # SCIM lookups: the query's fields are a prefix of one index, for the embedded
        # database's planner.
        IndexModel(
            [
                ("org_id", ASCENDING),
                ("email", ASCENDING),
                ("scim_deprovisioned", ASCENDING),
                ("username_key", ASCENDING),
            ],
            name="org_email_scim",
        ),
        IndexModel(
            [("org_id", ASCENDING), ("username_key", ASCENDING), ("scim_deprovisioned", ASCENDING)],
            name="org_username_scim",
        ),
        IndexModel(
            [("org_id", ASCENDING), ("external_id", ASCENDING), ("scim_deprovisioned", ASCENDING)],
            name="org_external_id_scim",
        ),
        IndexModel(
            [
                ("org_id", ASCENDING),
                ("department_id", ASCENDING),
                ("scim_deprovisioned", ASCENDING),
            ],
            name="org_department_scim",
        ),
    ],
    "departments": [
        IndexModel([("org_id", ASCENDING), ("name", ASCENDING)], name="org_name"),
        # Names are unique as name_key compares them (store/reference.py). Partial, so that
        # departments stored before the key existed pass until key_names gives them one.
        IndexModel(
            [("org_id", ASCENDING), ("name_key", ASCENDING)],
            unique=True,
            partialFilterExpression={"name_key": _STRING},
            name="org_name_key_unique",
        ),
        IndexModel([("org_id", ASCENDING), ("name_key", ASCENDING)], name="org_name_key_lookup"),
    ],
    "job_profiles": [IndexModel([("org_id", ASCENDING), ("name", ASCENDING)], name="org_name")],
    "permission_types": [IndexModel([("org_id", ASCENDING), ("name", ASCENDING)], name="org_name")],
    "companies": [
        IndexModel([("org_id", ASCENDING), ("name", ASCENDING)], name="org_name"),
        # As for departments: one company per name, as name_key compares names, so that two
        # requests creating a company of one name (SCIM, a directory sync) make one.
        IndexModel(
            [("org_id", ASCENDING), ("name_key", ASCENDING)],
            unique=True,
            partialFilterExpression={"name_key": _STRING},
            name="org_name_key_unique",
        ),
        IndexModel([("org_id", ASCENDING), ("name_key", ASCENDING)], name="org_name_key_lookup"),
    ],
    "sessions": [
        # A user's sessions, and those opened with one of their identities.
        IndexModel(
            [("org_id", ASCENDING), ("user_id", ASCENDING), ("identity_key", ASCENDING)],
            name="org_user_identity",
        ),
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expiry"),
    ],
    "audit_events": [
        IndexModel([("org_id", ASCENDING), ("_id", DESCENDING)], name="org_recent"),
        IndexModel(
            [("org_id", ASCENDING), ("target_id", ASCENDING), ("_id", DESCENDING)],
            name="org_target_recent",
        ),
        # The admin audit page's action and actor filters (newest first within each).
        IndexModel(
            [("org_id", ASCENDING), ("action", ASCENDING), ("_id", DESCENDING)],
            name="org_action_recent",
        ),
        IndexModel(
            [("org_id", ASCENDING), ("actor_id", ASCENDING), ("_id", DESCENDING)],
            name="org_actor_recent",
        ),
    ],
    "identity_providers": [IndexModel([("org_id", ASCENDING)], name="org")],
    "identities": [
        IndexModel(
            [("org_id", ASCENDING), ("issuer", ASCENDING), ("subject", ASCENDING)],
            unique=True,
            name="org_issuer_subject_unique",
        ),
        IndexModel([("org_id", ASCENDING), ("user_id", ASCENDING)], name="org_user"),
    ],
    "login_transactions": [
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expiry"),
    ],
    "api_clients": [
        IndexModel([("client_id", ASCENDING)], unique=True, name="client_id_unique"),
        IndexModel([("org_id", ASCENDING)], name="org"),
    ],
    "signing_keys": [IndexModel([("retired_at", ASCENDING)], name="retired")],
    "rate_counters": [
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expiry"),
    ],
    "idempotency_keys": [
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expiry"),
    ],
    "login_failures": [
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expiry"),
    ],
    "integrations": [
        IndexModel([("org_id", ASCENDING), ("key", ASCENDING)], unique=True, name="org_key_unique"),
        IndexModel([("org_id", ASCENDING), ("_id", ASCENDING)], name="org_id_order"),
    ],
    "integration_accounts": [
        # Unique on (integration, external id); the organization leads every key, as a
        # shard key would, and the upsert's filter names exactly these fields.
        IndexModel(
            [("org_id", ASCENDING), ("integration_id", ASCENDING), ("external_id", ASCENDING)],
            unique=True,
            name="org_integration_external_unique",
        ),
        # At most one account of an integration per user; enforced, never used for lookups.
        IndexModel(
            [("org_id", ASCENDING), ("integration_id", ASCENDING), ("linked_user_id", ASCENDING)],
            unique=True,
            partialFilterExpression={"linked_user_id": _STRING},
            name="org_integration_user_unique",
        ),
        IndexModel(
            [
                ("org_id", ASCENDING),
                ("integration_id", ASCENDING),
                ("linked_user_id", ASCENDING),
                ("_id", ASCENDING),
            ],
            name="org_integration_linked_order",
        ),
        # The Linked tab's pages: the stored `linked` flag, then _id (the cursor's order).
        IndexModel(
            [
                ("org_id", ASCENDING),
                ("integration_id", ASCENDING),
                ("linked", ASCENDING),
                ("_id", ASCENDING),
            ],
            name="org_integration_linked_id",
        ),
        IndexModel(
            [
                ("org_id", ASCENDING),
                ("integration_id", ASCENDING),
                ("search_prefixes", ASCENDING),
                ("linked", ASCENDING),
                ("_id", ASCENDING),
            ],
            name="org_integration_search_linked",
        ),
        IndexModel([("org_id", ASCENDING), ("linked_user_id", ASCENDING)], name="org_linked_user"),
        # By id, also for the conditional link and unlink (the planner wants every field).
        IndexModel(
            [("org_id", ASCENDING), ("_id", ASCENDING), ("linked_user_id", ASCENDING)],
            name="org_id_linked",
        ),
        # Suggestion candidates: every match key (email, local part, names) of an account.
        IndexModel(
            [("org_id", ASCENDING), ("match_keys", ASCENDING), ("linked_user_id", ASCENDING)],
            name="org_match_keys",
        ),
    ],
    "backfill_requests": [
        IndexModel(
            [("org_id", ASCENDING), ("account_id", ASCENDING)],
            unique=True,
            partialFilterExpression={"status": "PENDING"},
            name="org_account_pending_unique",
        ),
        IndexModel(
            [("org_id", ASCENDING), ("account_id", ASCENDING), ("status", ASCENDING)],
            name="org_account_status",
        ),
        IndexModel(
            [
                ("org_id", ASCENDING),
                ("integration_id", ASCENDING),
                ("status", ASCENDING),
                ("_id", ASCENDING),
            ],
            name="org_integration_status_order",
        ),
        IndexModel(
            [("org_id", ASCENDING), ("integration_id", ASCENDING), ("_id", ASCENDING)],
            name="org_integration_order",
        ),
        IndexModel(
            [("org_id", ASCENDING), ("_id", ASCENDING), ("status", ASCENDING)],
            name="org_id_status",
        ),
    ],
    # Link tokens: the _id is the token's SHA-256 (unique by nature); expired ones are swept.
    # The code is looked up on every sign-up through a link; unique across organizations.
    "signup_links": [
        IndexModel([("code", ASCENDING)], unique=True, name="code_unique"),
        IndexModel([("org_id", ASCENDING), ("code", ASCENDING)], name="org_code"),
    ],
    "invitation_tokens": [
        IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="expiry"),
        # Voiding a user's unused links (of one purpose, or all): either filter is its
        # leading fields, as the embedded database's planner needs.
        IndexModel(
            [
                ("org_id", ASCENDING),
                ("user_id", ASCENDING),
                ("used_at", ASCENDING),
                ("purpose", ASCENDING),
            ],
            name="org_user_unused_purpose",
        ),
    ],
    "licence_pools": [
        IndexModel(
            [("org_id", ASCENDING), ("product_key", ASCENDING)],
            unique=True,
            name="org_product_unique",
        ),
    ],
    "licence_assignments": [
        # Also serializes duplicate assignments: a PENDING claim is inserted under this key
        # before a seat is taken (provisioning/licences.py).
        IndexModel(
            [("org_id", ASCENDING), ("product_key", ASCENDING), ("user_id", ASCENDING)],
            unique=True,
            name="org_product_user_unique",
        ),
        IndexModel([("org_id", ASCENDING), ("user_id", ASCENDING)], name="org_user"),
        # The conditional writes of one claim (store/licences.py's _claimed).
        IndexModel([("claim", ASCENDING)], name="claim"),
        # A pool's confirmed assignments: counted, and paged with a user-id cursor.
        IndexModel(
            [("org_id", ASCENDING), ("product_key", ASCENDING), ("state", ASCENDING)],
            name="org_product_state",
        ),
    ],
    # The outbound-provisioning worker's queue: unprocessed first, oldest first.
    "licence_events": [
        IndexModel([("processed_at", ASCENDING), ("_id", ASCENDING)], name="unprocessed"),
        IndexModel(
            [("org_id", ASCENDING), ("user_id", ASCENDING), ("_id", ASCENDING)],
            name="org_user_order",
        ),
    ],
    # Bulk import: jobs (the runner claims queued ones and those whose lease expired) and
    # their failing rows, whose ids sort by row within a job.
    "import_jobs": [
        IndexModel([("org_id", ASCENDING), ("_id", DESCENDING)], name="org_recent"),
        IndexModel([("status", ASCENDING), ("lease_expires_at", ASCENDING)], name="claimable"),
        # The retention sweep: jobs still holding a file, and the jobs that hold a file.
        IndexModel(
            [("file_deleted_at", ASCENDING), ("status", ASCENDING), ("finished_at", ASCENDING)],
            name="file_kept",
        ),
        IndexModel([("org_id", ASCENDING), ("file_id", ASCENDING)], name="org_file"),
    ],
    "import_row_errors": [
        IndexModel(
            [("org_id", ASCENDING), ("job_id", ASCENDING), ("_id", ASCENDING)], name="org_job"
        ),
    ],
    # Directory sync and outbound provisioning (store/sync_configs.py, store/sync_runs.py).
    "sync_configs": [IndexModel([("next_run_at", ASCENDING)], name="due")],
    "sync_runs": [
        IndexModel(
            [("org_id", ASCENDING), ("integration_id", ASCENDING), ("_id", DESCENDING)],
            name="org_integration_recent",
        ),
        # A held run (the scheduler waits for it), and the RUNNING ones a new run fails.
        IndexModel(
            [("org_id", ASCENDING), ("integration_id", ASCENDING), ("status", ASCENDING)],
            name="org_integration_status",
        ),
    ],
    "sync_errors": [
        IndexModel(
            [("org_id", ASCENDING), ("run_id", ASCENDING), ("_id", ASCENDING)], name="org_run"
        ),
        IndexModel(
            [("org_id", ASCENDING), ("integration_id", ASCENDING), ("_id", ASCENDING)],
            name="org_integration",
        ),
    ],
    "outbox": [
        IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)], name="due"),
        IndexModel(
            [("org_id", ASCENDING), ("user_id", ASCENDING), ("_id", ASCENDING)],
            name="org_user_order",
        ),
    ],
}


# Indexes replaced by others: dropped where an older database still has them.
RETIRED: dict[str, list[str]] = {
    "users": ["org_search"],
    "integration_accounts": ["org_integration_search", "org_integration_search_prefixes"],
    "invitation_tokens": ["org_user_purpose_unused"],
    "sessions": ["org_user"],
}


async def ensure_indexes(db: AsyncDatabase[Document]) -> None:
    for collection, models in INDEXES.items():
        await db[collection].create_indexes(models)
    for collection, names in RETIRED.items():
        existing = {index["name"] async for index in await db[collection].list_indexes()}
        for name in names:
            if name in existing:
                await db[collection].drop_index(name)
    await run_once(db, NAME_KEYS, partial(_key_names, db))
    await run_once(db, SEARCH_PREFIXES, partial(_backfill_prefixes, db))
    await run_once(db, LINKED_FLAG, partial(_backfill_linked, db))


# The one-time migrations (store.migrations) that ensure_indexes runs.
NAME_KEYS = "name_keys"
SEARCH_PREFIXES = "search_prefixes"
LINKED_FLAG = "integration_accounts_linked"


async def _key_names(db: AsyncDatabase[Document]) -> None:
    """Departments and companies stored before their names were keyed get their key."""
    await key_names(db["departments"])
    await key_names(db["companies"])


async def _backfill_prefixes(db: AsyncDatabase[Document]) -> None:
    """Users and accounts stored before their search prefixes were, get them."""
    await backfill_prefixes(db["users"])
    await backfill_prefixes(db["integration_accounts"])


async def _backfill_linked(db: AsyncDatabase[Document]) -> None:
    """Accounts stored before the `linked` flag get it, from their linked user."""
    await db["integration_accounts"].update_many(
        {"linked": {"$exists": False}},
        [{"$set": {"linked": {"$gt": [{"$ifNull": ["$linked_user_id", None]}, None]}}}],
    )
