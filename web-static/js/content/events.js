// Server-Sent Events from /api/v1/events read with fetch streaming: EventSource cannot send the
// Authorization header, and the access token lives in memory only. Reconnects with a growing pause,
// refreshes the token once on 401, and stops for good when `alive()` turns false (the section was left).
import { refresh, token } from '../auth.js';

/**
 * Splits a text/event-stream into events. Feed it decoded text in any chunking; it calls
 * `dispatch({type, data, id})` for each complete event (comments and keep-alives are skipped).
 */
export function eventParser(dispatch) {
  let buffer = '';
  let type = '';
  let data = [];
  let id = '';
  const line = text => {
    if (text === '') {
      if (data.length) dispatch({ type: type || 'message', data: data.join('\n'), id });
      type = ''; data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') type = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id') id = value;
  };
  return chunk => {
    buffer += chunk;
    // A lone '\r' at the very end may be the first half of '\r\n': keep it for the next chunk.
    const lines = buffer.split(/\r\n|\n|\r(?!$)/);
    buffer = lines.pop();
    for (const text of lines) line(text);
  };
}

/**
 * Subscribes to the daemon's event stream.
 * @param {object} options
 * @param {string[]} options.types event types to receive (the `types` query parameter)
 * @param {(event: {type: string, data: any, id: string}) => void} options.onEvent called with the JSON-decoded data
 * @param {(state: 'connecting'|'live'|'retrying'|'unavailable', detail?: string) => void} [options.onState]
 * @param {() => boolean} options.alive false once the subscriber is gone; the stream then closes
 * @returns {() => void} a function that closes the stream
 */
export function subscribe({ types, onEvent, onState = () => {}, alive }) {
  const controller = new AbortController();
  let pause = 1000;
  let stopped = false;
  const close = () => { stopped = true; controller.abort(); };
  const running = () => !stopped && alive();

  (async () => {
    let refreshed = false;
    while (running()) {
      onState('connecting');
      try {
        const headers = { Accept: 'text/event-stream' };
        if (token()) headers.Authorization = `Bearer ${token()}`;
        const query = types?.length ? `?types=${encodeURIComponent(types.join(','))}` : '';
        const response = await fetch(`/api/v1/events${query}`, { headers, cache: 'no-store', signal: controller.signal });
        if (response.status === 401 && !refreshed) {
          refreshed = true;
          if (await refresh()) continue;
        }
        if (response.status === 404) { onState('unavailable', 'This server has no event stream.'); return; }
        if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
        refreshed = false;
        pause = 1000;
        onState('live');
        const parse = eventParser(event => {
          let data = event.data;
          try { data = JSON.parse(event.data); } catch { /* not JSON: pass the text on */ }
          try { onEvent({ type: event.type, data, id: event.id }); } catch (error) { console.warn('event handler failed', error); }
        });
        const reader = response.body.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          if (!running()) { controller.abort(); return; }
          parse(decoder.decode(value, { stream: true }));
        }
      } catch (error) {
        if (!running()) return;
        onState('retrying', error.message);
      }
      if (!running()) return;
      onState('retrying');
      await new Promise(resolve => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, 30000);
    }
  })();
  return close;
}
