// userErrors said with what kind of refusal they are, so ALREADY_LINKED and the like read as such.
import type { ErrorCode } from '../../gql/graphql';

const KINDS: Partial<Record<ErrorCode, string>> = {
  ALREADY_LINKED: 'Already linked',
  EMAIL_TAKEN: 'Email taken',
  NOT_FOUND: 'Not found',
  INTEGRATION_DISCONNECTED: 'Integration disconnected',
  SEAT_LIMIT: 'No seat left',
  MANAGED_EXTERNALLY: 'Managed by a directory',
  MISSING_DEFAULT_DEPARTMENT: 'A default is missing',
  MISSING_DEFAULT_JOB_PROFILE: 'A default is missing',
  MISSING_DEFAULT_PERMISSION_TYPE: 'A default is missing',
  MISSING_DEFAULT_LANGUAGE: 'A default is missing',
  FORBIDDEN: 'Not allowed',
  INVALID: 'Invalid',
};

export function typedMessage(error: { code: ErrorCode; message: string }): string {
  const kind = KINDS[error.code];
  return kind ? `${kind}: ${error.message}` : error.message;
}
