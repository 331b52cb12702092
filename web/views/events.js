// GET /events (Server-Sent Events, with the session cookie): the running transaction's
// progress. The daemon replays nothing to a new client, so the stream is opened (and waited
// for) before the update starts.
const OPEN_TIMEOUT_MS = 10000;

// `handlers`: {<event type>: (data) => …}. Resolves {live, error, lost, close()} once the stream
// is open, or when it could not be opened (live false: the caller falls back to the result).
// `lost` resolves if the browser gives the open stream up for good (it reconnects by itself,
// with Last-Event-ID, after a mere network error).
export function openEventStream(handlers) {
  const source = new EventSource('/events');
  for (const [type, handle] of Object.entries(handlers)) {
    source.addEventListener(type, (event) => {
      try {
        handle(JSON.parse(event.data));
      } catch {
        // A malformed event is skipped; the final result still tells the outcome.
      }
    });
  }
  let gone;
  const lost = new Promise((resolve) => { gone = resolve; });
  const close = () => source.close();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ live: false, error: 'no answer', lost, close }), OPEN_TIMEOUT_MS);
    source.addEventListener('open', () => {
      clearTimeout(timer);
      resolve({ live: true, lost, close });
    }, { once: true });
    source.addEventListener('error', () => {
      if (source.readyState !== EventSource.CLOSED) return;  // the browser reconnects by itself
      clearTimeout(timer);
      gone();
      resolve({ live: false, error: 'refused', lost, close });
    });
  });
}
