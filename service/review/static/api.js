// The /v1 API with the signed-in key; the job event stream read with fetch (EventSource cannot
// send an Authorization header, and the key never goes into a URL).

const KEY_STORAGE = "summariser.review.key";

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.code = this.problem.code || `http_${status}`;
  }
}

export const session = {
  get key() { return sessionStorage.getItem(KEY_STORAGE); },
  set key(value) {
    if (value) sessionStorage.setItem(KEY_STORAGE, value);
    else sessionStorage.removeItem(KEY_STORAGE);
  },
};

function headers(extra = {}) {
  return { Authorization: `Bearer ${session.key}`, ...extra };
}

async function problemOf(res) {
  try { return await res.json(); } catch { return null; }
}

export async function call(method, path, body) {
  const init = { method, headers: headers({ Accept: "application/json" }) };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const res = await fetch(path, init);
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
  return res.status === 204 ? null : res.json();
}

export const api = {
  whoami: () => call("GET", "/v1/whoami"),
  submit: (article) => call("POST", "/v1/jobs", article),
  job: (id) => call("GET", `/v1/jobs/${encodeURIComponent(id)}`),
  review: (id) => call("GET", `/v1/jobs/${encodeURIComponent(id)}/review`),
  versions: (id) => call("GET", `/v1/jobs/${encodeURIComponent(id)}/corrections`),
  save: (id, body) => call("POST", `/v1/jobs/${encodeURIComponent(id)}/corrections`, body),
};

/** Parse a text/event-stream incrementally: feed() chunks, get {event, data} objects back. */
export class SSEParser {
  constructor() { this.buf = ""; this.data = []; this.event = "message"; }

  feed(chunk) {
    this.buf += chunk;
    const out = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buf);
      if (!m) break;
      if (m[0] === "\r" && m.index === this.buf.length - 1) break; // "\r\n" may be split
      const line = this.buf.slice(0, m.index);
      this.buf = this.buf.slice(m.index + m[0].length);
      if (line === "") {
        if (this.data.length) out.push({ event: this.event, data: this.data.join("\n") });
        this.data = [];
        this.event = "message";
      } else if (!line.startsWith(":")) {
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") this.event = value;
        else if (field === "data") this.data.push(value);
      }
    }
    return out;
  }
}

/**
 * Follow a job's Server-Sent Events until `succeeded` or `failed`; calls onEvent(name, job).
 * Reconnects (the stream starts with the current state) if the connection drops early.
 */
export async function followJob(id, onEvent, { signal, attempts = 5 } = {}) {
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const res = await fetch(`/v1/jobs/${encodeURIComponent(id)}/events`, {
      headers: headers({ Accept: "text/event-stream" }),
      signal,
      cache: "no-store",
    });
    if (!res.ok) throw new ApiError(res.status, await problemOf(res));
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const parser = new SSEParser();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const ev of parser.feed(value)) {
        let job;
        try { job = JSON.parse(ev.data); } catch { continue; }
        onEvent(ev.event, job);
        if (ev.event === "succeeded" || ev.event === "failed") {
          reader.cancel().catch(() => {});
          return job;
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500 * (attempt + 1)));
  }
  throw new Error("The event stream kept closing before the job finished; open the job again.");
}
