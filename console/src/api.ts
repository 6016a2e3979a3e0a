// The one way the console talks to Roster: POST /graphql with the session cookie and the CSRF
// header. Operations are TypedDocumentStrings made by the code generator from the contract,
// so results and variables are typed with no hand-written API types.
import type { TypedDocumentString } from './gql/graphql';

export class ApiError extends Error {}

type Variables<V> = V extends Record<string, never> ? [] : [V];

export async function request<R, V>(
  document: TypedDocumentString<R, V>,
  ...[variables]: Variables<V>
): Promise<R> {
  let response: Response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json',
        'X-Roster-Request': '1',
      },
      body: JSON.stringify({ query: document.toString(), variables: variables ?? {} }),
    });
  } catch {
    throw new ApiError('Roster cannot be reached. Check your connection and try again.');
  }
  let body: { data?: R | null; errors?: { message: string }[] };
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`Roster answered ${response.status}. Try again in a moment.`);
  }
  if (body.errors?.length || !body.data) {
    throw new ApiError(body.errors?.[0]?.message ?? `Roster answered ${response.status}.`);
  }
  return body.data;
}

/** The message to show for a failed call (ApiError or anything unexpected). */
export function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong. Try again.';
}
