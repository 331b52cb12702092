// The daemon's API as the dashboard uses it: the session endpoints and tRPC procedures
// (GET for queries, POST for mutations with the session's CSRF token). The session cookie
// is HttpOnly: scripts never see it, only the CSRF token returned at sign-in.

const PREFIX = '/trpc/systemUpdates.';

export class ApiError extends Error {
  constructor(message, code, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

let session = null;  // {role, actor, csrfToken, expiresAt} while signed in
const listeners = new Set();

export function currentSession() {
  return session;
}

export function isAdmin() {
  return session?.role === 'admin';
}

// `listener(session)` runs whenever the session starts or ends (null: signed out/expired).
export function onSessionChange(listener) {
  listeners.add(listener);
}

function setSession(next) {
  session = next;
  for (const listener of listeners) listener(session);
}

async function readReply(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`the daemon answered HTTP ${response.status}`, 'BAD_RESPONSE', response.status);
  }
  if (body?.error) {
    const code = body.error.data?.code ?? 'ERROR';
    if (code === 'UNAUTHORIZED' && session) setSession(null);
    throw new ApiError(body.error.message, code, response.status);
  }
  return body;
}

// A GET that failed on the network (the browser aborts requests in flight when the machine's
// network changes) is sent once more; anything else never is: a mutation may have been done.
async function send(url, options) {
  const attempt = () => fetch(url, { credentials: 'same-origin', cache: 'no-store', ...options });
  let response;
  try {
    response = await attempt().catch((error) => {
      if (options.method !== 'GET') throw error;
      return attempt();
    });
  } catch (error) {
    throw new ApiError(`the daemon cannot be reached (${error.message})`, 'NETWORK', 0);
  }
  return readReply(response);
}

// The session of the browser's cookie, if any (after a reload).
export async function restoreSession() {
  try {
    setSession(await send('/auth/session', { method: 'GET' }));
  } catch (error) {
    if (error.code !== 'UNAUTHORIZED') throw error;
    setSession(null);
  }
  return session;
}

export async function signIn(token) {
  const result = await send('/auth/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  setSession(result);
  return result;
}

export async function signOut() {
  const csrf = session?.csrfToken ?? '';
  try {
    await send('/auth/session', { method: 'DELETE', headers: { 'X-CSRF-Token': csrf } });
  } finally {
    setSession(null);
  }
}

export async function query(name, input) {
  const search = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  return (await send(`${PREFIX}${name}${search}`, { method: 'GET' })).result.data;
}

export async function mutate(name, input = {}) {
  const reply = await send(`${PREFIX}${name}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session?.csrfToken ?? '' },
    body: JSON.stringify(input),
  });
  return reply.result.data;
}
