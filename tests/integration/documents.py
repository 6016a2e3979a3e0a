"""GraphQL documents the integration tests send."""

USER_FIELDS = """
  id email username phone firstName lastName language roles status seat source
  createdAt updatedAt lastLoginAt
  department { id name } jobProfile { id name } permissionType { id name }
  company { id name kind }
"""
ERRORS = "userErrors { field code message }"

CREATE_USER = f"""mutation($input: CreateUserInput!) {{
  createUser(input: $input) {{ user {{ {USER_FIELDS} }} {ERRORS} }} }}"""
UPDATE_USER = f"""mutation($input: UpdateUserInput!) {{
  updateUser(input: $input) {{ user {{ {USER_FIELDS} }} {ERRORS} }} }}"""
SET_SEAT = f"""mutation($input: SetUserSeatInput!) {{
  setUserSeat(input: $input) {{ user {{ id seat }} {ERRORS} }} }}"""
DISABLE = f"""mutation($input: DisableUserInput!) {{
  disableUser(input: $input) {{ user {{ id status }} {ERRORS} }} }}"""
ENABLE = f"""mutation($input: EnableUserInput!) {{
  enableUser(input: $input) {{ user {{ id status }} {ERRORS} }} }}"""
DELETE = f"""mutation($input: DeleteUserInput!) {{
  deleteUser(input: $input) {{ deletedId {ERRORS} }} }}"""
SIGN_OUT = f"mutation {{ signOut {{ ok {ERRORS} }} }}"
ORG_SETTINGS = f"""mutation($input: OrganizationSettingsInput!) {{
  updateOrganizationSettings(input: $input) {{
    organization {{ id name settings {{ defaultLanguage seatLimit }} }} {ERRORS} }} }}"""

USER = f"query($id: ID!) {{ user(id: $id) {{ {USER_FIELDS} }} }}"
USERS = f"""query($search: String, $status: UserStatus, $seat: Seat, $first: Int, $after: String) {{
  users(search: $search, status: $status, seat: $seat, first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
    edges {{ cursor node {{ {USER_FIELDS} }} }} }} }}"""
ME = f"{{ me {{ {USER_FIELDS} }} }}"
ORGANIZATION = """{ organization { id slug name settings { defaultLanguage seatLimit }
  seats { full observers limit }
  departments { id name } jobProfiles { id name } permissionTypes { id name }
  companies { id name kind } } }"""
AUDIT = """query($targetId: ID, $first: Int, $after: String) {
  auditEvents(targetId: $targetId, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id action actorType actorId targetType targetId at requestId
                   changes { field before after } } } } }"""
