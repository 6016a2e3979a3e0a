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
  return post<R>(JSON.stringify({ query: document.toString(), variables: variables ?? {} }), {
    'Content-Type': 'application/json',
  });
}

/**
 * An operation with one file, as a GraphQL multipart request: `file` goes where `path` (for
 * example 'input.file') names in the variables. Multipart is a simple cross-site request, so
 * the CSRF header matters here as everywhere.
 */
export async function upload<R, V>(
  document: TypedDocumentString<R, V>,
  variables: V,
  path: string,
  file: File,
): Promise<R> {
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: document.toString(), variables }));
  form.append('map', JSON.stringify({ 0: [`variables.${path}`] }));
  form.append('0', file, file.name);
  return post<R>(form, {});
}

/** The raw POST every console request makes (GraphiQL's too): the session cookie and the CSRF
 * header that Roster asks of cookie-authenticated POSTs. */
export function postGraphQL(body: BodyInit, headers: Record<string, string> = {}): Promise<Response> {
  return fetch('/graphql', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { ...headers, Accept: 'application/json', 'X-Roster-Request': '1' },
    body,
  });
}

async function post<R>(body: BodyInit, headers: Record<string, string>): Promise<R> {
  let response: Response;
  try {
    response = await postGraphQL(body, headers);
  } catch {
    throw new ApiError('Roster cannot be reached. Check your connection and try again.');
  }
  let answer: { data?: R | null; errors?: { message: string }[] };
  try {
    answer = await response.json();
  } catch {
    throw new ApiError(`Roster answered ${response.status}. Try again in a moment.`);
  }
  if (answer.errors?.length || !answer.data) {
    throw new ApiError(answer.errors?.[0]?.message ?? `Roster answered ${response.status}.`);
  }
  return answer.data;
}

/** The message to show for a failed call (ApiError or anything unexpected). */
export function messageOf(error: unknown): string {
  return error instanceof ApiError ? error.message : 'Something went wrong. Try again.';
}
